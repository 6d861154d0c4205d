// IP fragment reassembly (FORMATS.md §5.1), IPv4 and IPv6 alike.
//
// - Fragments are accepted in any order (the last one first included: irontec/sngrep#499),
//   with duplicates and overlaps. For a byte range received twice the FIRST bytes win; a copy
//   whose bytes differ marks the datagram `conflict` (RFC 5722 would drop it; we keep and flag).
// - The fragment with MF = 0 fixes the total length; the datagram is complete when 0..total is
//   covered.
// - Timestamp: the reassembled datagram takes the time of the fragment that COMPLETES it (what
//   the receiving application saw, and what Wireshark and sipgrep show; sngrep uses the first
//   fragment's). The first fragment's time is kept as `firstTime`.
// - Bounded: at most `maxSets` open datagrams (the oldest is dropped, counted), at most 64 KiB
//   each, and a set is abandoned 30 s of CAPTURE time after its first fragment (Linux
//   ipfrag_time), counted. Capture time, not wall-clock time: offline files replay in
//   milliseconds.
import type { Instant } from '../model/time.js';

const MAX_DATAGRAM = 65535;

interface Piece {
  start: number;
  end: number;
  data: Buffer;
}

interface FragmentSet {
  pieces: Piece[]; // sorted by start, never overlapping
  covered: number;
  total?: number;
  protocol: number;
  firstTime: Instant;
  firstFrame: number;
  fragments: number;
  conflict: boolean;
}

export interface Reassembled {
  payload: Buffer;
  /** The upper-layer protocol given by the first fragment (for IPv6, the fragment header's next header). */
  protocol: number;
  /** Time of the fragment that completed the datagram. */
  time: Instant;
  firstTime: Instant;
  firstFrame: number;
  fragments: number;
  /** Overlapping fragments disagreed on some bytes (the first received were kept). */
  conflict: boolean;
}

/** Whether sorted, disjoint pieces cover 0..total without a hole (pieces past a conflicting total may exist). */
function coversUpTo(pieces: Piece[], total: number): boolean {
  let cur = 0;
  for (const p of pieces) {
    if (p.start > cur) return false;
    cur = Math.max(cur, p.end);
    if (cur >= total) return true;
  }
  return cur >= total;
}

export interface FragmentOptions {
  timeoutNs?: bigint;
  maxSets?: number;
  /** Counted losses: 'ip fragments timed out', 'ip fragment table full', … */
  onDrop?: (reason: string, count: number) => void;
}

export class FragmentReassembler {
  private readonly sets = new Map<string, FragmentSet>();
  private readonly timeout: bigint;
  private readonly maxSets: number;
  private readonly onDrop: (reason: string, count: number) => void;

  constructor(opts: FragmentOptions = {}) {
    this.timeout = opts.timeoutNs ?? 30_000_000_000n;
    this.maxSets = opts.maxSets ?? 4096;
    this.onDrop = opts.onDrop ?? (() => {});
  }

  get openSets(): number {
    return this.sets.size;
  }

  /**
   * Add one fragment. `key` identifies the datagram (IPv4: src, dst, protocol, id; IPv6: src,
   * dst, id). `data` is copied. Returns the datagram when this fragment completes it.
   */
  add(key: string, protocol: number, offset: number, more: boolean, data: Buffer, time: Instant, frame: number): Reassembled | undefined {
    this.expire(time);
    const end = offset + data.length;
    if (end > MAX_DATAGRAM) { this.onDrop('ip fragment beyond 64 KiB', 1); return undefined; }
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= this.maxSets) {
        const oldest = this.sets.keys().next().value as string;
        this.sets.delete(oldest);
        this.onDrop('ip fragment table full (oldest datagram dropped)', 1);
      }
      set = { pieces: [], covered: 0, protocol, firstTime: time, firstFrame: frame, fragments: 0, conflict: false };
      this.sets.set(key, set);
    }
    set.fragments++;
    if (offset === 0) set.protocol = protocol;
    if (!more) {
      if (set.total === undefined) set.total = end;
      else if (set.total !== end) set.conflict = true;
    }
    this.insert(set, offset, end, data);
    if (set.total === undefined || set.covered < set.total || !coversUpTo(set.pieces, set.total)) return undefined;
    this.sets.delete(key);
    const payload = Buffer.allocUnsafe(set.total);
    for (const p of set.pieces) if (p.start < set.total) p.data.copy(payload, p.start, 0, Math.min(p.end, set.total) - p.start);
    return {
      payload, protocol: set.protocol, time, firstTime: set.firstTime, firstFrame: set.firstFrame,
      fragments: set.fragments, conflict: set.conflict,
    };
  }

  /** Abandon what is still incomplete (end of capture); returns how many datagrams were open. */
  flush(): number {
    const n = this.sets.size;
    if (n) this.onDrop('ip fragments incomplete at end of capture', n);
    this.sets.clear();
    return n;
  }

  private expire(now: Instant): void {
    // Insertion order is first-fragment order, so the oldest sets are at the front.
    for (const [key, set] of this.sets) {
      if (now - set.firstTime <= this.timeout) break;
      this.sets.delete(key);
      this.onDrop('ip fragments timed out', 1);
    }
  }

  /** Insert the parts of [start, end) not yet covered; compare the parts that are. */
  private insert(set: FragmentSet, start: number, end: number, data: Buffer): void {
    const pieces = set.pieces;
    const fresh: Piece[] = [];
    let cur = start;
    for (const p of pieces) {
      if (p.end <= cur) continue;
      if (p.start >= end) break;
      if (p.start > cur) fresh.push(this.copy(data, start, cur, p.start));
      // Overlap [max(cur, p.start), min(end, p.end)): keep the first bytes received.
      const os = Math.max(cur, p.start), oe = Math.min(end, p.end);
      if (!set.conflict && data.compare(p.data, os - p.start, oe - p.start, os - start, oe - start) !== 0) set.conflict = true;
      cur = Math.max(cur, p.end);
      if (cur >= end) break;
    }
    if (cur < end) fresh.push(this.copy(data, start, cur, end));
    if (fresh.length === 0) return;
    for (const f of fresh) set.covered += f.end - f.start;
    set.pieces = [...pieces, ...fresh].sort((a, b) => a.start - b.start);
  }

  private copy(data: Buffer, base: number, from: number, to: number): Piece {
    return { start: from, end: to, data: Buffer.from(data.subarray(from - base, to - base)) };
  }
}
