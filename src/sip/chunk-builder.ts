// From a parsed SIP message and what the capture point knows (times, addresses) to a Chunk.
import { chunkId, md5hex, timeFields, type CaptureInfo, type Chunk, type SourcePosition } from '../model/chunk.js';
import { formatEndpoint, type Endpoint } from '../model/address.js';
import type { Instant } from '../model/time.js';
import { firstListValue, headerParam, parseCSeq, parseSipMessage, parseVia, type SipMessage } from './message.js';

export interface Observation {
  /** Capture point name (Chunk.parser). */
  parser: string;
  /** The node's own clock. */
  nodeTime: Instant;
  /** The collector's clock; defaults to nodeTime (log files have only one clock). */
  refTime?: Instant;
  src?: Endpoint;
  dst?: Endpoint;
  transport?: string;
  source?: SourcePosition;
  capture?: CaptureInfo;
  flags?: string[];
}

/** Headers that capture points add or alter and that must not change the content hash. */
const TRACE_HEADER = /^x-siptrace-/;

/** A hash of the message that is the same whichever capture point saw it (line ends, trace headers, trailing blanks ignored). */
export function contentHash(msg: SipMessage): string {
  let text = msg.startLine.trim();
  for (const h of msg.headers) {
    if (TRACE_HEADER.test(h.key)) continue;
    text += `\n${h.key}:${singleSpaced(h.value)}`;
  }
  const body = msg.body.length === 0 ? '' : msg.body.toString('latin1').replace(/\r\n/g, '\n').trimEnd();
  return md5hex(`${text}\n${body}`).slice(0, 16);
}

/** What may need `value.replace(/\s+/g, ' ').trim()`: anything but printable ASCII and lone inner spaces. */
const MAYBE_UNEVEN_SPACE = /[^!-~ ]| {2}/;

/** `value.replace(/\s+/g, ' ').trim()`; most header values are already like that. */
function singleSpaced(value: string): string {
  const uneven = MAYBE_UNEVEN_SPACE.test(value) || value.charCodeAt(0) === 0x20 || value.charCodeAt(value.length - 1) === 0x20;
  return uneven ? value.replace(/\s+/g, ' ').trim() : value;
}

/** The headers a chunk's fields come from, found in one pass (first of each, as headerValue). */
interface KeyHeaders { callId?: string; cseq?: string; from?: string; to?: string; topVia?: string }

function keyHeaders(msg: SipMessage): KeyHeaders {
  const k: KeyHeaders = {};
  let viaSeen = false;
  for (const h of msg.headers) {
    switch (h.key) {
      case 'call-id': if (k.callId === undefined) k.callId = h.value; break;
      case 'cseq': if (k.cseq === undefined) k.cseq = h.value; break;
      case 'from': if (k.from === undefined) k.from = h.value; break;
      case 'to': if (k.to === undefined) k.to = h.value; break;
      case 'via':
        if (!viaSeen) {
          k.topVia = firstListValue(h.value);
          viaSeen = k.topVia !== undefined;
        }
        break;
    }
  }
  return k;
}

export function chunkFromSip(payload: Buffer | SipMessage, obs: Observation): Chunk {
  const msg = Buffer.isBuffer(payload) ? parseSipMessage(payload) : payload;
  const hash = contentHash(msg);
  const ref = obs.refTime ?? obs.nodeTime;
  const k = keyHeaders(msg);
  const cseqText = k.cseq;
  const cseq = parseCSeq(cseqText);
  const via = k.topVia ? parseVia(k.topVia) : undefined;
  const flags = [...(obs.flags ?? [])];
  for (const f of msg.flags) if (f !== 'lf-line-ends' && !flags.includes(f)) flags.push(f);
  const t = timeFields(obs.nodeTime, ref);
  // Keys in the order they always had (spread time fields after call-id).
  const c: Chunk = {
    'call-id': k.callId,
    timestamp: t.timestamp,
    ref_timestamp: t.ref_timestamp,
    ts: t.ts,
    ref_ts: t.ref_ts,
    time: t.time,
    ref_time: t.ref_time,
    label: msg.startLine || undefined,
    raw: msg.lines,
    src: obs.src ? formatEndpoint(obs.src) : undefined,
    dst: obs.dst ? formatEndpoint(obs.dst) : undefined,
    parser: obs.parser,
    c_seq: cseqText,
    id: chunkId(obs.parser, t.ts, hash),
    kind: 'sip',
    transport: obs.transport ?? via?.transport.toLowerCase(),
    method: msg.method ?? (msg.kind === 'response' ? cseq?.method || undefined : undefined),
    status: msg.status,
    reason: msg.reason,
    cseq_num: cseq?.num,
    cseq_method: cseq?.method || undefined,
    branch: via?.branch,
    from_tag: headerParam(k.from, 'tag'),
    to_tag: headerParam(k.to, 'tag'),
    hash,
    source: obs.source,
    capture: obs.capture,
    flags: flags.length ? flags : undefined,
  };
  if (c['call-id'] === undefined) { c.flags = c.flags ?? []; c.flags.push('no-call-id'); }
  return c;
}

/**
 * Fill the SIP-derived extension fields of a chunk that came without them (the original's
 * nine-key JSON), by re-parsing its raw lines. Lines are joined with CRLF, as on the wire.
 */
export function enrichFromRaw(c: Chunk): Chunk {
  if (c.kind !== 'sip' || c.raw.length === 0) return c;
  if (c.method !== undefined || c.status !== undefined) return c;
  const sepAt = c.raw.indexOf('');
  const head = sepAt >= 0 ? c.raw.slice(0, sepAt) : c.raw;
  const body = sepAt >= 0 ? c.raw.slice(sepAt + 1) : [];
  const text = head.join('\r\n') + '\r\n\r\n' + body.join('\r\n');
  const msg = parseSipMessage(Buffer.from(text, 'utf8'));
  if (msg.kind === 'unknown') return c;
  const k = keyHeaders(msg);
  const cseq = parseCSeq(k.cseq);
  const via = k.topVia ? parseVia(k.topVia) : undefined;
  c.method = msg.method ?? (cseq?.method || undefined);
  c.status = msg.status;
  c.reason = msg.reason;
  c.cseq_num = cseq?.num;
  c.cseq_method = cseq?.method || undefined;
  c.branch = via?.branch;
  c.transport = c.transport ?? via?.transport.toLowerCase();
  c.from_tag = headerParam(k.from, 'tag');
  c.to_tag = headerParam(k.to, 'tag');
  c.hash = contentHash(msg);
  return c;
}
