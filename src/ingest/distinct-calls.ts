// Counting the distinct calls of an ingest without keeping their Call-IDs: a 1 GB input holds
// hundreds of thousands of calls, and a Set of Call-ID strings costs ~100 MB (more where V8
// keeps a Call-ID as a slice of its whole header block). One 53-bit hash per call, in an
// open-addressing table outside the JS heap: 11-21 bytes a call (a Set<number> of the same
// hashes took 42, all of it on the heap that heap-cap.ts keeps near 32 MB, so a million-call
// ingest would have collected after every batch). Two Call-IDs of one run colliding (about 1 in
// 10^4 at half a million calls) would undercount by one, and the figure is only a report; past
// half a million calls it is estimated, in a fixed 64 KB.
import { hash53 } from '../model/text.js';

export class DistinctCalls {
  /** Hashes + 1 (0 marks a free slot); the capacity is a power of two, at most 3/4 full. */
  private slots: Float64Array | undefined = new Float64Array(1024);
  private count = 0;
  /** Past `exactLimit` calls: a HyperLogLog sketch instead of the table. */
  private sketch: Uint8Array | undefined;

  /**
   * Exact up to `exactLimit` calls (the table then takes 8 MB); beyond, estimated within ~1 %
   * (a HyperLogLog of 64 KB), so that memory stays bounded whatever the input's size: a
   * collector's month in one file holds millions of calls.
   */
  constructor(private readonly exactLimit = 1 << 19) {}

  /** Returns whether the call is new to this counter (once estimating: whether it may be). */
  add(callId: string): boolean {
    const h = hash53(callId);
    if (this.sketch) { sketchAdd(this.sketch, h); return true; }
    if (!this.insert(h + 1)) return false;
    if (++this.count > this.exactLimit) this.toSketch();
    else if (this.count * 4 > this.slots!.length * 3) this.grow();
    return true;
  }

  get size(): number {
    return this.sketch ? sketchEstimate(this.sketch) : this.count;
  }

  /** Whether `size` is an estimate (more than the exact limit's calls were seen). */
  get estimated(): boolean {
    return this.sketch !== undefined;
  }

  private insert(key: number): boolean {
    const slots = this.slots!;
    const mask = slots.length - 1;
    // Linear probing from the key's low bits (the hash is uniform: no mixing needed).
    for (let i = key % (mask + 1); ; i = (i + 1) & mask) {
      const v = slots[i]!;
      if (v === key) return false;
      if (v === 0) { slots[i] = key; return true; }
    }
  }

  private grow(): void {
    const old = this.slots!;
    this.slots = new Float64Array(old.length * 2);
    for (const v of old) if (v !== 0) this.insert(v);
  }

  private toSketch(): void {
    const sketch = new Uint8Array(SKETCH_REGISTERS);
    for (const v of this.slots!) if (v !== 0) sketchAdd(sketch, v - 1);
    this.sketch = sketch;
    this.slots = undefined;
  }
}

/** 2^16 registers (64 KB): a standard error of 1.04 / sqrt(2^16) = 0.4 %. */
const SKETCH_BITS = 16;
const SKETCH_REGISTERS = 1 << SKETCH_BITS;

/** HyperLogLog (Flajolet et al. 2007): the register of the hash's low bits keeps the longest run of leading zeros seen in the rest. */
function sketchAdd(sketch: Uint8Array, h: number): void {
  const j = h % SKETCH_REGISTERS;
  const w = Math.floor(h / SKETCH_REGISTERS); // the other 37 bits
  const rank = w === 0 ? 38 : 37 - Math.floor(Math.log2(w)); // leading zeros of w in 37 bits, plus one
  if (rank > sketch[j]!) sketch[j] = rank;
}

function sketchEstimate(sketch: Uint8Array): number {
  const m = SKETCH_REGISTERS;
  let sum = 0, zeros = 0;
  for (const r of sketch) { sum += 2 ** -r; if (r === 0) zeros++; }
  const raw = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
  // Few calls for the registers: linear counting is the better estimate there.
  return Math.round(raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw);
}

