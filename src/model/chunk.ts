// The chunk: one SIP message (or one Kamailio log transaction) as seen by one capture point.
// The single currency between every input and every output (KAZOO.md §2). The first nine keys
// are the original's, in its order and with its JSON types; the rest are ours.
import { nodeCrypto } from './native-crypto.cjs';
import { formatShortest, fromGregorian, gregorianOfDecimal, isoOfDecimal, toGregorian, toIso, type Instant } from './time.js';

export const STORE_FORMAT_VERSION = 1;

export type ChunkKind = 'sip' | 'log';

export interface CaptureInfo {
  /** The HEP sender's address (outer source), for packets received as HEP. */
  sender?: string;
  hep_version?: number;
  capture_id?: number;
  node?: string;
  correlation_id?: string;
  vlan?: number;
}

export interface SourcePosition {
  /** Byte offset of the unit (line, block, record) in the input file. */
  offset?: number;
  /** 1-based frame number in a capture file. */
  frame?: number;
  /** 1-based line number in a log file. */
  line?: number;
}

export interface Chunk {
  'call-id'?: string;
  /** Node clock, Gregorian seconds (number). */
  timestamp: number;
  /** Collector clock, Gregorian seconds (string, always with a fraction). */
  ref_timestamp: string;
  label?: string;
  raw: string[];
  src?: string;
  dst?: string;
  /** The capture point: a log file's absolute path, a capture file, or a HEP sender. */
  parser: string;
  c_seq?: string;
  // ---- extensions ----
  /** Stable identity of this observation: md5(parser, node time, content hash), 16 hex. */
  id: string;
  kind: ChunkKind;
  /** Node time, integer nanoseconds since the Unix epoch, as a decimal string (exact). */
  ts: string;
  /** Collector time, integer nanoseconds since the Unix epoch, as a decimal string. */
  ref_ts: string;
  /** ISO 8601 UTC forms of ts and ref_ts. */
  time: string;
  ref_time: string;
  transport?: string;
  method?: string;
  status?: number;
  reason?: string;
  cseq_num?: number;
  cseq_method?: string;
  branch?: string;
  from_tag?: string;
  to_tag?: string;
  /** Content hash ignoring what capture points change (line ends, trace headers). */
  hash: string;
  source?: SourcePosition;
  capture?: CaptureInfo;
  /** Notes: truncated, parse-error, receiver-time, retransmission, … */
  flags?: string[];
}

export function nodeTime(c: Chunk): Instant {
  return BigInt(c.ts);
}

export function refTime(c: Chunk): Instant {
  return BigInt(c.ref_ts);
}

// crypto.hash (Node >= 20.12) hashes in one call, without a Hash object per digest; strings are
// UTF-8 encoded by both.
export function md5hex(text: string | Buffer): string {
  const crypto = nodeCrypto();
  return crypto.hash ? crypto.hash('md5', text, 'hex') : crypto.createHash('md5').update(text).digest('hex');
}

export function md5digest(bytes: Buffer): Buffer {
  const crypto = nodeCrypto();
  return crypto.hash ? crypto.hash('md5', bytes, 'buffer') as unknown as Buffer : crypto.createHash('md5').update(bytes).digest();
}

/** `ts` is the node time, or its decimal text (Chunk.ts). */
export function chunkId(parser: string, ts: Instant | string, hash: string): string {
  return md5hex(`${parser}\u0000${ts}\u0000${hash}`).slice(0, 16);
}

/** The key order of our JSON output: the original's nine first (KAZOO.md §2.3). */
const KEY_ORDER: (keyof Chunk)[] = [
  'call-id', 'timestamp', 'ref_timestamp', 'label', 'raw', 'src', 'dst', 'parser', 'c_seq',
  'id', 'kind', 'ts', 'ref_ts', 'time', 'ref_time', 'transport', 'method', 'status', 'reason',
  'cseq_num', 'cseq_method', 'branch', 'from_tag', 'to_tag', 'hash', 'source', 'capture', 'flags',
];

/** A plain object with keys in canonical order, undefined values omitted (as the original did). */
export function chunkToJson(c: Chunk): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) {
    const v = c[k];
    if (v === undefined) continue;
    if (k === 'flags' && Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

export function encodeChunk(c: Chunk): string {
  return `{${chunkMembers(c)}}`;
}

const MEMBER_START = KEY_ORDER.map((k) => `${JSON.stringify(k)}:`);
const NEXT_MEMBER_START = MEMBER_START.map((m) => `,${m}`);
const FLAGS_AT = KEY_ORDER.indexOf('flags');

/**
 * The members of `JSON.stringify(chunkToJson(c))` without its braces, written value by value:
 * no intermediate object, and the store line can put its version member first.
 */
export function chunkMembers(c: Chunk): string {
  let out = '';
  for (let i = 0; i < KEY_ORDER.length; i++) {
    const v = c[KEY_ORDER[i]!];
    if (v === undefined) continue;
    if (i === FLAGS_AT && Array.isArray(v) && v.length === 0) continue;
    const json = jsonValue(v);
    if (json === undefined) continue; // what an object member's stringify leaves out (functions)
    out += (out === '' ? MEMBER_START[i] : NEXT_MEMBER_START[i]) + json;
  }
  return out;
}

/** Characters JSON.stringify writes escaped (lone surrogates among them); strings without any are quoted as they are. */
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(v), with the chunk's common values (strings, numbers, string lists) done without it: a call costs more than the text. */
function jsonValue(v: unknown): string | undefined {
  if (typeof v === 'string') return JSON_ESCAPED.test(v) ? JSON.stringify(v) : `"${v}"`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (Array.isArray(v)) {
    let out = '';
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'string') return JSON.stringify(v);
      const item = JSON_ESCAPED.test(x) ? JSON.stringify(x) : `"${x}"`;
      out += i === 0 ? item : `,${item}`;
    }
    return `[${out}]`;
  }
  return JSON.stringify(v) as string | undefined;
}

/** Times for a chunk's four time keys from node and collector instants. */
export function timeFields(node: Instant, ref: Instant): Pick<Chunk, 'timestamp' | 'ref_timestamp' | 'ts' | 'ref_ts' | 'time' | 'ref_time'> {
  const ts = node.toString();
  const timestamp = gregorianOfDecimal(node, ts);
  const time = isoOfDecimal(node, ts);
  // Capture files and HEP give one clock: the collector's fields are the node's.
  if (ref === node) return { timestamp, ref_timestamp: formatShortest(timestamp), ts, ref_ts: ts, time, ref_time: time };
  const refTs = ref.toString();
  return {
    timestamp,
    ref_timestamp: formatShortest(gregorianOfDecimal(ref, refTs)),
    ts,
    ref_ts: refTs,
    time,
    ref_time: isoOfDecimal(ref, refTs),
  };
}

/**
 * Rebuild a Chunk from JSON: our own output, or the original's (nine keys only). For the
 * original's chunks the exact times come from the Gregorian values, and the SIP fields are
 * re-derived from `raw` by the caller (see sip/chunk-builder.ts `enrichFromRaw`).
 */
export function chunkFromJson(o: Record<string, unknown>): Chunk | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  if (!Array.isArray(o.raw) && typeof o.label !== 'string') return undefined;
  const raw = Array.isArray(o.raw) ? o.raw.map((x) => String(x)) : [];
  let ts: Instant;
  let refTs: Instant;
  try {
    ts = typeof o.ts === 'string' ? BigInt(o.ts) : fromGregorian(o.timestamp as number | string);
    refTs = typeof o.ref_ts === 'string' ? BigInt(o.ref_ts)
      : o.ref_timestamp !== undefined ? fromGregorian(o.ref_timestamp as string) : ts;
  } catch {
    return undefined;
  }
  const timestamp = typeof o.timestamp === 'number' ? o.timestamp : toGregorian(ts);
  const refText = typeof o.ref_timestamp === 'string' ? o.ref_timestamp
    : typeof o.ref_timestamp === 'number' ? formatShortest(o.ref_timestamp) : formatShortest(toGregorian(refTs));
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const num = (k: string) => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
  const parser = str('parser') ?? 'unknown';
  const hash = str('hash') ?? md5hex(raw.join('\n')).slice(0, 16);
  const c: Chunk = {
    'call-id': str('call-id'),
    timestamp,
    ref_timestamp: refText,
    label: str('label'),
    raw,
    src: str('src'),
    dst: str('dst'),
    parser,
    c_seq: str('c_seq'),
    id: str('id') ?? chunkId(parser, ts, hash),
    kind: o.kind === 'log' ? 'log' : 'sip',
    ts: ts.toString(),
    ref_ts: refTs.toString(),
    time: str('time') ?? toIso(ts),
    ref_time: str('ref_time') ?? toIso(refTs),
    transport: str('transport'),
    method: str('method'),
    status: num('status'),
    reason: str('reason'),
    cseq_num: num('cseq_num'),
    cseq_method: str('cseq_method'),
    branch: str('branch'),
    from_tag: str('from_tag'),
    to_tag: str('to_tag'),
    hash,
    source: typeof o.source === 'object' && o.source !== null ? (o.source as SourcePosition) : undefined,
    capture: typeof o.capture === 'object' && o.capture !== null ? (o.capture as CaptureInfo) : undefined,
    flags: Array.isArray(o.flags) ? o.flags.map(String) : undefined,
  };
  return c;
}

export function addFlag(c: Chunk, flag: string): void {
  if (!c.flags) c.flags = [];
  if (!c.flags.includes(flag)) c.flags.push(flag);
}
