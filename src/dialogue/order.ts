// The final order: corrected time, repaired by causality. A topological sort that always takes
// the earliest message whose predecessors are placed: equal to plain time order wherever the
// clocks agree with causality, and the smallest change where they do not. Ties are broken by
// capture point, source position and chunk id, so the order never depends on input order.
import type { Instant } from '../model/time.js';
import type { Constraint } from './causality.js';

export interface OrderKey {
  time: Instant;
  parser: string;
  pos: number;
  id: string;
}

export function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.parser !== b.parser) return a.parser < b.parser ? -1 : 1;
  if (a.pos !== b.pos) return a.pos - b.pos;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A binary min-heap under `less` (also used by bench/generate to merge calls in time order). */
export class MinHeap<T> {
  private a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => boolean) {}
  get size(): number { return this.a.length; }
  peek(): T | undefined { return this.a[0]; }
  push(x: T): void {
    const a = this.a;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

export interface OrderResult {
  order: number[];
  /** Messages moved after a later-timed one because causality required it: index → reason. */
  moved: Map<number, string>;
  /** Constraints dropped to break a cycle (contradictory data). */
  broken: Constraint[];
}

export function causalOrder(keys: OrderKey[], constraints: Constraint[]): OrderResult {
  const n = keys.length;
  const preds = Array.from({ length: n }, () => [] as Constraint[]);
  const succs = Array.from({ length: n }, () => [] as Constraint[]);
  for (const c of constraints) {
    preds[c.after]!.push(c);
    succs[c.before]!.push(c);
  }
  const remaining = preds.map((p) => p.length);
  const placed = new Array<boolean>(n).fill(false);
  const less = (x: number, y: number) => compareKeys(keys[x]!, keys[y]!) < 0;
  const ready = new MinHeap<number>(less);
  const all = new MinHeap<number>(less); // every unplaced message, for breaking cycles
  for (let i = 0; i < n; i++) { all.push(i); if (remaining[i] === 0) ready.push(i); }
  const order: number[] = [];
  const moved = new Map<number, string>();
  const broken: Constraint[] = [];
  const place = (i: number) => {
    placed[i] = true;
    order.push(i);
    for (const c of succs[i]!) if (--remaining[c.after]! === 0 && !placed[c.after]) ready.push(c.after);
  };
  while (order.length < n) {
    let i = ready.pop();
    while (i !== undefined && placed[i]) i = ready.pop();
    if (i === undefined) {
      // A cycle: the constraints contradict each other. Take the earliest unplaced message.
      let j = all.pop();
      while (j !== undefined && placed[j]) j = all.pop();
      if (j === undefined) break;
      for (const c of preds[j]!) if (!placed[c.before]) broken.push(c);
      place(j);
      continue;
    }
    // Did a later-timed message wait for its predecessor? Then note why.
    const why = preds[i]!.find((c) => keys[c.before]!.time > keys[i]!.time);
    if (why) moved.set(i, why.reason);
    place(i);
  }
  return { order, moved, broken };
}
