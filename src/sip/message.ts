// A tolerant SIP message parser (RFC 3261 §7, §20): bytes in, a plain record out.
// It never throws on bad input: what cannot be read is reported in `flags`.

export interface SipHeader {
  /** The name as written (e.g. "i", "CALL-ID"). */
  name: string;
  /** Canonical lowercase long name (compact forms expanded): "call-id". */
  key: string;
  /** Value with folded continuation lines joined by a single space. */
  value: string;
}

export type SipKind = 'request' | 'response' | 'unknown';

export interface SipMessage {
  kind: SipKind;
  startLine: string;
  method?: string;
  requestUri?: string;
  status?: number;
  reason?: string;
  headers: SipHeader[];
  body: Buffer;
  /** Message lines without line ends: start line, header lines, '' and body lines when a body follows. */
  lines: string[];
  /** Parse problems and notes: no-start-line, no-header-end, bad-content-length, truncated-body, extra-bytes, lf-line-ends. */
  flags: string[];
}

const COMPACT: Record<string, string> = {
  i: 'call-id', f: 'from', t: 'to', v: 'via', l: 'content-length', m: 'contact', c: 'content-type',
  k: 'supported', s: 'subject', e: 'content-encoding', o: 'event', r: 'refer-to', b: 'referred-by',
  u: 'allow-events', x: 'session-expires', a: 'accept-contact', j: 'reject-contact',
  d: 'request-disposition', y: 'identity', n: 'identity-info',
};

export function canonicalHeaderKey(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? lower;
}

const REQUEST_LINE = /^([A-Za-z][A-Za-z0-9.!%*_+`'~-]*) (\S+) SIP\/2\.0\s*$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3})(?: (.*))?$/;

/** The SIP start-line test of FORMATS.md §5.2, on the first line after optional CR/LF. */
export function looksLikeSip(buf: Buffer, offset = 0): boolean {
  let i = offset;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  let end = buf.indexOf(0x0a, i);
  if (end < 0) end = Math.min(buf.length, i + 512);
  if (end - i > 8192) return false;
  const line = buf.toString('latin1', i, end).replace(/\r$/, '');
  return isStartLine(line);
}

export function isStartLine(line: string): boolean {
  return STATUS_LINE.test(line) || (REQUEST_LINE.test(line) && /^[A-Z]/.test(line));
}

/** Offset just past the blank line ending the headers, or -1. Accepts CRLFCRLF and LFLF. */
export function findHeaderEnd(buf: Buffer, from = 0): number {
  for (let i = buf.indexOf(0x0a, from); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  return lines;
}

/**
 * Parse one message. `buf` holds exactly one message (a UDP datagram, a framed TCP message,
 * a log block). Content-Length counts bytes: the body is cut at it when the buffer holds more.
 */
export function parseSipMessage(buf: Buffer): SipMessage {
  const flags: string[] = [];
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a || buf[start] === 0x20 || buf[start] === 0x09)) start++;
  let headerEnd = findHeaderEnd(buf, start);
  let headText: string;
  let body: Buffer;
  if (headerEnd < 0) {
    flags.push('no-header-end');
    headText = buf.toString('utf8', start).replace(/(\r?\n)+$/, '');
    body = Buffer.alloc(0);
    headerEnd = buf.length;
  } else {
    headText = buf.toString('utf8', start, headerEnd).replace(/(\r?\n)+$/, '');
    body = buf.subarray(headerEnd);
  }
  if (!headText.includes('\r\n') && headText.includes('\n')) flags.push('lf-line-ends');
  const headLines = splitLines(headText);
  const startLine = (headLines[0] ?? '').trimEnd();
  const msg: SipMessage = { kind: 'unknown', startLine, headers: [], body, lines: [], flags };

  let m = STATUS_LINE.exec(startLine);
  if (m) {
    msg.kind = 'response';
    msg.status = Number(m[1]);
    msg.reason = (m[2] ?? '').trim();
  } else if ((m = REQUEST_LINE.exec(startLine)) && /^[A-Z]/.test(startLine)) {
    msg.kind = 'request';
    msg.method = m[1]!.toUpperCase();
    msg.requestUri = m[2];
  } else {
    flags.push('no-start-line');
  }

  // Headers, with RFC 3261 §7.3.1 folding (a line starting with SP/HT continues the previous one).
  for (let i = 1; i < headLines.length; i++) {
    const line = headLines[i]!;
    if ((line.startsWith(' ') || line.startsWith('\t')) && msg.headers.length > 0) {
      const last = msg.headers[msg.headers.length - 1]!;
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      if (line.trim() !== '' && !flags.includes('bad-header-line')) flags.push('bad-header-line');
      continue;
    }
    const name = line.slice(0, colon).trim();
    msg.headers.push({ name, key: canonicalHeaderKey(name), value: line.slice(colon + 1).trim() });
  }

  const clText = headerValue(msg, 'content-length');
  if (clText !== undefined) {
    if (/^\d+$/.test(clText)) {
      const cl = Number(clText);
      if (cl < body.length) {
        if (body.subarray(cl).toString('latin1').trim() !== '') flags.push('extra-bytes');
        body = body.subarray(0, cl);
      } else if (cl > body.length) {
        flags.push('truncated-body');
      }
    } else {
      flags.push('bad-content-length');
    }
  }
  msg.body = body;

  msg.lines = headLines.map((l) => l.replace(/\r$/, ''));
  if (body.length > 0) {
    const bodyText = body.toString('utf8').replace(/(\r?\n)+$/, '');
    msg.lines.push('', ...splitLines(bodyText));
  }
  return msg;
}

export function headerValue(msg: SipMessage, key: string): string | undefined {
  const k = canonicalHeaderKey(key);
  for (const h of msg.headers) if (h.key === k) return h.value;
  return undefined;
}

/** All values of a header, with comma-separated multi-value headers split (quotes and <> respected). */
export function headerValues(msg: SipMessage, key: string): string[] {
  const k = canonicalHeaderKey(key);
  const out: string[] = [];
  for (const h of msg.headers) if (h.key === k) out.push(...splitHeaderList(h.value));
  return out;
}

export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let depthAngle = 0, quoted = false, cur = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      cur += ch;
      if (ch === '\\' && i + 1 < value.length) { cur += value[++i]; continue; }
      if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '<') depthAngle++;
    else if (ch === '>') depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === ',' && depthAngle === 0) { if (cur.trim()) out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** A header parameter such as ;tag= or ;branch= (case-insensitive name). */
export function headerParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  // Parameters after the closing '>' of a name-addr, or after the URI in an addr-spec.
  const afterAddr = value.includes('>') ? value.slice(value.lastIndexOf('>') + 1) : value;
  const re = new RegExp(`;\\s*${name}\\s*=\\s*("[^"]*"|[^;,\\s]+)`, 'i');
  const m = re.exec(afterAddr);
  return m ? m[1]!.replace(/^"|"$/g, '') : undefined;
}

export interface CSeq { num: number; method: string }

export function parseCSeq(value: string | undefined): CSeq | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*([A-Za-z]*)/.exec(value);
  if (!m) return undefined;
  return { num: Number(m[1]), method: (m[2] ?? '').toUpperCase() };
}

export interface Via { transport: string; sentBy: string; branch?: string; received?: string; rport?: string }

export function parseVia(value: string): Via | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9-]+)\s+([^;\s]+)/i.exec(value);
  if (!m) return undefined;
  return {
    transport: m[1]!.toUpperCase(),
    sentBy: m[2]!,
    branch: headerParam(value, 'branch'),
    received: headerParam(value, 'received'),
    rport: headerParam(value, 'rport'),
  };
}
