// Terminal text for renderers: how many columns a string takes, cutting it to a width with an
// ellipsis, and making attacker-controlled SIP text harmless on a terminal (escape sequences,
// bidi overrides that reorder what is shown: CVE-2021-42574 "Trojan Source").

/** Zero-width code points: combining marks, ZWJ/ZWNJ, variation selectors. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufe00-\ufe0f]$/u;
/** East Asian Wide/Fullwidth and emoji presentation: two columns (UAX #11, approximated by ranges). */
const WIDE = /^[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]$/u;

export function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** Columns a string takes on a terminal (after escapeText: no control characters left). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** Cut `s` to at most `width` columns, ending with the ellipsis when something was cut. */
export function truncate(s: string, width: number, ellipsis = '…'): string {
  if (displayWidth(s) <= width) return s;
  const ew = displayWidth(ellipsis);
  if (width <= 0) return '';
  if (width <= ew) return ellipsis.slice(0, width);
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width - ew) break;
    out += ch;
    w += cw;
  }
  return out + ellipsis;
}

/** Pad to `width` columns, text centred (extra space on the right). */
export function center(s: string, width: number): string {
  const free = Math.max(0, width - displayWidth(s));
  const left = Math.floor(free / 2);
  return ' '.repeat(left) + s + ' '.repeat(free - left);
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

export function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}

/**
 * Visible escapes for what a terminal would interpret: C0/C1 controls and DEL (ESC starts
 * colour and cursor sequences), line and paragraph separators, and bidi controls. With
 * `ascii`, every non-ASCII code point is escaped as well (`--ascii` output is pure ASCII).
 */
export function escapeText(s: string, ascii = false): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x09) out += '\\t';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x0a) out += '\\n';
    else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f)) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp === 0x2028 || cp === 0x2029 || cp === 0x061c || cp === 0x200e || cp === 0x200f
      || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0xfeff) out += `\\u{${cp.toString(16)}}`;
    else if (ascii && cp > 0x7e) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out;
}
