// SIP message framing on a byte stream (RFC 3261 §18.3; FORMATS.md §5.4 step 3-6): one framer
// per TCP direction (or any ordered byte stream).
// - CR/LF/whitespace between messages are keep-alives (RFC 5626 CRLFCRLF/CRLF, sofia's bare LF);
// - a message is its headers up to the blank line (CRLFCRLF, or LFLF) plus Content-Length
//   BYTES of body (`Content-Length:` or compact `l:`, any case);
// - several messages per push and one message over many pushes are both normal
//   (irontec/sngrep#174, #466, #85, #106);
// - when the bytes do not start with a SIP start line (the capture began mid-message, or a gap)
//   the framer resyncs to the next start line at a line boundary, counting the skip;
// - a missing or invalid Content-Length: the body runs to the next start line or the end of
//   what is buffered, and the message is flagged.
// Memory: at most one incomplete message is held (bounded by MAX_MESSAGE).
import { isStartLine } from '../sip/message.js';

/** Larger Content-Length values, or header blocks without an end, are treated as garbage. */
const MAX_MESSAGE = 4 * 1024 * 1024;
const MAX_HEADER = 256 * 1024;
const MAX_LINE = 8192;

export interface FramedSip {
  data: Buffer;
  flags: string[];
}

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/im;

function isSpace(b: number | undefined): boolean {
  return b === 0x0d || b === 0x0a || b === 0x20 || b === 0x09;
}

/** Offset of the byte after the blank line that ends the headers, or -1. */
function headerEnd(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(0x0a, from); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    const n = buf[i + 1];
    if (n === 0x0a) return i + 2;
    if (n === 0x0d && buf[i + 2] === 0x0a) return i + 3;
    if (n === undefined || (n === 0x0d && i + 2 >= buf.length)) return -1;
  }
  return -1;
}

/** Whether a complete line starting at `at` is a SIP start line; undefined when the line is not complete yet. */
function startLineAt(buf: Buffer, at: number): boolean | undefined {
  const c = buf[at]!;
  // Cheap first test: methods are uppercase tokens, responses start "SIP/".
  if (c < 0x41 || c > 0x5a) return false;
  const nl = buf.indexOf(0x0a, at);
  if (nl < 0) return buf.length - at > MAX_LINE ? false : undefined;
  if (nl - at > MAX_LINE) return false;
  let end = nl;
  if (end > at && buf[end - 1] === 0x0d) end--;
  return isStartLine(buf.toString('latin1', at, end));
}

export class SipStreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Resyncs so far (each skipped a run of bytes that was not a SIP message). */
  resyncs = 0;
  skippedBytes = 0;

  constructor(private readonly onSkip: (reason: string, count: number) => void = () => {}) {}

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Bytes before this push were lost: drop the partial message and resync. */
  gap(): void {
    if (this.buf.length) this.onSkip('sip message incomplete (tcp gap)', 1);
    this.buf = Buffer.alloc(0);
  }

  /** End of stream: count a partial message left behind. */
  finish(): void {
    let i = 0;
    while (i < this.buf.length && isSpace(this.buf[i])) i++;
    if (i < this.buf.length) this.onSkip('sip message incomplete at end of stream', 1);
    this.buf = Buffer.alloc(0);
  }

  /** Feed the next in-order bytes; `emit` gets each complete message (a view valid during the call). */
  push(data: Buffer, emit: (m: FramedSip) => void): void {
    const owned = this.buf.length > 0;
    const b = owned ? Buffer.concat([this.buf, data]) : data;
    let off = 0;
    for (;;) {
      while (off < b.length && isSpace(b[off])) off++;
      if (off >= b.length) break;
      const isStart = startLineAt(b, off);
      if (isStart === undefined) break; // wait for the rest of the first line
      if (!isStart) {
        const next = this.resync(b, off);
        if (next < 0) {
          // Keep only a trailing partial line: it may be the start of the next message.
          const lastNl = b.lastIndexOf(0x0a);
          const keepFrom = lastNl >= off ? lastNl + 1 : off;
          const keep = b.length - keepFrom <= MAX_LINE ? keepFrom : b.length;
          this.countSkip(keep - off);
          off = keep;
          break;
        }
        this.countSkip(next - off);
        off = next;
        continue;
      }
      const he = headerEnd(b, off);
      if (he < 0) {
        if (b.length - off > MAX_HEADER) { this.countSkip(b.length - off); off = b.length; }
        break;
      }
      const m = CONTENT_LENGTH.exec(b.toString('latin1', off, he));
      const clText = m ? m[1]!.trim() : undefined;
      if (clText !== undefined && /^\d+$/.test(clText) && Number(clText) <= MAX_MESSAGE) {
        const end = he + Number(clText);
        if (end > b.length) break; // the body is still coming
        emit({ data: b.subarray(off, end), flags: [] });
        off = end;
        continue;
      }
      // No usable Content-Length (mandatory on streams): the body runs to the next start line.
      let end = this.resync(b, he);
      if (end < 0) end = b.length;
      emit({ data: b.subarray(off, end), flags: [clText === undefined ? 'no-content-length' : 'bad-content-length'] });
      off = end;
    }
    if (off >= b.length) this.buf = Buffer.alloc(0);
    else this.buf = owned && off === 0 ? b : Buffer.from(b.subarray(off));
  }

  /** The offset of the next line (after `from`) that is a SIP start line, or -1. */
  private resync(b: Buffer, from: number): number {
    for (let nl = b.indexOf(0x0a, from); nl >= 0 && nl + 1 < b.length; nl = b.indexOf(0x0a, nl + 1)) {
      if (startLineAt(b, nl + 1) === true) return nl + 1;
    }
    return -1;
  }

  private countSkip(bytes: number): void {
    if (bytes <= 0) return;
    this.resyncs++;
    this.skippedBytes += bytes;
    this.onSkip('tcp bytes that are not sip (resync)', 1);
  }
}
