// Building SIP dialogues message by message for the dialogue tests: real SIP text through the
// real chunk builder, observed by named capture points with their own clock offsets.
import { chunkFromSip } from '../../src/sip/chunk-builder.js';
import { parseEndpoint } from '../../src/model/address.js';
import type { Chunk } from '../../src/model/chunk.js';

export interface MessageSpec {
  /** Start line: "INVITE sip:bob@b.example SIP/2.0" or "SIP/2.0 200 OK". */
  start: string;
  callId?: string;
  /** "1 INVITE"; omitted → no CSeq header. */
  cseq?: string;
  /** Via entries top first, "host:port;branch=…" (transport UDP). */
  vias?: string[];
  fromTag?: string;
  toTag?: string;
  headers?: string[];
  body?: string;
}

export function sipText(m: MessageSpec): Buffer {
  const lines = [m.start];
  for (const v of m.vias ?? []) lines.push(`Via: SIP/2.0/UDP ${v}`);
  lines.push(`From: <sip:alice@a.example>;tag=${m.fromTag ?? 'a1'}`);
  lines.push(`To: <sip:bob@b.example>${m.toTag ? `;tag=${m.toTag}` : ''}`);
  if (m.callId !== undefined) lines.push(`Call-ID: ${m.callId}`);
  if (m.cseq !== undefined) lines.push(`CSeq: ${m.cseq}`);
  lines.push(...(m.headers ?? []));
  const body = m.body ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'utf8');
}

const BASE_NS = 1_700_000_000n * 1_000_000_000n;

/** Seconds after a fixed base instant, as an exact Instant (µs precision is enough here). */
export function at(seconds: number): bigint {
  return BASE_NS + BigInt(Math.round(seconds * 1e6)) * 1000n;
}

/** One capture point's sighting of a message at true time `t` (s), with its clock `skew` (s) added. */
export function seen(m: MessageSpec, parser: string, t: number, src: string | undefined, dst: string | undefined, skew = 0, frame?: number): Chunk {
  const local = at(t + skew);
  return chunkFromSip(sipText(m), {
    parser,
    nodeTime: local,
    refTime: local,
    src: src ? parseEndpoint(src) : undefined,
    dst: dst ? parseEndpoint(dst) : undefined,
    source: frame !== undefined ? { frame } : undefined,
  });
}

/** A seeded shuffle (mulberry32), so that failures reproduce. */
export function shuffled<T>(xs: T[], seed: number): T[] {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
