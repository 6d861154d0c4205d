// The listener's store writer, in its own thread: it receives batches of prepared chunks (store
// lines, built in the builder's thread: build-worker.ts), keeps them in a ChunkSink and flushes at
// least every second and whenever a batch is full, one flush at a time, with the leg index hook
// and the list index thread. File work (a create or an open, read and append per call per batch)
// happens here, so it never delays the sockets, whose kernel buffers would otherwise overflow
// during a long flush.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { IndexThread } from '../store/call-index/index-thread.js';
import { legIndexListener } from '../store/leg-index.js';
import { ChunkSink } from '../store/sink.js';
import { Store } from '../store/store.js';
import type { PreparedChunk } from '../store/prepared-chunk.js';

export type ToWriter = { type: 'chunks'; chunks: PreparedChunk[] } | { type: 'stop' };
export type FromWriter =
  | { type: 'flushed'; chunks: number; written: number; duplicates: number; failed?: string }
  | { type: 'stopped' };

const { root, batchChunks, flushIntervalMs, chunkPorts } = workerData as { root: string; batchChunks: number; flushIntervalMs: number; chunkPorts: MessagePort[] };
let builders = chunkPorts.length;
/** Pending chunks that start the next flush right after the previous one. */
const CONTINUE_AT = 200;
const store = Store.open(root, { create: true });
const sink = new ChunkSink(store, batchChunks);
// The list index is kept by a thread of its own, a call's row computed once it has been quiet
// for a couple of seconds (a live call grows batch after batch); drained at stop.
const indexThread = IndexThread.start(store, { settleMs: 2000 });
if (indexThread) {
  sink.onBeforeAppend(indexThread.beforeAppend);
  sink.onFlush(indexThread.afterAppend);
}
sink.onFlush(legIndexListener(store));
const port = parentPort!;
let flushing: Promise<void> | undefined;
let stopping = false;

function kick(): void {
  if (flushing || sink.size === 0) return;
  flushing = flushOnce().finally(() => {
    flushing = undefined;
    // Under load, flush again at once: what arrived during a flush is the next batch, so
    // batches grow with the load (fewer appends and index updates per call) instead of waiting.
    if (sink.size >= CONTINUE_AT || (stopping && sink.size > 0)) kick();
    else if (stopping) finish();
  });
}

async function flushOnce(): Promise<void> {
  const chunks = sink.size;
  try {
    const r = await sink.flush();
    port.postMessage({ type: 'flushed', chunks, written: r.written, duplicates: r.duplicates } satisfies FromWriter);
  } catch (e) {
    // An I/O failure (disk full, permissions): this batch is lost; the listener counts it.
    port.postMessage({ type: 'flushed', chunks, written: 0, duplicates: 0, failed: (e as Error).message } satisfies FromWriter);
  }
}

function finish(): void {
  clearInterval(timer);
  void (indexThread?.drain() ?? Promise.resolve()).catch(() => { /* the call files are the truth; reindex repairs */ }).finally(() => {
    port.postMessage({ type: 'stopped' } satisfies FromWriter);
    port.close();
    for (const p of chunkPorts) p.close();
  });
}

const timer = setInterval(kick, flushIntervalMs);
// Chunks and the stop request come from each builder, in order, so nothing built is left behind:
// the writer stops once every builder has said stop.
const onBuilt = (m: ToWriter) => {
  if (m.type === 'chunks') {
    for (const c of m.chunks) sink.add(c);
    if (sink.size >= batchChunks) kick();
  } else if (--builders === 0) {
    stopping = true;
    if (!flushing && sink.size === 0) finish();
    else kick();
  }
};
for (const p of chunkPorts) p.on('message', onBuilt);
