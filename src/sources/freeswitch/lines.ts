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

/**
 * Splits the input a piece at a time; the caller loops over a piece's lines in plain code (an
 * async generator per line cost more than what the reader does with most lines).
 */
export class PhysicalLineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;       // bytes of the current line seen so far (kept or dropped)
  private dropping = false;   // the current line is over maxLine: its bytes are not kept
  private head = '';          // first bytes of a dropped line
  private lineStart: number;
  private lineNo: number;

  constructor(start: { offset: number; line: number }, private readonly maxLine = DEFAULT_MAX_LINE) {
    this.lineStart = start.offset;
    this.lineNo = start.line;
  }

  private take(last: Buffer | undefined, newline: boolean): PhysicalLine {
    const len = this.carryLen + (last?.length ?? 0);
    const end = this.lineStart + len + (newline ? 1 : 0);
    let out: PhysicalLine;
    if (this.dropping) {
      out = { text: this.head, offset: this.lineStart, end, line: this.lineNo, newline, tooLong: true };
    } else {
      const parts = last ? (this.carry.length ? [...this.carry, last] : [last]) : this.carry;
      let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (newline && buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
      out = { text: buf.toString('latin1'), offset: this.lineStart, end, line: this.lineNo, newline };
    }
    this.carry = [];
    this.carryLen = 0;
    this.dropping = false;
    this.head = '';
    this.lineStart = end;
    this.lineNo++;
    return out;
  }

  private keep(seg: Buffer): void {
    if (!this.dropping && this.carryLen + seg.length > this.maxLine) {
      this.dropping = true;
      this.head = Buffer.concat([...this.carry, seg]).subarray(0, HEAD_KEPT).toString('latin1');
      this.carry = [];
    } else if (!this.dropping) {
      this.carry.push(seg);
    }
    this.carryLen += seg.length;
  }

  /** The lines this piece completes, one at a time (each dies young). */
  *push(piece: Buffer): Generator<PhysicalLine> {
    let pos = 0;
    while (pos < piece.length) {
      const nl = piece.indexOf(0x0a, pos);
      if (nl < 0) {
        // Copy: the stream may reuse its buffer.
        this.keep(Buffer.from(piece.subarray(pos)));
        break;
      }
      const seg = piece.subarray(pos, nl);
      if (this.dropping || this.carryLen + seg.length > this.maxLine) {
        this.keep(seg);
        yield this.take(undefined, true);
      } else {
        yield this.take(seg, true);
      }
      pos = nl + 1;
    }
  }

  /** At the end of the input: the final line when it had no newline. */
  end(): PhysicalLine | undefined {
    return this.carryLen > 0 ? this.take(undefined, false) : undefined;
  }
}
