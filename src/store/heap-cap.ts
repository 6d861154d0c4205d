// Keeping a long writer's memory flat. V8 sizes its heap from the machine (a 4 GB limit on 24 GB)
// and lets it grow to several times what is live before a full collection: an ingest whose live
// data is ~35 MB sat at 120-150 MB of heap (RSS 240-300 MB) whatever the input's size. Heap
// limits can only be set when a thread starts (flags, or a worker's resourceLimits, which turn
// an outgrown limit into a crash), so the writers ask for a full collection themselves, between
// batches, once the heap has grown past `limitMb`: a few tens of ms every few batches.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null; // not exposed: V8's own schedule, memory less flat
    }
  }
  return collect;
}

/** A function to call between batches: collects when the heap has grown past `limitMb`. */
export function heapCap(limitMb: number): () => void {
  const limit = limitMb * 1024 * 1024;
  return () => {
    if (getHeapStatistics().used_heap_size < limit) return;
    collector()?.();
  };
}
