// From observations to messages: the same message seen by several capture points becomes one
// message that remembers who saw it; a capture duplicate (one capture point seeing the same
// packet twice within a few ms: mirror ports, `-i any`) is dropped and counted; a real
// retransmission (same bytes, same hop, ≥ ~T1 later) stays a message of its own, marked.
// FORMATS.md §6.
import type { Chunk } from '../model/chunk.js';
import type { Instant } from '../model/time.js';
import { hopKey, identityOf, wireKey, type SipIdentity } from './identity.js';
import { readHead, type ChunkHead } from './head.js';

export interface Observation {
  chunk: Chunk;
  id: SipIdentity;
  /** The capture point's own timeline (captureClock): HEP header time, else the collector time. */
  local: Instant;
  /** Position in the canonical order of all observations (input-order independent). */
  seq: number;
}

export interface MergedMessage {
  observations: Observation[];
  /** Identity of the representative observation. */
  id: SipIdentity;
  /** The first occurrence of the same bytes on the same hop, when this is a retransmission. */
  retransmissionOf?: MergedMessage;
}

/** Below SIP's T1 (500 ms) so that retransmissions survive; above capture copy jitter (≈ 1.5 ms seen). */
export const CAPTURE_DUPLICATE_WINDOW_NS = 50_000_000n;
/** How far apart (after clock correction) a log line and the packet it describes may be. */
const HOP_MATCH_WINDOW_NS = 2_000_000_000n;

function sourcePos(c: Chunk): number {
  return c.source?.frame ?? c.source?.line ?? c.source?.offset ?? 0;
}

/**
 * A chunk's time on its capture point's own timeline. For HEP the capture point is the sending
 * node, and the header time is that node's clock at capture, exact to the µs; the collector's
 * arrival time (ref_ts) adds queueing jitter of tens of ms on a live feed, enough to swap two
 * messages a proxy sent within a millisecond. A HEP time the decoder did not trust
 * (receiver-supplied, the hepgen ms-in-µs quirk) falls back to the arrival time.
 */
export function captureClock(c: Chunk): Instant {
  const trusted = c.capture?.hep_version !== undefined
    && !(c.flags?.includes('receiver-time') || c.flags?.includes('hep-ms-quirk'));
  return BigInt(trusted ? c.ts : c.ref_ts);
}

export function compareChunks(a: Chunk, b: Chunk): number {
  const ta = captureClock(a), tb = captureClock(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.parser !== b.parser) return a.parser < b.parser ? -1 : 1;
  const pa = sourcePos(a), pb = sourcePos(b);
  if (pa !== pb) return pa - pb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Observations in a canonical order; the same chunk given twice (same id) counts once. `heads`
 * collects the head of every SIP chunk read on the way (for the analysis view).
 */
export function observe(chunks: Chunk[], heads?: Map<Chunk, ChunkHead>): Observation[] {
  const byId = new Map<string, Chunk>();
  for (const c of chunks) {
    const prev = byId.get(c.id);
    // Two different chunks with one id cannot come from the store; keep the smaller one deterministically.
    if (!prev || compareChunks(c, prev) < 0) byId.set(c.id, c);
  }
  // compareChunks on keys read once (its BigInt parse per comparison dominated).
  const keyed = [...byId.values()].map((chunk) => ({ chunk, local: captureClock(chunk), pos: sourcePos(chunk) }));
  keyed.sort((a, b) => {
    if (a.local !== b.local) return a.local < b.local ? -1 : 1;
    if (a.chunk.parser !== b.chunk.parser) return a.chunk.parser < b.chunk.parser ? -1 : 1;
    if (a.pos !== b.pos) return a.pos - b.pos;
    return a.chunk.id < b.chunk.id ? -1 : a.chunk.id > b.chunk.id ? 1 : 0;
  });
  return keyed.map(({ chunk, local }, seq) => {
    let head: ChunkHead | undefined;
    if (heads && chunk.kind === 'sip') heads.set(chunk, head = readHead(chunk.raw));
    return { chunk, id: identityOf(chunk, head), local, seq };
  });
}

/** Drop capture duplicates: same capture point, same bytes, same addresses and transport, within the window. */
export function dropCaptureDuplicates(obs: Observation[]): { kept: Observation[]; dropped: Observation[] } {
  const lastKept = new Map<string, Instant>();
  const kept: Observation[] = [], dropped: Observation[] = [];
  for (const o of obs) {
    const w = wireKey(o.id);
    if (w === undefined) { kept.push(o); continue; }
    const key = [o.chunk.parser, w, o.id.src ?? '', o.id.dst ?? '', o.chunk.transport ?? ''].join('\u0000');
    const prev = lastKept.get(key);
    if (prev !== undefined && o.local - prev <= CAPTURE_DUPLICATE_WINDOW_NS) { dropped.push(o); continue; }
    lastKept.set(key, o.local);
    kept.push(o);
  }
  return { kept, dropped };
}

const abs = (x: bigint) => (x < 0n ? -x : x);

function corrected(o: Observation, offsets: Map<string, bigint> | undefined): Instant {
  return o.local + (offsets?.get(o.chunk.parser) ?? 0n);
}

/**
 * Assign one capture point's occurrences of a message (in time order) to slots, monotonically and
 * each to the nearest free slot in time: the k-th copy seen here is rarely the k-th copy seen there
 * when one side missed the first transmission. Without offsets the pairing is by position.
 */
function assignSlots(slotTimes: Instant[], times: Instant[], useTime: boolean): number[] {
  const out: number[] = [];
  let last = -1;
  for (let i = 0; i < times.length; i++) {
    const hi = slotTimes.length - (times.length - i);
    if (!useTime) { out.push(++last); continue; }
    let best = last + 1;
    for (let j = last + 1; j <= hi; j++) if (abs(slotTimes[j]! - times[i]!) < abs(slotTimes[best]! - times[i]!)) best = j;
    out.push(best);
    last = best;
  }
  return out;
}

function byParserThenTime(list: Observation[], offsets: Map<string, bigint> | undefined): Map<string, Observation[]> {
  const m = new Map<string, Observation[]>();
  for (const o of list) {
    let l = m.get(o.chunk.parser);
    if (!l) { l = []; m.set(o.chunk.parser, l); }
    l.push(o);
  }
  for (const l of m.values()) l.sort((a, b) => { const d = corrected(a, offsets) - corrected(b, offsets); return d !== 0n ? (d < 0n ? -1 : 1) : a.seq - b.seq; });
  return m;
}

function representativeOf(obs: Observation[], ref: string, offsets: Map<string, bigint> | undefined): Observation {
  let best = obs[0]!;
  const rank = (o: Observation) => (o.chunk.parser === ref ? 0 : 2) + (o.chunk.kind === 'sip' ? 0 : 1);
  for (const o of obs.slice(1)) {
    const d = rank(o) - rank(best);
    if (d < 0) { best = o; continue; }
    if (d > 0) continue;
    const t = corrected(o, offsets) - corrected(best, offsets);
    if (t < 0n || (t === 0n && o.seq < best.seq)) best = o;
  }
  return best;
}

/**
 * Merge observations into messages. `offsets` (capture point → ns to add) place each capture
 * point's copies on the common timeline; without them (the first pass, before clocks are known)
 * copies pair by position and log lines meet packets only where that is unambiguous.
 */
export function mergeObservations(obs: Observation[], ref: string, offsets?: Map<string, bigint>): MergedMessage[] {
  const messages: MergedMessage[] = [];
  const useTime = offsets !== undefined;
  // 1. Same bytes (same Call-ID and content hash): the same message on the same hop.
  const byWire = new Map<string, Observation[]>();
  const rest: Observation[] = [];
  for (const o of obs) {
    const w = wireKey(o.id);
    if (w === undefined) { rest.push(o); continue; }
    let l = byWire.get(w);
    if (!l) { l = []; byWire.set(w, l); }
    l.push(o);
  }
  const wireKeys = [...byWire.keys()].sort((a, b) => byWire.get(a)![0]!.seq - byWire.get(b)![0]!.seq);
  for (const w of wireKeys) {
    const perParser = byParserThenTime(byWire.get(w)!, offsets);
    // The capture point with the most copies defines the slots (ties: reference, then name).
    const parsers = [...perParser.keys()].sort((a, b) => perParser.get(b)!.length - perParser.get(a)!.length
      || (a === ref ? -1 : b === ref ? 1 : 0) || (a < b ? -1 : a > b ? 1 : 0));
    const anchor = perParser.get(parsers[0]!)!;
    const slots: Observation[][] = anchor.map((o) => [o]);
    const slotTimes = anchor.map((o) => corrected(o, offsets));
    for (const p of parsers.slice(1)) {
      const list = perParser.get(p)!;
      const at = assignSlots(slotTimes, list.map((o) => corrected(o, offsets)), useTime);
      at.forEach((j, i) => slots[j]!.push(list[i]!));
    }
    let first: MergedMessage | undefined;
    for (const s of slots) {
      const rep = representativeOf(s, ref, offsets);
      const m: MergedMessage = { observations: s, id: rep.id };
      if (first) m.retransmissionOf = first; else first = m;
      messages.push(m);
    }
  }
  // 2. Observations without bytes to compare (log chunks): meet the message with the same hop key.
  const byHop = new Map<string, MergedMessage[]>();
  for (const m of messages) {
    const k = hopKey(m.id);
    if (k === undefined) continue;
    let l = byHop.get(k);
    if (!l) { l = []; byHop.set(k, l); }
    l.push(m);
  }
  const hopCountInParser = new Map<string, number>();
  for (const o of rest) {
    const k = hopKey(o.id);
    if (k !== undefined) hopCountInParser.set(o.chunk.parser + '\u0000' + k, (hopCountInParser.get(o.chunk.parser + '\u0000' + k) ?? 0) + 1);
  }
  for (const o of rest) {
    const k = hopKey(o.id);
    const candidates = k === undefined ? [] : (byHop.get(k) ?? []).filter((m) => !m.observations.some((x) => x.chunk.parser === o.chunk.parser));
    let target: MergedMessage | undefined;
    if (candidates.length > 0) {
      if (useTime) {
        const t = corrected(o, offsets);
        let bestD: bigint | undefined;
        for (const m of candidates) {
          const d = abs(corrected(m.observations[0]!, offsets) - t);
          if (d <= HOP_MATCH_WINDOW_NS && (bestD === undefined || d < bestD)) { bestD = d; target = m; }
        }
      } else if (candidates.length === 1 && hopCountInParser.get(o.chunk.parser + '\u0000' + k) === 1 && (byHop.get(k!)?.length ?? 0) === 1) {
        target = candidates[0];
      }
    }
    if (target) {
      target.observations.push(o);
      const rep = representativeOf(target.observations, ref, offsets);
      target.id = rep.id;
    } else {
      messages.push({ observations: [o], id: o.id });
    }
  }
  for (const m of messages) {
    const rep = representativeOf(m.observations, ref, offsets);
    m.observations.sort((a, b) => (a === rep ? -1 : b === rep ? 1 : a.seq - b.seq));
  }
  return messages;
}

export function representative(m: MergedMessage): Observation {
  return m.observations[0]!;
}

export { corrected };
