// The header section of a SIP chunk, read once from its raw lines and shared by what looks at
// it during one build and analysis: identity (Via branches, RSeq, RAck) and the analysis view
// (analysis/sip-view.ts), which gets the build's reading through Dialogue.heads. A call's
// summary used to scan the same lines four times and re-parse the whole message once more.
import type { Chunk } from '../model/chunk.js';
import { canonicalHeaderKey } from '../sip/message.js';

export interface HeadLine {
  /** The name as written, trimmed ("i", "CALL-ID"). */
  name: string;
  /** Lowercase name, compact forms not expanded: what identity.ts asks for ("v", "via"). */
  lower: string;
  /** Canonical key (compact forms expanded), as sip/message.ts SipHeader.key. */
  key: string;
  /**
   * Value with folded lines joined the way sip/message.ts parseSipMessage joins them
   * (`${value} ${line.trim()}`.trim()).
   */
  value: string;
  /** Value with folded lines joined the way identity.ts always did (value + ' ' + line.trim()). */
  rawValue: string;
}

export interface ChunkHead {
  /** The lines it was read from, and their number then. */
  raw: string[];
  length: number;
  /** Header lines raw[1] up to the first blank line; lines without a colon skipped. */
  headers: HeadLine[];
  /** A line without a colon that is not blank (parseSipMessage's 'bad-header-line'). */
  badLine: boolean;
  /**
   * The message text is plain: raw[0] is a start line without leading blanks, no header line
   * holds CR, LF or a surrogate, so joining the lines with CRLF and parsing the bytes gives
   * exactly these lines back (sip-view.ts reads it without the round trip when true).
   */
  plain: boolean;
  /** Index of the blank line ending the headers, or raw.length. */
  sep: number;
}

/** Lines that do not come back unchanged from CRLF-joined UTF-8 bytes. */
const unplain = (line: string) => line.includes('\r') || line.includes('\n') || !(line as WellFormed).isWellFormed();
type WellFormed = string & { isWellFormed(): boolean }; // ES2024; Node 20 has it

/**
 * canonicalHeaderKey without its table lookup where that finds nothing: compact forms are one
 * letter, and the only lowercase Object.prototype members the plain-object table also "finds".
 */
const keyOf = (lower: string) => (lower.length === 1 || lower === 'constructor' || lower === '__proto__' ? canonicalHeaderKey(lower) : lower);

export function readHead(raw: string[]): ChunkHead {
  const headers: HeadLine[] = [];
  let badLine = false;
  const first = raw[0];
  let plain = first !== undefined && first !== '' && !unplain(first)
    && first[0] !== ' ' && first[0] !== '\t';
  let i = 1;
  for (; i < raw.length; i++) {
    const line = raw[i]!;
    if (line === '') break;
    if (plain && unplain(line)) plain = false;
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && headers.length > 0) {
      // Folded continuation (RFC 3261 §7.3.1).
      const last = headers[headers.length - 1]!;
      const t = line.trim();
      last.rawValue += ' ' + t;
      last.value = `${last.value} ${t}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      if (line.trim() !== '') badLine = true;
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    headers.push({ name, lower, key: keyOf(lower), value, rawValue: value });
  }
  return { raw, length: raw.length, headers, badLine, plain, sep: raw.length === 0 ? 0 : i };
}

/**
 * The head read for this chunk during the dialogue's build (Dialogue.heads), if it was read
 * from the same raw lines; else read now.
 */
export function chunkHead(c: Chunk, heads?: ReadonlyMap<Chunk, ChunkHead>): ChunkHead {
  const h = heads?.get(c);
  return h && h.raw === c.raw && h.length === c.raw.length ? h : readHead(c.raw);
}
