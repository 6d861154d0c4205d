// Replicating a real call: fresh Call-ID, tags and branches for each copy (so every copy is a
// distinct call and distinct transactions to the readers), and a global time order across the
// copies that overlap in time (logs and captures are written in time order).
import { MinHeap } from '../../src/dialogue/order.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same files. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A rewriter for one template: the Call-ID (wherever it appears) and every tag and branch
 * parameter value get the copy's mark, consistently across the call's messages, so that each
 * copy is a distinct call with distinct dialogs and transactions.
 */
export function makeRewriter(callId: string, _texts: string[]): (text: string, copy: number) => string {
  const re = new RegExp(`${escapeRe(callId)}|(;[ \\t]*(?:tag|branch)=)([^;>\\s,]+)`, 'gi');
  return (text, copy) => {
    const k = copy.toString(36);
    const out = text.replace(re, (tok: string, param?: string, value?: string) => (param ? `${param}${value}-${k}` : `b${k}-${tok}`));
    return fixContentLength(out);
  };
}

/** A rewritten body (rare: a Call-ID quoted in a sipfrag) must not leave Content-Length wrong. */
function fixContentLength(text: string): string {
  const sep = text.indexOf('\r\n\r\n');
  if (sep < 0) return text;
  const bodyBytes = Buffer.byteLength(text.slice(sep + 4), 'latin1');
  return text.slice(0, sep).replace(/^(content-length|l)([ \t]*:[ \t]*)\d+/im, (_m, n: string, c: string) => `${n}${c}${bodyBytes}`) + text.slice(sep);
}

export interface TimedEvent<T> {
  t: number;
  seq: number;
  value: T;
}

/** Min-heap on (t, seq): events of overlapping calls leave in time order, ties in arrival order. */
export class EventHeap<T> {
  private readonly heap = new MinHeap<TimedEvent<T>>((x, y) => x.t < y.t || (x.t === y.t && x.seq < y.seq));
  private seq = 0;
  get size(): number { return this.heap.size; }
  push(t: number, value: T): void { this.heap.push({ t, seq: this.seq++, value }); }
  peek(): TimedEvent<T> | undefined { return this.heap.peek(); }
  pop(): TimedEvent<T> | undefined { return this.heap.pop(); }
}
