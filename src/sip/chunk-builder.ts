// From a parsed SIP message and what the capture point knows (times, addresses) to a Chunk.
import { chunkId, md5hex, timeFields, type CaptureInfo, type Chunk, type SourcePosition } from '../model/chunk.js';
import { formatEndpoint, type Endpoint } from '../model/address.js';
import type { Instant } from '../model/time.js';
import { headerParam, headerValue, headerValues, parseCSeq, parseSipMessage, parseVia, type SipMessage } from './message.js';

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
  const parts: string[] = [msg.startLine.trim()];
  for (const h of msg.headers) {
    if (TRACE_HEADER.test(h.key)) continue;
    parts.push(`${h.key}:${h.value.replace(/\s+/g, ' ').trim()}`);
  }
  parts.push(msg.body.toString('latin1').replace(/\r\n/g, '\n').replace(/\s+$/, ''));
  return md5hex(parts.join('\n')).slice(0, 16);
}

export function chunkFromSip(payload: Buffer | SipMessage, obs: Observation): Chunk {
  const msg = Buffer.isBuffer(payload) ? parseSipMessage(payload) : payload;
  const hash = contentHash(msg);
  const ref = obs.refTime ?? obs.nodeTime;
  const cseqText = headerValue(msg, 'cseq');
  const cseq = parseCSeq(cseqText);
  const topVia = headerValues(msg, 'via')[0];
  const via = topVia ? parseVia(topVia) : undefined;
  const flags = [...(obs.flags ?? [])];
  for (const f of msg.flags) if (f !== 'lf-line-ends' && !flags.includes(f)) flags.push(f);
  const c: Chunk = {
    'call-id': headerValue(msg, 'call-id'),
    ...timeFields(obs.nodeTime, ref),
    label: msg.startLine || undefined,
    raw: msg.lines,
    src: obs.src ? formatEndpoint(obs.src) : undefined,
    dst: obs.dst ? formatEndpoint(obs.dst) : undefined,
    parser: obs.parser,
    c_seq: cseqText,
    id: chunkId(obs.parser, obs.nodeTime, hash),
    kind: 'sip',
    transport: obs.transport ?? via?.transport.toLowerCase(),
    method: msg.method ?? (msg.kind === 'response' ? cseq?.method || undefined : undefined),
    status: msg.status,
    reason: msg.reason,
    cseq_num: cseq?.num,
    cseq_method: cseq?.method || undefined,
    branch: via?.branch,
    from_tag: headerParam(headerValue(msg, 'from'), 'tag'),
    to_tag: headerParam(headerValue(msg, 'to'), 'tag'),
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
  const cseq = parseCSeq(headerValue(msg, 'cseq'));
  const topVia = headerValues(msg, 'via')[0];
  const via = topVia ? parseVia(topVia) : undefined;
  c.method = msg.method ?? (cseq?.method || undefined);
  c.status = msg.status;
  c.reason = msg.reason;
  c.cseq_num = cseq?.num;
  c.cseq_method = cseq?.method || undefined;
  c.branch = via?.branch;
  c.transport = c.transport ?? via?.transport.toLowerCase();
  c.from_tag = headerParam(headerValue(msg, 'from'), 'tag');
  c.to_tag = headerParam(headerValue(msg, 'to'), 'tag');
  c.hash = contentHash(msg);
  return c;
}
