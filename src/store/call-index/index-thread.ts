// Index rows are computed behind the writes, in a thread of their own: recomputing a row reads
// the call's whole file and rebuilds its dialogue and analysis, which on the ingest thread cost
// more than parsing and writing together (a SIP-dense capture: 4.1 of 9.2 s). In its own thread
// it runs on the second core while the writer goes on, and a call touched by several batches
// meanwhile is computed once. What is written but not yet indexed is in the pending journal
// (pending.ts), so that a writer killed before its rows are in leaves nothing `list` cannot find.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import type { Batch } from '../sink.js';
import { callHash } from '../layout.js';
import type { Store } from '../store.js';
import { getMeta, indexPath, loadDriverAvailable, markComplete, openIndex } from './db.js';
import { PendingJournal } from './pending.js';
import type { FromIndexThread, ToIndexThread } from './index-worker.js';
import { storeHasNoCalls } from './writer.js';

export interface IndexThreadOptions {
  /** Compute a call's row only once it has not been written to for this long (listen: seconds). */
  settleMs?: number;
  /** …and has not been in the last N batches (ingest: a call in the newest batch may go on in the next). */
  settleBatches?: number;
  /**
   * Back-pressure (ingest): when more calls than this wait for their rows, `afterAppend` returns a
   * promise that resolves once the thread is down to half of it (or to the newest batch, which
   * settleBatches may hold back), so that a writer faster than the index cannot pile up a
   * backlog that grows with the input (a million-call ingest: ~140 bytes a waiting call).
   * Not for listen, which must not stop taking packets for the index.
   */
  maxBacklog?: number;
  /** With settleMs: calls whose file is at least this big are recomputed at most every 30 s per this size (index-worker.ts). */
  bigCallBytes?: number;
}

export class IndexThread {
  private readonly worker: Worker;
  private readonly journal: PendingJournal;
  private segment = 0;
  private batch = 0;
  private drained: Promise<number> | undefined;
  private exited = false;
  /** The thread's latest count of calls waiting for a row, plus what was handed over since. */
  private backlog = 0;
  private resumeAt = 0;
  private waiters: (() => void)[] = [];
  private readonly maxBacklog: number;

  private constructor(store: Store, opts: IndexThreadOptions) {
    this.journal = new PendingJournal(store.root);
    this.worker = new Worker(new URL('./index-worker.js', import.meta.url), {
      workerData: { root: store.root, writer: this.journal.writer, settleMs: opts.settleMs ?? 0, settleBatches: opts.settleBatches ?? 0, bigCallBytes: opts.bigCallBytes ?? 16 * 1024 * 1024 },
      // It holds one slice of calls at a time: a smaller young generation keeps its memory small
      // (the default 48 MB: ~50 MB more RSS, 8 MB: a few more scavenges).
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    this.maxBacklog = opts.maxBacklog ?? 0;
    this.worker.once('exit', () => { this.exited = true; this.wake(); });
    this.worker.on('message', (m: FromIndexThread) => {
      if (m.type !== 'progress') return;
      this.backlog = m.waiting;
      if (m.waiting <= this.resumeAt) this.wake();
    });
    // An index thread that fails leaves the call files as they are; list notices stale rows.
    this.worker.on('error', (e) => process.stderr.write(`call-inspector: list index thread failed (${e.message}); run \`call-inspector reindex\`\n`));
  }

  /**
   * The thread for a writer of `store`, or undefined when this store has no index to keep: no
   * SQLite module, or an older store without one (list scans until `reindex` builds it).
   */
  static start(store: Store, opts: IndexThreadOptions = {}): IndexThread | undefined {
    if (!loadDriverAvailable()) return undefined;
    if (!existsSync(indexPath(store.root))) {
      if (!storeHasNoCalls(store.root)) return undefined;
      // Created here, before this writer writes its first call: a writer starting a moment
      // later then sees either no call (and opens this index) or a call and this index, never
      // a call without an index, so no writer can miss the index another one is creating.
      let db;
      try {
        db = openIndex(store.root, { create: true });
      } catch (e) {
        process.stderr.write(`call-inspector: list index not created (${(e as Error).message}); list will scan\n`);
        return undefined;
      }
      if (!db) return undefined;
      if (getMeta(db, 'complete') === undefined) markComplete(db);
      db.close();
    }
    return new IndexThread(store, opts);
  }

  /** ChunkSink.onBeforeAppend: journal the calls of a batch before it reaches their files. */
  readonly beforeAppend = (byCall: Batch): void => {
    const hashes: string[] = [];
    for (const id of byCall.keys()) hashes.push(callHash(id));
    this.segment = this.journal.record(hashes);
  };

  /** ChunkSink.onFlush: hand the calls whose files changed to the thread (and wait, past maxBacklog). */
  readonly afterAppend = (byCall: Batch): Promise<void> | void => {
    this.worker.postMessage({ type: 'dirty', segment: this.segment, batch: this.batch++, callIds: [...byCall.keys()] } satisfies ToIndexThread);
    if (this.maxBacklog <= 0 || this.exited) return;
    this.backlog += byCall.size;
    if (this.backlog <= this.maxBacklog) return;
    // The newest batch may be held back by settleBatches: never wait for less than it.
    this.resumeAt = Math.max(Math.floor(this.maxBacklog / 2), byCall.size);
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  };

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Wait until every call handed over has its row, then end the thread. Resolves to the rows computed. */
  drain(): Promise<number> {
    if (this.drained) return this.drained;
    this.journal.close();
    this.drained = new Promise<number>((resolve) => {
      if (this.exited) { resolve(0); return; }
      let rows = 0;
      this.worker.on('message', (m: FromIndexThread) => { if (m.type === 'drained') { rows = m.rows; void this.worker.terminate(); } });
      this.worker.once('exit', () => resolve(rows));
      this.worker.postMessage({ type: 'drain' } satisfies ToIndexThread);
    });
    return this.drained;
  }
}
