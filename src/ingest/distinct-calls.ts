// Counting the distinct calls of an ingest without keeping their Call-IDs: a 1 GB input holds a
// million calls, and a Set of Call-ID strings costs ~100 MB (more where V8 keeps a Call-ID as a
// slice of its whole header block). A 53-bit hash per call costs ~40 bytes; two Call-IDs of one
// run colliding (about 1 in 10^4 at a million calls) would undercount by one, and the figure is
// only a report.
export class DistinctCalls {
  private readonly seen = new Set<number>();

  /** Returns whether the call is new to this counter. */
  add(callId: string): boolean {
    const h = hash53(callId);
    if (this.seen.has(h)) return false;
    this.seen.add(h);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

/** Two 32-bit FNV-1a lanes (different offsets) folded into 53 bits. */
export function hash53(text: string): number {
  let a = 0x811c9dc5, b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
