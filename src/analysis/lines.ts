// Line helpers equal to the regular expressions sip/message.ts uses, without their cost.

/** text.replace(/(\r?\n)+$/, ''), without the expression's attempt at every line end. */
export function trimLineEnds(text: string): string {
  let e = text.length;
  while (e > 0 && text.charCodeAt(e - 1) === 0x0a) {
    e--;
    if (e > 0 && text.charCodeAt(e - 1) === 0x0d) e--;
  }
  return e === text.length ? text : text.slice(0, e);
}

/** text.split(/\r?\n/): a CR before a LF belongs to the line end, a CR anywhere else to the line. */
export function splitLines(text: string): string[] {
  const out = text.split('\n');
  for (let i = 0; i < out.length - 1; i++) {
    const l = out[i]!;
    if (l.charCodeAt(l.length - 1) === 0x0d) out[i] = l.slice(0, -1);
  }
  return out;
}
