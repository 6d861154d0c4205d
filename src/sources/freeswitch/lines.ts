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
 * Splits the input a piece at a time: push() a piece's latin1 text, then next() until it
 * returns undefined. The caller loops in plain code (an async generator per line cost more
 * than what the reader does with most lines). Each piece is decoded once, as a whole: latin1
 * maps byte i to character i, so string positions are byte offsets and a line is a slice of
 * the piece's text (a Buffer view and a decode per line cost more than most lines' parsing).
 */
export class PhysicalLineSplitter {
  private text = '';          // the current piece, decoded
  private pos = 0;            // where the next line starts in it
  private carry = '';         // kept text of the current line from earlier pieces
  private carryLen = 0;       // bytes of the current line seen so far (kept or dropped)
  private dropping = false;   // the current line is over maxLine: its bytes are not kept
  private head = '';          // first bytes of a dropped line
  private lineStart: number;
  private lineNo: number;

  constructor(start: { offset: number; line: number }, private readonly maxLine = DEFAULT_MAX_LINE) {
    this.lineStart = start.offset;
    this.lineNo = start.line;
  }

  /** `last`: the line's text in the current piece (already kept when dropping). */
  private take(last: string, newline: boolean): PhysicalLine {
    const len = this.carryLen + last.length;
    const end = this.lineStart + len + (newline ? 1 : 0);
    let out: PhysicalLine;
    if (this.dropping) {
      out = { text: this.head, offset: this.lineStart, end, line: this.lineNo, newline, tooLong: true };
    } else {
      let text = this.carryLen > 0 ? this.carry + last : last;
      if (newline && text.length > 0 && text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
      out = { text, offset: this.lineStart, end, line: this.lineNo, newline };
    }
    this.carry = '';
    this.carryLen = 0;
    this.dropping = false;
    this.head = '';
    this.lineStart = end;
    this.lineNo++;
    return out;
  }

  private keep(seg: string): void {
    if (!this.dropping && this.carryLen + seg.length > this.maxLine) {
      this.dropping = true;
      this.head = (this.carry + seg).slice(0, HEAD_KEPT);
      this.carry = '';
    } else if (!this.dropping) {
      this.carry += seg;
    }
    this.carryLen += seg.length;
  }

  /** The next piece of the input, `piece.toString('latin1')` (the previous one's lines all taken). */
  push(text: string): void {
    this.text = text;
    this.pos = 0;
  }

  /** The next line the current piece completes, or undefined when it completes no more. */
  next(): PhysicalLine | undefined {
    const text = this.text;
    const pos = this.pos;
    if (pos >= text.length) return undefined;
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      this.keep(pos === 0 ? text : text.slice(pos));
      this.text = '';
      this.pos = 0;
      return undefined;
    }
    this.pos = nl + 1;
    if (this.dropping || this.carryLen + (nl - pos) > this.maxLine) {
      this.keep(text.slice(pos, nl));
      return this.take('', true);
    }
    return this.take(text.slice(pos, nl), true);
  }

  /** At the end of the input: the final line when it had no newline. */
  end(): PhysicalLine | undefined {
    return this.carryLen > 0 ? this.take('', false) : undefined;
  }
}
