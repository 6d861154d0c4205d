// The listener's store writer, in its own thread: it receives batches of accepted HEP packets
// from the receiving thread, turns them into chunks, keeps them in a ChunkSink and flushes at
// least every second and whenever a batch is full, one flush at a time, with the list/leg
// index hooks. Chunk building, writing and indexing take real CPU (the index recomputes each
// touched call); here they never delay the sockets, whose kernel buffers would otherwise
// overflow during a long flush.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeHep, hepCapturePoint, hepToChunk } from '../capture/hep.js';
import { IndexThread } from '../store/call-index/index-thread.js';
import { legIndexListener } from '../store/leg-index.js';
import { ChunkSink } from '../store/sink.js';
import { Store } from '../store/store.js';
import type { ReceivedPacket } from './collector.js';

export type ToWriter = { type: 'packets'; packets: ReceivedPacket[] } | { type: 'stop' };
export type FromWriter =
  | { type: 'done'; packets: number; chunks: number; skipped: [string, number][] }
  | { type: 'flushed'; chunks: number; written: number; duplicates: number; failed?: string }
  | { type: 'stopped' };

const { root, batchChunks, flushIntervalMs } = workerData as { root: string; batchChunks: number; flushIntervalMs: number };
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
  });
}

function toChunks(packets: ReceivedPacket[]): void {
  const skipped = new Map<string, number>();
  let chunks = 0;
  for (const { buf, sender, refTime } of packets) {
    // Decoded again here: the receiving thread only checked it (cheaper than sending the result).
    const r = decodeHep(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), refTime);
    if (!r.ok) { skipped.set(r.reason, (skipped.get(r.reason) ?? 0) + 1); continue; }
    const c = hepToChunk(r.packet, { parser: hepCapturePoint(sender, r.packet), refTime, sender });
    if ('skip' in c) { skipped.set(c.skip, (skipped.get(c.skip) ?? 0) + 1); continue; }
    sink.add(c);
    chunks++;
  }
  port.postMessage({ type: 'done', packets: packets.length, chunks, skipped: [...skipped] } satisfies FromWriter);
}

const timer = setInterval(kick, flushIntervalMs);
port.on('message', (m: ToWriter) => {
  if (m.type === 'packets') {
    toChunks(m.packets);
    if (sink.size >= batchChunks) kick();
  } else {
    stopping = true;
    if (!flushing && sink.size === 0) finish();
    else kick();
  }
});
