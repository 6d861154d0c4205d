// Physical lines of a text input with exact byte offsets (LF or CRLF), decoded as latin1 so
// that every byte maps to one character and rebuilt messages keep their exact bytes.
// Memory is bounded: a line longer than maxLine is reported once (tooLong) and its bytes dropped.

export interface PhysicalLine {
  text: string;
  /** Byte offset of the line's first byte in the input. */
  offset: number;
  /** Byte offset just past the line end (the next line's offset). */
  end: number;
  /** 1-based line number. */
  line: number;
  /** False for a final line that the input ended inside. */
  newline: boolean;
  /** The line exceeded maxLine: text holds only its first bytes. */
  tooLong?: boolean;
}

export const DEFAULT_MAX_LINE = 256 * 1024;
const HEAD_KEPT = 200;

export async function* physicalLines(
  input: AsyncIterable<Buffer>,
  start: { offset: number; line: number },
  onBytes: (n: number) => void,
  maxLine = DEFAULT_MAX_LINE,
): AsyncGenerator<PhysicalLine> {
  let carry: Buffer[] = [];
  let carryLen = 0;       // bytes of the current line seen so far (kept or dropped)
  let dropping = false;   // the current line is over maxLine: its bytes are not kept
  let head = '';          // first bytes of a dropped line
  let lineStart = start.offset;
  let lineNo = start.line;

  const take = (last: Buffer | undefined, newline: boolean): PhysicalLine => {
    const len = carryLen + (last?.length ?? 0);
    const end = lineStart + len + (newline ? 1 : 0);
    let out: PhysicalLine;
    if (dropping) {
      out = { text: head, offset: lineStart, end, line: lineNo, newline, tooLong: true };
    } else {
      const parts = last ? [...carry, last] : carry;
      let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (newline && buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
      out = { text: buf.toString('latin1'), offset: lineStart, end, line: lineNo, newline };
    }
    carry = [];
    carryLen = 0;
    dropping = false;
    head = '';
    lineStart = end;
    lineNo++;
    return out;
  };

  const keep = (seg: Buffer): void => {
    if (!dropping && carryLen + seg.length > maxLine) {
      dropping = true;
      head = Buffer.concat([...carry, seg]).subarray(0, HEAD_KEPT).toString('latin1');
      carry = [];
    } else if (!dropping) {
      carry.push(seg);
    }
    carryLen += seg.length;
  };

  for await (const piece of input) {
    onBytes(piece.length);
    let pos = 0;
    while (pos < piece.length) {
      const nl = piece.indexOf(0x0a, pos);
      if (nl < 0) {
        // Copy: the stream may reuse its buffer.
        keep(Buffer.from(piece.subarray(pos)));
        break;
      }
      const seg = piece.subarray(pos, nl);
      if (dropping || carryLen + seg.length > maxLine) {
        keep(seg);
        yield take(undefined, true);
      } else {
        yield take(seg, true);
      }
      pos = nl + 1;
    }
  }
  if (carryLen > 0) yield take(undefined, false);
}
