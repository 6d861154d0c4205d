// Counting the distinct calls of an ingest without keeping their Call-IDs: a 1 GB input holds
// hundreds of thousands of calls, and a Set of Call-ID strings costs ~100 MB (more where V8
// keeps a Call-ID as a slice of its whole header block). One 53-bit hash per call, in an
// open-addressing table outside the JS heap: 11-21 bytes a call (a Set<number> of the same
// hashes took 42, all of it on the heap that heap-cap.ts keeps near 32 MB, so a million-call
// ingest would have collected after every batch). Two Call-IDs of one run colliding (about 1 in
// 10^4 at a million calls) would undercount by one, and the figure is only a report.
export class DistinctCalls {
  /** Hashes + 1 (0 marks a free slot); the capacity is a power of two, at most 3/4 full. */
  private slots = new Float64Array(1024);
  private count = 0;

  /** Returns whether the call is new to this counter. */
  add(callId: string): boolean {
    if (!this.insert(hash53(callId) + 1)) return false;
    if (++this.count * 4 > this.slots.length * 3) this.grow();
    return true;
  }

  get size(): number {
    return this.count;
  }

  private insert(key: number): boolean {
    const mask = this.slots.length - 1;
    // Linear probing from the key's low bits (the hash is uniform: no mixing needed).
    for (let i = key % (mask + 1); ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === key) return false;
      if (v === 0) { this.slots[i] = key; return true; }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    for (const v of old) if (v !== 0) this.insert(v);
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
