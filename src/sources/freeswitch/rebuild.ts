// From a block's lines back to the message bytes (FORMATS.md §8.3 steps 6–7, §8.1 byte count):
// header lines + CRLF, the empty line, then Content-Length bytes of body (the trace may carry
// more: a console line glued after the body, blank lines). Without a usable Content-Length the
// stamp's byte count N gives the body length. N is then a check: a mismatch is flagged, never
// rejected (masked addresses in a pasted log change the size).
import type { Block } from './blocks.js';

export interface RebuiltMessage {
  payload: Buffer;
  /** Bytes of the rebuilt message, to compare with the stamp's N. */
  size: number;
  /** The whole message is there (headers ended, body as long as announced). */
  complete: boolean;
  flags: string[];
}

const CONTENT_LENGTH = /^(?:content-length|l)\s*:\s*(\d+)\s*$/i;
const CRLF = Buffer.from('\r\n', 'latin1');

function joinCrlf(lines: string[]): Buffer {
  return Buffer.from(lines.map((l) => l + '\r\n').join(''), 'latin1');
}

export function rebuildMessage(b: Block): RebuiltMessage {
  const flags: string[] = [];
  const n = b.stamp.bytes;
  const sep = b.lines.indexOf('');
  const head = sep >= 0 ? b.lines.slice(0, sep) : b.lines;
  const headBuf = joinCrlf(head);
  const headerBytes = headBuf.length + 2;
  let contentLength: number | undefined;
  for (const l of head) {
    const m = CONTENT_LENGTH.exec(l);
    if (m) { contentLength = Number(m[1]); break; }
  }

  let payload: Buffer;
  let size: number;
  let complete: boolean;
  if (sep < 0) {
    // No empty line after the headers. FreeSWITCH wrote the whole trace at once, so when
    // something followed the block the message was complete and the console lost the empty
    // line (a prompt printed over it); at the end of the input only N can confirm it.
    const confirmed = n === headerBytes;
    complete = head.length > 0 && (confirmed || (b.end !== 'eof' && contentLength === 0));
    payload = complete ? Buffer.concat([headBuf, CRLF]) : headBuf;
    size = complete ? headerBytes : headBuf.length;
  } else {
    const bodyAll = joinCrlf(b.lines.slice(sep + 1));
    let bodyLen: number;
    const want = n - headerBytes;
    if (contentLength !== undefined && bodyAll.length >= contentLength) {
      complete = true;
      bodyLen = contentLength;
    } else if (contentLength !== undefined && b.end !== 'eof' && want >= 0 && want <= bodyAll.length) {
      // Content-Length announces more than the block holds, but the block ended before the
      // input did and N fits: the sender's Content-Length is wrong, N is the message size.
      complete = true;
      bodyLen = want;
      flags.push('content-length-mismatch');
    } else if (contentLength !== undefined) {
      complete = false;
      bodyLen = bodyAll.length;
    } else {
      complete = want >= 0 && want <= bodyAll.length;
      if (complete) bodyLen = want;
      else {
        // N does not fit: keep the body without the trailing blank lines the trace added.
        bodyLen = bodyAll.length;
        while (bodyLen >= 2 && bodyAll[bodyLen - 2] === 0x0d && bodyAll[bodyLen - 1] === 0x0a
          && (bodyLen === 2 || bodyAll[bodyLen - 3] === 0x0a)) bodyLen -= 2;
        complete = !(want > bodyAll.length && b.end === 'eof');
      }
    }
    // A complete body that is one CRLF short (the last body line had no line end) is still whole.
    const body = bodyAll.subarray(0, bodyLen);
    if (bodyAll.subarray(bodyLen).toString('latin1').trim() !== '') flags.push('extra-bytes');
    payload = Buffer.concat([headBuf, CRLF, body]);
    size = headerBytes + bodyLen;
  }
  if (b.markers.has('line-truncated')) flags.push('line-truncated');
  if (b.markers.has('encoded-data')) flags.push('encoded-data');
  if (b.stamp.sigcomp) flags.push('sigcomp');
  if (!complete) flags.push('truncated');
  else if (size !== n) flags.push('byte-count-mismatch');
  return { payload, size, complete, flags };
}
