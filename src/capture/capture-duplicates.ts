// Duplicates inside one capture (FORMATS.md §6). Not every repeat is a duplicate:
// - a CAPTURE DUPLICATE is one packet seen twice by the capture (mirror port, `-i any` seeing
//   bridge/VLAN/bond copies, in- and outgoing copies): byte-identical payload, same addresses
//   and ports, same IPv4 id, within `windowNs` (50 ms, well under SIP's T1 = 500 ms). It is
//   dropped and counted. (heplify-server drops any payload repeated within 500 ms, which also
//   eats real retransmissions: ours keeps those.)
// - a SIP RETRANSMISSION is the sender sending the same bytes again after its timer (T1, then
//   doubling): same bytes on the same hop at least `retransmitNs` (T1/2 = 250 ms) after the
//   previous copy. It is kept and flagged 'retransmission': it is diagnostic.
// - repeats in between (50-250 ms, or with another IP id) are kept, unflagged.
// Memory: entries expire after `horizonNs` of capture time (longer than SIP's 32 s timer B/F)
// and at most `maxEntries` are kept.
import { md5digest } from '../model/chunk.js';
import { hash53 } from '../model/text.js';
import type { Instant } from '../model/time.js';

export type DuplicateVerdict = 'new' | 'duplicate' | 'retransmission';

export interface DuplicateOptions {
  windowNs?: bigint;
  retransmitNs?: bigint;
  horizonNs?: bigint;
  maxEntries?: number;
}

// What is remembered of a packet is small and off the object heap: a busy capture (3,000
// packets/s) fills the 200,000 entries, and an entry as strings and objects (the hop, the md5 as
// hex, a record, a queue item) took ~380 bytes, 76 MB in all. Now: a 53-bit key in a Map of
// numbers and one slot in typed arrays, ~65 bytes. The key is md5(payload) mixed with a hash of
// the hop: two packets would also have to share the IP id and fall within 50 ms for a wrong
// 'duplicate' (at 200,000 entries, a 53-bit key collides about once in 4.5e10 packets).

/** A 53-bit key: the first 53 bits of md5(payload), XOR the hop's hash53, lane by lane (32 + 21). */
function packetKey(hop: string, payload: Buffer): number {
  const d = md5digest(payload);
  const h = hash53(hop);
  // `h & 0x1fffff` reads h modulo 2^32, whose low 21 bits are h's.
  return ((d.readUInt32BE(0) ^ Math.floor(h / 0x200000)) >>> 0) * 0x200000 + ((d.readUInt32BE(4) ^ h) & 0x1fffff);
}

export class DuplicateFilter {
  /** key → the ring slot of its latest sighting. */
  private readonly seen = new Map<number, number>();
  // A ring of sightings in arrival order, for expiry: key, capture time (ns as a double: ~256 ns
  // steps at today's epoch, far below the 50 ms window) and IP id.
  // It starts small and doubles up to maxEntries: a quiet capture never touches the full 4 MB.
  private keys: Float64Array;
  private times: Float64Array;
  private ipIds: Int32Array;
  private head = 0;
  private used = 0;
  private readonly maxEntries: number;
  private readonly window: number;
  private readonly retransmit: number;
  private readonly horizon: number;
  duplicates = 0;
  retransmissions = 0;

  constructor(opts: DuplicateOptions = {}) {
    this.window = Number(opts.windowNs ?? 50_000_000n);
    this.retransmit = Number(opts.retransmitNs ?? 250_000_000n);
    this.horizon = Number(opts.horizonNs ?? 64_000_000_000n);
    this.maxEntries = Math.max(1, opts.maxEntries ?? 200_000);
    const first = Math.min(1024, this.maxEntries);
    this.keys = new Float64Array(first);
    this.times = new Float64Array(first);
    this.ipIds = new Int32Array(first);
  }

  /**
   * Classify one payload seen on `hop` (transport, addresses and ports; '' when the hop must not
   * count, e.g. a HEP packet repeated from another outer address) with IPv4 id `ipId` (-1 when
   * there is none) at capture time `time`.
   */
  check(hop: string, ipId: number, payload: Buffer, time: Instant): DuplicateVerdict {
    const now = Number(time);
    this.expire(now);
    const key = packetKey(hop, payload);
    const prev = this.seen.get(key);
    if (prev !== undefined) {
      const dt = now - this.times[prev]!;
      if (dt >= 0 && dt <= this.window && this.ipIds[prev] === ipId) {
        this.duplicates++;
        return 'duplicate';
      }
      this.record(key, now, ipId);
      if (dt >= this.retransmit) {
        this.retransmissions++;
        return 'retransmission';
      }
      return 'new';
    }
    this.record(key, now, ipId);
    return 'new';
  }

  get size(): number {
    return this.seen.size;
  }

  private record(key: number, now: number, ipId: number): void {
    if (this.used === this.keys.length) {
      if (this.keys.length < this.maxEntries) this.grow();
      else this.drop(); // full: the oldest sighting goes
    }
    const slot = (this.head + this.used) % this.keys.length;
    this.keys[slot] = key;
    this.times[slot] = now;
    this.ipIds[slot] = ipId;
    this.used++;
    this.seen.set(key, slot);
  }

  /** Twice the room (at most maxEntries), the sightings moved to the front in order. */
  private grow(): void {
    const cap = this.keys.length, next = Math.min(cap * 2, this.maxEntries);
    const keys = new Float64Array(next), times = new Float64Array(next), ipIds = new Int32Array(next);
    for (let i = 0; i < this.used; i++) {
      const from = (this.head + i) % cap;
      keys[i] = this.keys[from]!;
      times[i] = this.times[from]!;
      ipIds[i] = this.ipIds[from]!;
    }
    for (const [key, slot] of this.seen) this.seen.set(key, (slot - this.head + cap) % cap);
    this.keys = keys;
    this.times = times;
    this.ipIds = ipIds;
    this.head = 0;
  }

  private drop(): void {
    const slot = this.head;
    const key = this.keys[slot]!;
    // Only the latest sighting of a key removes it.
    if (this.seen.get(key) === slot) this.seen.delete(key);
    this.head = (slot + 1) % this.keys.length;
    this.used--;
  }

  private expire(now: number): void {
    while (this.used > 0 && now - this.times[this.head]! > this.horizon) this.drop();
  }
}
