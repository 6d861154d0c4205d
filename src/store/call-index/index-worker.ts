// The index thread (see index-thread.ts): it receives the Call-IDs of every batch a writer has
// appended, recomputes their rows from the call files in slices between which new messages are
// taken in, and deletes the writer's pending segments (pending.ts) once their calls have rows.
// A call marked again before its row was computed is computed once, with its latest content.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../store.js';
import { deleteSegments } from './pending.js';
import { callIndexListener } from './writer.js';
import { heapCap } from '../heap-cap.js';

export type ToIndexThread =
  | { type: 'dirty'; segment: number; batch: number; callIds: string[] }
  | { type: 'drain' };
export type FromIndexThread = { type: 'drained'; rows: number } | { type: 'progress'; waiting: number };

const { root, writer, settleMs, settleBatches, bigCallBytes } = workerData as { root: string; writer: string; settleMs: number; settleBatches: number; bigCallBytes: number };
const SLICE = 200;
const capHeap = heapCap(40); // a slice's calls are all it holds live
// Rows may trail; the writer (and listen's sockets) may not. On Linux a thread has its own nice
// value: lower this one's, so that on a busy machine the writer gets the CPU first.
try {
  const tid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
  if (tid > 0) setPriority(tid, 10);
} catch { /* not Linux, or not allowed: same priority as the writer */ }
const store = Store.open(root, { create: false });
/**
 * A call's row costs time in proportion to its file (~1 s for 16 MB, 20,000 messages), and a
 * Call-ID kept for weeks (keepalives, registration refreshes) grows past that while `listen`
 * would recompute it after every few seconds of quiet. Past `bigCallBytes`, a call's row is
 * computed again only after a wait that grows with its size (30 s per 16 MB: a few % of a core),
 * unless the writer stops. Its row exists meanwhile, and `list` recomputes a row whose file has
 * grown, so no answer is stale; only the index's own copy trails.
 */
const notBefore = new Map<string, number>();
const holdMs = (size: number) => (bigCallBytes > 0 && size >= bigCallBytes && settleMs > 0 ? Math.round((size / bigCallBytes) * 30_000) : 0);
const update = callIndexListener(store, (computed) => {
  const now = Date.now();
  for (const r of computed) {
    const hold = holdMs(r.size);
    if (hold > 0) notBefore.set(r.callId, now + hold); else notBefore.delete(r.callId);
  }
}); // the owner created the index if it was due
/** Big calls marked while held: computed when their hold ends (or at the drain). */
const held = new Map<string, { segment: number; batch: number; at: number }>();
let heldTimer: NodeJS.Timeout | undefined;

function releaseHeld(): void {
  heldTimer = undefined;
  const now = Date.now();
  let next = Infinity;
  for (const [id, d] of held) {
    const until = notBefore.get(id) ?? 0;
    if (!draining && until > now) { next = Math.min(next, until); continue; }
    held.delete(id);
    if (!dirty.has(id)) dirty.set(id, { ...d, at: now - settleMs }); // due now
  }
  if (next < Infinity) heldTimer = setTimeout(releaseHeld, next - now);
  schedule();
}
const port = parentPort!;
/** Call-ID → segment and time of its latest mark; insertion order = mark order (re-marks move to the end). */
const dirty = new Map<string, { segment: number; batch: number; at: number }>();
let newestSegment = -1;
let newestBatch = -1;
let retiredThrough = -1;
let working = false;
let draining = false;
let timer: NodeJS.Timeout | undefined;
let rows = 0;

/**
 * Tell the writer how many calls wait for a row (its back-pressure: index-thread.ts maxBacklog):
 * after every batch taken in and every slice computed, repeats included, so that a writer
 * waiting on a batch always hears of it (a batch of calls already waiting changes no count).
 */
function progress(): void {
  port.postMessage({ type: 'progress', waiting: dirty.size } satisfies FromIndexThread);
}

function retire(): void {
  // A segment is done once the writer has moved past it and none of its calls is still dirty.
  const first = dirty.values().next();
  const through = Math.min(newestSegment - 1, first.done ? Number.POSITIVE_INFINITY : first.value.segment - 1);
  if (through > retiredThrough) {
    try { deleteSegments(root, writer, through); } catch { /* left for list to recover */ }
    retiredThrough = through;
  }
}

/** Still in one of the last settleBatches batches: the writer's next batch may add to it. */
function heldByBatches(d: { batch: number }): boolean {
  return d.batch > newestBatch - settleBatches;
}

function due(now: number): string[] {
  const slice: string[] = [];
  for (const [id, d] of dirty) {
    // Not yet if the call may still be growing; later entries were marked later still.
    if (!draining && (now - d.at < settleMs || heldByBatches(d))) break;
    slice.push(id);
    if (slice.length >= SLICE) break;
  }
  return slice;
}

async function work(): Promise<void> {
  working = true;
  try {
    for (let slice = due(Date.now()); slice.length > 0; slice = due(Date.now())) {
      for (const id of slice) dirty.delete(id);
      await update(new Map(slice.map((id) => [id, []])), { written: 0, duplicates: 0, calls: slice.length });
      rows += slice.length;
      progress();
      capHeap();
      retire();
      await new Promise<void>((r) => setImmediate(r)); // take in new marks and the drain request
    }
  } finally {
    working = false;
  }
  progress();
  retire();
  if (draining) {
    deleteSegments(root, writer);
    port.postMessage({ type: 'drained', rows } satisfies FromIndexThread);
    return;
  }
  schedule();
}

function schedule(): void {
  if (working || timer) return;
  const first = dirty.values().next();
  if (first.done && !draining) return;
  // Held by settleBatches: the next batch's message schedules again (a timer would spin).
  if (!first.done && !draining && heldByBatches(first.value)) return;
  const wait = first.done || draining ? 0 : Math.max(0, first.value.at + settleMs - Date.now());
  timer = setTimeout(() => { timer = undefined; void work(); }, wait);
}

port.on('message', (m: ToIndexThread) => {
  if (m.type === 'dirty') {
    const now = Date.now();
    newestSegment = Math.max(newestSegment, m.segment);
    newestBatch = Math.max(newestBatch, m.batch);
    for (const id of m.callIds) {
      const until = notBefore.get(id);
      if (until !== undefined && until > now + settleMs) {
        // Its row was computed from a file too big to redo every few seconds: later, once.
        held.set(id, { segment: m.segment, batch: m.batch, at: now });
        if (!heldTimer) heldTimer = setTimeout(releaseHeld, until - now);
        continue;
      }
      dirty.delete(id);
      dirty.set(id, { segment: m.segment, batch: m.batch, at: now });
    }
    progress();
  } else {
    draining = true;
    if (timer) { clearTimeout(timer); timer = undefined; }
    if (heldTimer) clearTimeout(heldTimer);
    releaseHeld(); // every held call gets its last row now
  }
  schedule();
});
