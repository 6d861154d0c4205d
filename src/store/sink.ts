// Batches chunks per call in memory and writes them with one append per call file, so that no
// file is opened per message. Memory is bounded by maxChunks/maxBytes; `add` tells the caller
// when to `flush` (and await it) for back-pressure. What is batched is the prepared form (the
// store line, prepared-chunk.ts), not the Chunk object.
import type { Chunk } from '../model/chunk.js';
import { prepareChunk, type PreparedChunk } from './prepared-chunk.js';
import type { AppendResult, Store } from './store.js';

export interface SinkTotals {
  written: number;
  duplicates: number;
}

export type Batch = Map<string, PreparedChunk[]>;
export type FlushListener = (byCall: Batch, result: AppendResult) => Promise<void> | void;

export class ChunkSink {
  private pending: Batch = new Map();
  private pendingChunks = 0;
  private pendingBytes = 0;
  readonly totals: SinkTotals = { written: 0, duplicates: 0 };
  private listeners: FlushListener[] = [];
  private beforeAppend: ((byCall: Batch) => void)[] = [];

  constructor(private readonly store: Store, private readonly maxChunks = 20000, private readonly maxBytes = 32 * 1024 * 1024) {}

  /** Called after each batch is written (the list index hooks in here). */
  onFlush(listener: FlushListener): void {
    this.listeners.push(listener);
  }

  /** Called with each batch before it is written (the index's pending journal hooks in here). */
  onBeforeAppend(hook: (byCall: Batch) => void): void {
    this.beforeAppend.push(hook);
  }

  /** Buffer a chunk; returns true when the buffer is full and the caller should await flush(). */
  add(chunk: Chunk | PreparedChunk): boolean {
    const p = 'line' in chunk ? chunk : prepareChunk(chunk);
    let list = this.pending.get(p.callId);
    if (!list) { list = []; this.pending.set(p.callId, list); }
    list.push(p);
    this.pendingChunks++;
    this.pendingBytes += p.line.length;
    return this.pendingChunks >= this.maxChunks || this.pendingBytes >= this.maxBytes;
  }

  get size(): number {
    return this.pendingChunks;
  }

  async flush(): Promise<AppendResult> {
    if (this.pendingChunks === 0) return { written: 0, duplicates: 0, calls: 0 };
    const batch = this.pending;
    this.pending = new Map();
    this.pendingChunks = 0;
    this.pendingBytes = 0;
    for (const hook of this.beforeAppend) hook(batch);
    const r = await this.store.append(batch);
    this.totals.written += r.written;
    this.totals.duplicates += r.duplicates;
    // Listeners (the list and leg indexes) only hear of calls whose file changed: a re-ingest
    // of data already stored (cron re-runs, --full, a rotated log read again) costs no index work.
    const changed = r.changedCalls ? new Map([...batch].filter(([id]) => r.changedCalls!.has(id))) : batch;
    if (changed.size > 0) for (const l of this.listeners) await l(changed, r);
    return r;
  }
}
