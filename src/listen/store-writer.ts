// The receiving thread's side of the store pipeline: accepted packets are handed to the chunk
// builder's thread (build-worker.ts) in small batches (every 50 ms or 500 packets), which passes
// store lines to the writer's thread (store-worker.ts). What was handed over but not yet built
// and flushed is the queue, bounded by `queueLimit`: beyond it new packets go to the spool
// (spool.ts), a sequential file the queue is refilled from once it has room again, so that memory
// stays bounded however slow the disk is and receiving never waits for the store. Only when the
// spool is full too (or there is none) are packets dropped, and counted.
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { ReceivedPacket } from './collector.js';
import type { ListenCounters } from './counters.js';
import type { FromWriter } from './store-worker.js';
import type { FromBuilder, ToBuilder } from './build-worker.js';
import { PacketSpool } from './spool.js';

/**
 * V8's default young generation for the threads that allocate a chunk's worth per packet,
 * whatever the process was started with (bin/ asks for a small one, for ingest's memory): a
 * smaller one costs them more scavenges at 20,000 packets/s.
 */
const YOUNG_GENERATION = { maxYoungGenerationSizeMb: 48 };

export interface StoreWriterOptions {
  queueLimit?: number;
  batchChunks?: number;
  flushIntervalMs?: number;
  /** Chunk builder threads (default: one per core). */
  builders?: number;
  /** Where the overflow goes (e.g. <store>/.spool) and how much of it may wait; none: drop instead. */
  spool?: { dir: string; maxBytes: number; segmentBytes?: number };
  onError?: (message: string) => void;
}

export class StoreWriter {
  private readonly worker: Worker;
  private readonly builders: Worker[];
  private nextBuilder = 0;
  private pending: ReceivedPacket[] = [];
  /** Packets handed over and not yet turned into chunks, plus chunks not yet flushed. */
  private outstanding = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly queueLimit: number;
  /** The spool is replayed into the queue while the queue is below this. */
  private readonly refillBelow: number;
  readonly spool: PacketSpool | undefined;
  private lastErrorAt = 0;
  private stopped: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(root: string, private readonly counters: ListenCounters, private readonly opts: StoreWriterOptions = {}) {
    this.queueLimit = opts.queueLimit ?? 50_000;
    this.refillBelow = Math.floor(this.queueLimit / 2);
    if (opts.spool) {
      this.spool = new PacketSpool(opts.spool.dir, opts.spool, (n, reason) => counters.drop(reason, n));
      const adopted = this.spool.adoptLeftovers();
      if (adopted > 0) opts.onError?.(`replaying ${adopted} spool file(s) left by a listener that did not finish`);
    }
    // Building chunks is the largest CPU share per packet: one builder thread per core (the
    // receiving and writing threads are light; measured on 2 cores: 1 builder stored 16.6k/s,
    // 2 builders 20k/s without loss), batches dealt round robin. The order of lines in a call
    // file does not matter (readers order by time and collapse repeated ids).
    const count = Math.max(1, Math.min(opts.builders ?? availableParallelism(), 8));
    const channels = Array.from({ length: count }, () => new MessageChannel());
    this.worker = new Worker(new URL('./store-worker.js', import.meta.url), {
      workerData: { root, batchChunks: opts.batchChunks ?? 5000, flushIntervalMs: opts.flushIntervalMs ?? 1000, chunkPorts: channels.map((c) => c.port2) },
      transferList: channels.map((c) => c.port2),
      resourceLimits: YOUNG_GENERATION,
    });
    this.builders = channels.map((c) => new Worker(new URL('./build-worker.js', import.meta.url), {
      workerData: { chunkPort: c.port1 },
      transferList: [c.port1],
      resourceLimits: YOUNG_GENERATION,
    }));
    this.worker.on('message', (m: FromWriter) => this.onMessage(m));
    for (const b of this.builders) b.on('message', (m: FromBuilder) => this.onMessage(m));
    for (const [w, what] of [[this.worker, 'store writer'], ...this.builders.map((b) => [b, 'chunk builder'] as const)] as const) {
      w.on('error', (e) => {
        this.failure = e;
        opts.onError?.(`${what} failed: ${e.message}`);
      });
    }
    this.timer = setInterval(() => { this.post(); this.refill(); }, 50);
  }

  /** Queue a packet for the store; false when it was dropped (queue and spool full). */
  add(packet: ReceivedPacket): boolean {
    if (this.failure) { this.counters.drop('store writer failed'); return false; }
    const spool = this.spool;
    // Once anything is spooled, later packets queue behind it, so the order is kept.
    if (spool && (spool.active || this.queued >= this.queueLimit)) {
      if (!spool.add(packet)) return false; // counted by the spool
      this.counters.spooled++;
      return true;
    }
    if (this.queued >= this.queueLimit) {
      this.counters.drop('queue full');
      return false;
    }
    // A fresh, exactly sized copy: posting a view of a pooled buffer would clone the whole pool.
    this.pending.push({ buf: new Uint8Array(packet.buf), sender: packet.sender, refTime: packet.refTime });
    if (this.pending.length >= 500) this.post();
    return true;
  }

  private post(): void {
    if (this.pending.length === 0 || this.failure) return;
    const packets = this.pending;
    this.pending = [];
    this.dispatch(packets);
  }

  /** Packets in the queue: handed to the builders and not yet flushed, or waiting to be handed. */
  private get queued(): number {
    return this.outstanding + this.pending.length;
  }

  /** A batch to the next builder, round robin; it is in the queue until built and flushed. */
  private dispatch(packets: ReceivedPacket[]): void {
    this.outstanding += packets.length;
    this.builders[this.nextBuilder++ % this.builders.length]!.postMessage({ type: 'packets', packets } satisfies ToBuilder);
  }

  /** Hands spooled packets back to the builders while the queue has room. */
  private refill(): void {
    const spool = this.spool;
    if (!spool || this.failure) return;
    while (spool.active) {
      const room = this.refillBelow - this.queued;
      if (room <= 0) return;
      const packets = spool.take(Math.min(500, room));
      if (packets.length === 0) return; // the next segment is being read
      this.counters.replayed += packets.length;
      this.dispatch(packets);
    }
  }

  private onMessage(m: FromWriter | FromBuilder): void {
    if (m.type === 'built') {
      // Skipped packets leave the queue now; chunks leave it when flushed.
      this.outstanding -= m.packets - m.chunks;
      this.counters.chunks += m.chunks;
      for (const [reason, n] of m.skipped) this.counters.count(this.counters.skipped, reason, n);
      return;
    }
    if (m.type !== 'flushed') return;
    this.outstanding -= m.chunks;
    this.counters.stored += m.written;
    this.counters.duplicates += m.duplicates;
    this.refill();
    if (m.failed !== undefined) {
      this.counters.drop('store write failed', m.chunks);
      const now = Date.now();
      if (now - this.lastErrorAt > 10_000) {
        this.lastErrorAt = now;
        this.opts.onError?.(`store write failed, ${m.chunks} chunks lost: ${m.failed}`);
      }
    }
  }

  /** Packets in the spool, waiting for the store. */
  get backlog(): number {
    return this.spool?.backlog ?? 0;
  }

  /**
   * Hand over what is left (the spool replayed to its end: nothing received is left behind), wait
   * until the worker has written everything, end it.
   */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopped = this.drainSpool().then(() => this.stopPipeline());
    return this.stopped;
  }

  private async drainSpool(): Promise<void> {
    const spool = this.spool;
    if (!spool) return;
    while (spool.active && !this.failure) {
      spool.flushForStop();
      this.post();
      this.refill();
      await new Promise((r) => setTimeout(r, 10));
    }
    await spool.close();
  }

  private stopPipeline(): Promise<void> {
    clearInterval(this.timer);
    this.post();
    return new Promise<void>((resolve) => {
      if (this.failure) { resolve(); return; }
      this.worker.on('message', (m: FromWriter) => { if (m.type === 'stopped') resolve(); });
      this.worker.once('exit', () => resolve());
      for (const b of this.builders) b.postMessage({ type: 'stop' } satisfies ToBuilder); // each passes the stop on to the writer
    }).then(async () => {
      if (this.failure) this.counters.drop('store writer failed', this.outstanding + this.backlog);
      await Promise.all([this.worker, ...this.builders].map((w) => w.terminate()));
    });
  }
}
