// Streaming split of a log's bytes into lines with their byte offsets. Bounded memory: a line
// longer than MAX_LINE_BYTES is dropped (counted) instead of buffered. CRLF and a missing final
// newline are handled here, so the parsers above only ever see one clean line of text.

export const MAX_LINE_BYTES = 64 * 1024;

export interface LogLine {
  /** The line without its line end (CR of a CRLF removed). */
  text: string;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** Byte offset just past the line end (where the next line starts). */
  end: number;
  /** 1-based line number in the file (continued from the resume context on an incremental ingest). */
  lineNo: number;
  /** False for a last line that had no newline: it may still be being written. */
  terminated: boolean;
  /** Why the line cannot be text, when it cannot: binary bytes, invalid UTF-8, too long. */
  bad?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Control bytes that never occur in a log line of text (TAB, and CR before LF, excepted). */
function hasBinary(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if ((b < 0x20 && b !== 0x09) || b === 0x7f) return true;
  }
  return false;
}

function makeLine(bytes: Buffer, offset: number, end: number, lineNo: number, terminated: boolean): LogLine {
  let body = bytes;
  if (body.length > 0 && body[body.length - 1] === 0x0d) body = body.subarray(0, body.length - 1);
  if (hasBinary(body)) return { text: '', offset, end, lineNo, terminated, bad: 'binary data' };
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { text: '', offset, end, lineNo, terminated, bad: 'invalid utf-8' };
  }
  return { text, offset, end, lineNo, terminated };
}

/**
 * Anything but TAB and printable ASCII. A line without it needs neither the binary check (a
 * JavaScript loop per byte) nor the strict UTF-8 decoder: ASCII decodes the same either way.
 */
const NOT_PLAIN = /[^\t\x20-\x7e]/;
const NOT_PLAIN_OR_LF = /[^\t\n\x20-\x7e]/;

/**
 * Splits pieces of a log into lines, one piece at a time: the caller handles a whole piece's
 * lines in a plain loop (an async generator per line cost more than the parsing itself).
 * The first byte pushed is at file offset `startOffset` and starts line `firstLineNo`.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private carryStart: number;
  private tooLong = false;
  private pos: number; // file offset of the next piece's first byte
  private lineNo: number;

  constructor(startOffset: number, firstLineNo: number) {
    this.carryStart = startOffset;
    this.pos = startOffset;
    this.lineNo = firstLineNo;
  }

  /**
   * The lines this piece completes, in order. A generator, not an array: each line (and what
   * the caller makes of it) dies young instead of living as long as the whole piece.
   */
  *push(piece: Buffer): Generator<LogLine> {
    // When the piece holds nothing but TAB, LF and printable ASCII (one scan), no line of its
    // own needs the check. Each line is still decoded on its own: a slice of the piece's text
    // would keep the whole piece alive as long as any string cut from it (a Call-ID, a label).
    const plain = !NOT_PLAIN_OR_LF.test(piece.toString('latin1'));
    let from = 0;
    for (;;) {
      const nl = piece.indexOf(0x0a, from);
      if (nl < 0) break;
      const end = this.pos + nl + 1;
      if (this.tooLong) {
        yield { text: '', offset: this.carryStart, end, lineNo: this.lineNo, terminated: true, bad: 'line too long' };
      } else if (this.carryLen === 0 && nl - from <= MAX_LINE_BYTES) {
        const text = piece.toString('latin1', from, nl);
        yield !plain && NOT_PLAIN.test(text)
          ? makeLine(piece.subarray(from, nl), this.carryStart, end, this.lineNo, true)
          : { text, offset: this.carryStart, end, lineNo: this.lineNo, terminated: true };
      } else {
        const part = piece.subarray(from, nl);
        const bytes = this.carryLen ? Buffer.concat([...this.carry, part]) : part;
        if (bytes.length > MAX_LINE_BYTES) yield { text: '', offset: this.carryStart, end, lineNo: this.lineNo, terminated: true, bad: 'line too long' };
        else yield makeLine(bytes, this.carryStart, end, this.lineNo, true);
      }
      this.lineNo++;
      this.carry = [];
      this.carryLen = 0;
      this.tooLong = false;
      this.carryStart = end;
      from = nl + 1;
    }
    if (from < piece.length && !this.tooLong) {
      const rest = piece.subarray(from);
      this.carryLen += rest.length;
      if (this.carryLen > MAX_LINE_BYTES) { this.tooLong = true; this.carry = []; }
      else this.carry.push(Buffer.from(rest)); // copy: the stream may reuse its buffer
    }
    this.pos += piece.length;
  }

  /** At the end of the input: the last line when it had no newline (it may be half written). */
  end(): LogLine | undefined {
    if (this.tooLong) return { text: '', offset: this.carryStart, end: this.pos, lineNo: this.lineNo, terminated: false, bad: 'line too long' };
    if (this.carryLen > 0) return makeLine(Buffer.concat(this.carry), this.carryStart, this.pos, this.lineNo, false);
    return undefined;
  }
}
