// TCP (FORMATS.md §5.4 step 1-2, 7): segment decoding and per-connection, per-direction stream
// reassembly. Bytes are delivered to the application layer in sequence order, exactly once:
// - sequence numbers compare modulo 2^32 (wraparound);
// - a segment whose range was already delivered is a retransmission (or an in-capture copy of
//   the segment) and is dropped, counted; a partial overlap is trimmed;
// - a segment beyond the next expected byte is buffered until the hole fills; when the hole
//   stays (a segment the capture lost), the stream skips it after `gapTimeoutNs` of capture time
//   or when the buffered bytes exceed `maxPendingBytes`, and tells the application (`gap`);
// - captures often start mid-connection: the first segment seen starts the stream;
// - idle directions are evicted after `idleNs` of capture time, and at most `maxStreams` are
//   kept (the oldest go first), so memory stays bounded on long captures.
import type { Instant } from '../model/time.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  flags: number;
  payload: Buffer;
}

export function decodeTcp(buf: Buffer): TcpSegment | { skip: string } {
  if (buf.length < 20) return { skip: 'truncated tcp header' };
  const dataOff = (buf[12]! >> 4) * 4;
  if (dataOff < 20 || dataOff > buf.length) return { skip: 'bad tcp header length' };
  return {
    srcPort: buf.readUInt16BE(0),
    dstPort: buf.readUInt16BE(2),
    seq: buf.readUInt32BE(4),
    flags: buf[13]!,
    payload: buf.subarray(dataOff),
  };
}

/** a − b as a signed 32-bit distance (RFC 793 sequence arithmetic). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

interface Pending {
  seq: number;
  data: Buffer;
  time: Instant;
}

/** One direction of one connection. `app` is the application layer's state (framer). */
export interface TcpStream<A> {
  readonly key: string;
  app?: A;
  nextSeq: number;
  pending: Pending[];
  pendingBytes: number;
  lastSeen: Instant;
  closed: boolean;
}

export interface TcpDelivery<A> {
  /** A direction is seen for the first time (called during `segment`): the app state to attach. */
  open(stream: TcpStream<A>): A | undefined;
  /** In-order bytes (a view valid during the call only). `gap` = bytes were lost just before them. */
  data(stream: TcpStream<A>, bytes: Buffer, gap: boolean): void;
  /** The stream is being dropped (evicted, reset, end of capture): flush or count what the app holds. */
  close(stream: TcpStream<A>): void;
}

export interface TcpOptions {
  idleNs?: bigint;
  gapTimeoutNs?: bigint;
  maxPendingBytes?: number;
  maxStreams?: number;
  onDrop?: (reason: string, count: number) => void;
}

export class TcpReassembler<A> {
  private readonly streams = new Map<string, TcpStream<A>>();
  private readonly idle: bigint;
  private readonly gapTimeout: bigint;
  private readonly maxPending: number;
  private readonly maxStreams: number;
  private readonly onDrop: (reason: string, count: number) => void;
  private sinceSweep = 0;

  constructor(private readonly out: TcpDelivery<A>, opts: TcpOptions = {}) {
    this.idle = opts.idleNs ?? 600_000_000_000n;
    this.gapTimeout = opts.gapTimeoutNs ?? 10_000_000_000n;
    this.maxPending = opts.maxPendingBytes ?? 1024 * 1024;
    this.maxStreams = opts.maxStreams ?? 65536;
    this.onDrop = opts.onDrop ?? (() => {});
  }

  get size(): number {
    return this.streams.size;
  }

  /** Feed one segment of the direction `key` (addresses and ports, src → dst). */
  segment(key: string, seg: TcpSegment, time: Instant): void {
    if (++this.sinceSweep >= 4096) { this.sinceSweep = 0; this.sweep(time); }
    let s = this.streams.get(key);
    const syn = (seg.flags & TCP_SYN) !== 0;
    if (s && syn && seqDiff(seg.seq + 1, s.nextSeq) !== 0 && s.closed) {
      // A new connection on the same 4-tuple after the old one ended.
      this.drop(s);
      s = undefined;
    }
    if (!s) {
      if (this.streams.size >= this.maxStreams) {
        const oldest = this.streams.values().next().value as TcpStream<A>;
        this.drop(oldest);
        this.onDrop('tcp stream evicted (table full)', 1);
      }
      // Mid-stream start: the first segment seen begins the stream (SYN consumes one number).
      s = { key, nextSeq: syn ? (seg.seq + 1) >>> 0 : seg.seq, pending: [], pendingBytes: 0, lastSeen: time, closed: false };
      this.streams.set(key, s);
      s.app = this.out.open(s);
    }
    s.lastSeen = time;
    if (seg.flags & (TCP_FIN | TCP_RST)) s.closed = true;
    const len = seg.payload.length;
    if (len === 0) return;
    let seq = syn ? (seg.seq + 1) >>> 0 : seg.seq;
    let data = seg.payload;
    const d = seqDiff(seq, s.nextSeq);
    if (d + len <= 0) { this.onDrop('tcp retransmission', 1); return; }
    if (d < 0) { data = data.subarray(-d); seq = s.nextSeq; }
    if (d > 0) {
      this.buffer(s, seq, data, time);
      this.checkGap(s, time);
      return;
    }
    this.deliver(s, data, false);
    this.drain(s);
  }

  /** End of capture: deliver what is buffered across holes, then close every stream. */
  finish(): void {
    for (const s of this.streams.values()) {
      while (s.pending.length) this.skipGap(s);
      this.out.close(s);
    }
    this.streams.clear();
  }

  private deliver(s: TcpStream<A>, data: Buffer, gap: boolean): void {
    s.nextSeq = (s.nextSeq + data.length) >>> 0;
    this.out.data(s, data, gap);
  }

  /** Deliver buffered segments that now follow on. */
  private drain(s: TcpStream<A>): void {
    while (s.pending.length) {
      const p = s.pending[0]!;
      const d = seqDiff(p.seq, s.nextSeq);
      if (d > 0) return;
      s.pending.shift();
      s.pendingBytes -= p.data.length;
      if (d + p.data.length <= 0) { this.onDrop('tcp retransmission', 1); continue; }
      this.deliver(s, d < 0 ? p.data.subarray(-d) : p.data, false);
    }
  }

  private buffer(s: TcpStream<A>, seq: number, data: Buffer, time: Instant): void {
    const list = s.pending;
    let i = list.length;
    while (i > 0 && seqDiff(list[i - 1]!.seq, seq) > 0) i--;
    const prev = list[i - 1];
    if (prev && prev.seq === seq && prev.data.length >= data.length) { this.onDrop('tcp retransmission', 1); return; }
    list.splice(i, 0, { seq, data: Buffer.from(data), time });
    s.pendingBytes += data.length;
  }

  private checkGap(s: TcpStream<A>, now: Instant): void {
    while (s.pending.length && (s.pendingBytes > this.maxPending || now - s.pending[0]!.time > this.gapTimeout)) {
      this.skipGap(s);
    }
  }

  /** Give up on the hole before the first buffered segment. */
  private skipGap(s: TcpStream<A>): void {
    const p = s.pending.shift()!;
    s.pendingBytes -= p.data.length;
    this.onDrop('tcp bytes missing from capture (gap)', 1);
    const d = seqDiff(p.seq, s.nextSeq);
    const data = d < 0 ? p.data.subarray(Math.min(-d, p.data.length)) : p.data;
    s.nextSeq = p.seq;
    if (d < 0) s.nextSeq = (p.seq - d) >>> 0;
    if (data.length) this.deliver(s, data, true);
    this.drain(s);
  }

  private drop(s: TcpStream<A>): void {
    this.streams.delete(s.key);
    this.out.close(s);
  }

  private sweep(now: Instant): void {
    for (const s of [...this.streams.values()]) {
      if (now - s.lastSeen > this.idle) { this.drop(s); this.onDrop('tcp stream evicted (idle)', 1); }
    }
  }
}
