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
 * Lines of `input`, whose first byte is at file offset `startOffset` and is line `firstLineNo`.
 * `onBytes` is told how many bytes each piece had (progress).
 */
export async function* logLines(input: AsyncIterable<Buffer>, startOffset: number, firstLineNo: number, onBytes?: (n: number) => void): AsyncGenerator<LogLine> {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let carryStart = startOffset;
  let tooLong = false;
  let pos = startOffset; // file offset of piece[0]
  let lineNo = firstLineNo;
  for await (const piece of input) {
    onBytes?.(piece.length);
    let from = 0;
    for (;;) {
      const nl = piece.indexOf(0x0a, from);
      if (nl < 0) break;
      const end = pos + nl + 1;
      if (tooLong) {
        yield { text: '', offset: carryStart, end, lineNo, terminated: true, bad: 'line too long' };
      } else {
        const part = piece.subarray(from, nl);
        const bytes = carryLen ? Buffer.concat([...carry, part]) : part;
        if (bytes.length > MAX_LINE_BYTES) yield { text: '', offset: carryStart, end, lineNo, terminated: true, bad: 'line too long' };
        else yield makeLine(bytes, carryStart, end, lineNo, true);
      }
      lineNo++;
      carry = [];
      carryLen = 0;
      tooLong = false;
      carryStart = end;
      from = nl + 1;
    }
    if (from < piece.length && !tooLong) {
      const rest = piece.subarray(from);
      carryLen += rest.length;
      if (carryLen > MAX_LINE_BYTES) { tooLong = true; carry = []; }
      else carry.push(Buffer.from(rest)); // copy: the stream may reuse its buffer
    }
    pos += piece.length;
  }
  if (tooLong) yield { text: '', offset: carryStart, end: pos, lineNo, terminated: false, bad: 'line too long' };
  else if (carryLen > 0) yield makeLine(Buffer.concat(carry), carryStart, pos, lineNo, false);
}
