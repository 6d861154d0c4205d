// The live HEP pipeline, one packet at a time: allow-list → decode → auth key → chunk → sink.
// Writes are batched: the sink is flushed at least every second and whenever a batch is full,
// one flush at a time. While a flush is in flight, packets keep arriving into the sink; only
// when that backlog reaches `queueLimit` chunks are new ones dropped (and counted), so memory
// stays bounded however slow the disk is.
import { decodeHep, hepCapturePoint, hepToChunk } from '../capture/hep.js';
import type { ChunkSink } from '../store/sink.js';
import { unmapIpv4, type AllowList } from './allow-list.js';
import type { ListenCounters } from './counters.js';
import { ReceiveClock } from './receive-clock.js';

export interface CollectorOptions {
  allow: AllowList;
  /** Required HEP3 auth key (chunk 0x000e); packets without it or with another are rejected. */
  authKey?: string;
  /** Flush when this many chunks are pending. */
  batchChunks?: number;
  /** Drop new chunks while this many are pending (the store is not keeping up). */
  queueLimit?: number;
  flushIntervalMs?: number;
  onError?: (message: string) => void;
}

export class HepCollector {
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock = new ReceiveClock();
  private readonly batchChunks: number;
  private readonly queueLimit: number;
  private lastErrorAt = 0;

  constructor(private readonly sink: ChunkSink, readonly counters: ListenCounters, private readonly opts: CollectorOptions) {
    this.batchChunks = opts.batchChunks ?? 2000;
    this.queueLimit = opts.queueLimit ?? 100_000;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.clock.check();
      this.kick();
    }, this.opts.flushIntervalMs ?? 1000);
  }

  /** One HEP datagram (UDP) or framed packet (TCP) from `sender` (the outer source IP). */
  handle(buf: Buffer, senderAddress: string): void {
    const refTime = this.clock.now();
    const c = this.counters;
    c.received++;
    c.bytes += buf.length;
    const sender = unmapIpv4(senderAddress);
    if (!this.opts.allow.allows(sender)) { c.count(c.rejected, 'sender not allowed'); return; }
    const r = decodeHep(buf, refTime);
    if (!r.ok) { c.count(c.decodeErrors, r.reason); return; }
    const p = r.packet;
    if (this.opts.authKey !== undefined && p.authKey !== this.opts.authKey) {
      c.count(c.rejected, p.authKey === undefined ? 'no auth key' : 'wrong auth key');
      return;
    }
    const chunk = hepToChunk(p, { parser: hepCapturePoint(sender, p), refTime, sender });
    if ('skip' in chunk) { c.count(c.skipped, chunk.skip); return; }
    if (this.sink.size >= this.queueLimit) { c.dropped++; return; }
    c.chunks++;
    if (this.sink.add(chunk) || this.sink.size >= this.batchChunks) this.kick();
  }

  /** Start a flush unless one is running; chain another if a full batch waits behind it. */
  private kick(): void {
    if (this.flushing || this.sink.size === 0) return;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
      if (this.sink.size >= this.batchChunks) this.kick();
    });
  }

  private async flushOnce(): Promise<void> {
    const pending = this.sink.size;
    try {
      const r = await this.sink.flush();
      this.counters.stored += r.written;
      this.counters.duplicates += r.duplicates;
    } catch (e) {
      // An I/O failure (disk full, permissions): the batch is lost; count it, say so now and then.
      this.counters.dropped += pending;
      const now = Date.now();
      if (now - this.lastErrorAt > 10_000) {
        this.lastErrorAt = now;
        this.opts.onError?.(`store write failed, ${pending} chunks lost: ${(e as Error).message}`);
      }
    }
  }

  /** Stop the timer and write everything still pending. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.flushing || this.sink.size > 0) {
      if (this.flushing) await this.flushing;
      else this.kick();
    }
  }
}
