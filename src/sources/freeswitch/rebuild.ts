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

/** The lines, each followed by CRLF. Built as latin1 text: one character per byte. */
function joinCrlf(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\r\n') + '\r\n';
}

/** CONTENT_LENGTH can only match a line starting with c, C, l or L: the others skip the regex. */
function mayBeContentLength(line: string): boolean {
  const c = line.charCodeAt(0) | 0x20;
  return c === 0x63 || c === 0x6c;
}

export function rebuildMessage(b: Block): RebuiltMessage {
  const flags: string[] = [];
  const n = b.stamp.bytes;
  const sep = b.lines.indexOf('');
  const head = sep >= 0 ? b.lines.slice(0, sep) : b.lines;
  const headText = joinCrlf(head);
  const headerBytes = headText.length + 2;
  let contentLength: number | undefined;
  for (const l of head) {
    const m = mayBeContentLength(l) ? CONTENT_LENGTH.exec(l) : null;
    if (m) { contentLength = Number(m[1]); break; }
  }

  let payload: string;
  let size: number;
  let complete: boolean;
  if (sep < 0) {
    // No empty line after the headers. FreeSWITCH wrote the whole trace at once, so when
    // something followed the block the message was complete and the console lost the empty
    // line (a prompt printed over it); at the end of the input only N can confirm it.
    const confirmed = n === headerBytes;
    complete = head.length > 0 && (confirmed || (b.end !== 'eof' && contentLength === 0));
    payload = complete ? headText + '\r\n' : headText;
    size = complete ? headerBytes : headText.length;
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
        while (bodyLen >= 2 && bodyAll.charCodeAt(bodyLen - 2) === 0x0d && bodyAll.charCodeAt(bodyLen - 1) === 0x0a
          && (bodyLen === 2 || bodyAll.charCodeAt(bodyLen - 3) === 0x0a)) bodyLen -= 2;
        complete = !(want > bodyAll.length && b.end === 'eof');
      }
    }
    // A complete body that is one CRLF short (the last body line had no line end) is still whole.
    if (bodyLen < bodyAll.length && bodyAll.slice(bodyLen).trim() !== '') flags.push('extra-bytes');
    payload = headText + '\r\n' + (bodyLen < bodyAll.length ? bodyAll.slice(0, bodyLen) : bodyAll);
    size = headerBytes + bodyLen;
  }
  if (b.markers.has('line-truncated')) flags.push('line-truncated');
  if (b.markers.has('encoded-data')) flags.push('encoded-data');
  if (b.stamp.sigcomp) flags.push('sigcomp');
  if (!complete) flags.push('truncated');
  else if (size !== n) flags.push('byte-count-mismatch');
  return { payload: Buffer.from(payload, 'latin1'), size, complete, flags };
}
