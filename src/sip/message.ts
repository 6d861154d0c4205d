// A tolerant SIP message parser (RFC 3261 §7, §20): bytes in, a plain record out.
// It never throws on bad input: what cannot be read is reported in `flags`.
import { ownText } from '../model/text.js';

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

// Header names repeat from message to message: remembering their keys saves a trim, a
// lowercase copy and a property lookup per header. Bounded, so junk names cannot grow it; what it
// keeps are copies, since a name cut from a message would keep the whole message alive.
const KEY_CACHE_LIMIT = 2048;
const keyCache = new Map<string, string>();

export function canonicalHeaderKey(name: string): string {
  let key = keyCache.get(name);
  if (key === undefined) {
    const lower = name.trim().toLowerCase();
    // Own properties only: a header named "constructor" or "__proto__" is that name, not Object's.
    key = Object.hasOwn(COMPACT, lower) ? COMPACT[lower]! : lower;
    if (keyCache.size < KEY_CACHE_LIMIT) { key = ownText(key); keyCache.set(ownText(name), key); }
  }
  return key;
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

const CR = 0x0d, LF = 0x0a;

/** `text` without its trailing line ends: what `text.replace(/(\r?\n)+$/, '')` gives, without a regex. */
function withoutTrailingLineEnds(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === LF) {
    end--;
    if (end > 0 && text.charCodeAt(end - 1) === CR) end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** Push the lines of `text` split at CRLF or LF (as `text.split(/\r?\n/)`); with `dropCr`, one more trailing CR goes too. */
function pushLines(out: string[], text: string, dropCr: boolean): void {
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    let end = nl < 0 ? text.length : nl;
    if (nl >= 0 && end > from && text.charCodeAt(end - 1) === CR) end--;
    if (dropCr && end > from && text.charCodeAt(end - 1) === CR) end--;
    out.push(text.slice(from, end));
    if (nl < 0) return;
    from = nl + 1;
  }
}

/**
 * Parse one message. `buf` holds exactly one message (a UDP datagram, a framed TCP message,
 * a log block). Content-Length counts bytes: the body is cut at it when the buffer holds more.
 */
export function parseSipMessage(buf: Buffer): SipMessage {
  const flags: string[] = [];
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a || buf[start] === 0x20 || buf[start] === 0x09)) start++;
  const headerEnd = findHeaderEnd(buf, start);
  let headText: string;
  // The body is buf[bodyStart, bodyEnd): one view made once Content-Length is known.
  const bodyStart = headerEnd < 0 ? buf.length : headerEnd;
  let bodyEnd = buf.length;
  if (headerEnd < 0) {
    flags.push('no-header-end');
    headText = withoutTrailingLineEnds(buf.toString('utf8', start));
  } else {
    headText = withoutTrailingLineEnds(buf.toString('utf8', start, headerEnd));
  }
  if (!headText.includes('\r\n') && headText.includes('\n')) flags.push('lf-line-ends');
  // The head's lines, each without its CRLF/LF and one more trailing CR: msg.lines as stored.
  // Header parsing can use these too: every use of a line trims its end.
  const lines: string[] = [];
  pushLines(lines, headText, true);
  const firstEnd = headText.indexOf('\n');
  const startLine = (firstEnd < 0 ? headText : headText.slice(0, firstEnd)).trimEnd();
  const msg: SipMessage = { kind: 'unknown', startLine, headers: [], body: NO_BODY, lines: [], flags };

  let m = STATUS_LINE.exec(startLine);
  if (m) {
    msg.kind = 'response';
    msg.status = Number(m[1]);
    msg.reason = (m[2] ?? '').trim();
  } else if ((m = REQUEST_LINE.exec(startLine)) && isUpperAsciiLetter(startLine.charCodeAt(0))) {
    msg.kind = 'request';
    msg.method = m[1]!.toUpperCase();
    msg.requestUri = m[2];
  } else {
    flags.push('no-start-line');
  }

  // Headers, with RFC 3261 §7.3.1 folding (a line starting with SP/HT continues the previous one).
  const headers = msg.headers;
  let contentLength: SipHeader | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      if (line.trim() !== '' && !flags.includes('bad-header-line')) flags.push('bad-header-line');
      continue;
    }
    const name = line.slice(0, colon).trim();
    const h: SipHeader = { name, key: canonicalHeaderKey(name), value: line.slice(colon + 1).trim() };
    if (contentLength === undefined && h.key === 'content-length') contentLength = h;
    headers.push(h);
  }

  const clText = contentLength?.value;
  if (clText !== undefined) {
    if (/^\d+$/.test(clText)) {
      const cl = Number(clText);
      if (cl < bodyEnd - bodyStart) {
        if (buf.toString('latin1', bodyStart + cl, bodyEnd).trim() !== '') flags.push('extra-bytes');
        bodyEnd = bodyStart + cl;
      } else if (cl > bodyEnd - bodyStart) {
        flags.push('truncated-body');
      }
    } else {
      flags.push('bad-content-length');
    }
  }
  msg.body = headerEnd < 0 ? Buffer.alloc(0) : buf.subarray(bodyStart, bodyEnd);

  if (bodyEnd > bodyStart) {
    lines.push('');
    pushLines(lines, withoutTrailingLineEnds(buf.toString('utf8', bodyStart, bodyEnd)), false);
  }
  msg.lines = lines;
  return msg;
}

const NO_BODY = Buffer.alloc(0);

function isUpperAsciiLetter(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
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
  for (const h of msg.headers) if (h.key === k) splitListInto(h.value, out, Infinity);
  return out;
}

/** `headerValues(msg, key)[0]` (the top Via, the first Contact) without splitting the rest. */
export function firstHeaderValue(msg: SipMessage, key: string): string | undefined {
  const k = canonicalHeaderKey(key);
  for (const h of msg.headers) {
    if (h.key !== k) continue;
    const first = firstListValue(h.value);
    if (first !== undefined) return first;
  }
  return undefined;
}

/** `splitHeaderList(value)[0]`. */
export function firstListValue(value: string): string | undefined {
  return splitListInto(value, [], 1)[0];
}

const QUOTE = 0x22, BACKSLASH = 0x5c, LT = 0x3c, GT = 0x3e, COMMA = 0x2c;

export function splitHeaderList(value: string): string[] {
  return splitListInto(value, [], Infinity);
}

/** Split at commas outside quotes and <>, items trimmed, empty ones dropped, into `out`; stops after `limit` items. */
function splitListInto(value: string, out: string[], limit: number): string[] {
  let depthAngle = 0, quoted = false, from = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (quoted) {
      if (ch === BACKSLASH && i + 1 < value.length) { i++; continue; }
      if (ch === QUOTE) quoted = false;
      continue;
    }
    if (ch === QUOTE) quoted = true;
    else if (ch === LT) depthAngle++;
    else if (ch === GT) depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === COMMA && depthAngle === 0) {
      const item = value.slice(from, i).trim();
      if (item) { out.push(item); if (--limit <= 0) return out; }
      from = i + 1;
    }
  }
  const item = value.slice(from).trim();
  if (item) out.push(item);
  return out;
}

/** A header parameter such as ;tag= or ;branch= (case-insensitive name). */
export function headerParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  // Parameters after the closing '>' of a name-addr, or after the URI in an addr-spec.
  const gt = value.lastIndexOf('>');
  const afterAddr = gt >= 0 ? value.slice(gt + 1) : value;
  const scanned = ASCII_NAME.test(name) ? scanParam(afterAddr, name) : UNSURE;
  const v = scanned !== UNSURE ? scanned : paramPattern(name).exec(afterAddr)?.[1];
  if (v === undefined) return undefined;
  return v.charCodeAt(0) === QUOTE || v.charCodeAt(v.length - 1) === QUOTE ? v.replace(/^"|"$/g, '') : v;
}

const ASCII_NAME = /^[A-Za-z0-9-]+$/;
/** scanParam could not decide: a non-ASCII character where the pattern's \s might match it. */
const UNSURE = Symbol('unsure');

/**
 * The first match of `;\s*NAME\s*=\s*("[^"]*"|[^;,\s]+)` (NAME in any case) without a regex:
 * the group's text, undefined for no match, or UNSURE where a non-ASCII character would need
 * the pattern's Unicode idea of whitespace.
 */
function scanParam(s: string, name: string): string | undefined | typeof UNSURE {
  for (let semi = s.indexOf(';'); semi >= 0; semi = s.indexOf(';', semi + 1)) {
    let i = skipSpace(s, semi + 1);
    if (i < 0) return UNSURE;
    if (i + name.length > s.length || !sameAsciiLetters(s, i, name)) continue;
    i = skipSpace(s, i + name.length);
    if (i < 0) return UNSURE;
    if (s.charCodeAt(i) !== 0x3d) continue; // '='
    i = skipSpace(s, i + 1);
    if (i < 0) return UNSURE;
    if (s.charCodeAt(i) === QUOTE) {
      const close = s.indexOf('"', i + 1);
      if (close >= 0) return s.slice(i, close + 1);
    }
    let end = i;
    for (; end < s.length; end++) {
      const c = s.charCodeAt(end);
      if (c >= 0x80) return UNSURE;
      if (c === 0x3b || c === COMMA || isAsciiSpace(c)) break;
    }
    if (end > i) return s.slice(i, end);
  }
  return undefined;
}

/** Index of the first character at or after `i` that is not whitespace; -1 if a non-ASCII one is met (it might be). */
function skipSpace(s: string, i: number): number {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    if (!isAsciiSpace(c)) return i;
  }
  return i;
}

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function sameAsciiLetters(s: string, at: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    const a = s.charCodeAt(at + k), b = name.charCodeAt(k);
    if (a !== b && (a | 0x20) !== (b | 0x20)) return false;
    if (a !== b && !((a | 0x20) >= 0x61 && (a | 0x20) <= 0x7a)) return false;
  }
  return true;
}

// One compiled pattern per parameter name (the names are the code's own: tag, branch, ...).
const paramPatterns = new Map<string, RegExp>();

function paramPattern(name: string): RegExp {
  let re = paramPatterns.get(name);
  if (re === undefined) {
    re = new RegExp(`;\\s*${name}\\s*=\\s*("[^"]*"|[^;,\\s]+)`, 'i');
    if (paramPatterns.size < 64) paramPatterns.set(name, re);
  }
  return re;
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
