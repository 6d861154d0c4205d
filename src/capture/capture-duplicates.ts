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
import { md5hex } from '../model/chunk.js';
import type { Instant } from '../model/time.js';

export type DuplicateVerdict = 'new' | 'duplicate' | 'retransmission';

interface Seen {
  time: Instant;
  ipId: number;
}

export interface DuplicateOptions {
  windowNs?: bigint;
  retransmitNs?: bigint;
  horizonNs?: bigint;
  maxEntries?: number;
}

export class DuplicateFilter {
  private readonly seen = new Map<string, Seen>();
  private readonly order: { key: string; time: Instant }[] = [];
  private head = 0;
  private readonly window: bigint;
  private readonly retransmit: bigint;
  private readonly horizon: bigint;
  private readonly maxEntries: number;
  duplicates = 0;
  retransmissions = 0;

  constructor(opts: DuplicateOptions = {}) {
    this.window = opts.windowNs ?? 50_000_000n;
    this.retransmit = opts.retransmitNs ?? 250_000_000n;
    this.horizon = opts.horizonNs ?? 64_000_000_000n;
    this.maxEntries = opts.maxEntries ?? 200_000;
  }

  /**
   * Classify one payload seen on `hop` (transport, addresses and ports; '' when the hop must not
   * count, e.g. a HEP packet repeated from another outer address) with IPv4 id `ipId` (-1 when
   * there is none) at capture time `time`.
   */
  check(hop: string, ipId: number, payload: Buffer, time: Instant): DuplicateVerdict {
    this.expire(time);
    const key = hop + '\u0000' + md5hex(payload);
    const prev = this.seen.get(key);
    if (prev) {
      const dt = time - prev.time;
      if (dt >= 0n && dt <= this.window && prev.ipId === ipId) {
        this.duplicates++;
        return 'duplicate';
      }
      prev.time = time;
      prev.ipId = ipId;
      this.order.push({ key, time });
      if (dt >= this.retransmit) {
        this.retransmissions++;
        return 'retransmission';
      }
      return 'new';
    }
    this.seen.set(key, { time, ipId });
    this.order.push({ key, time });
    return 'new';
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(now: Instant): void {
    const o = this.order;
    while (this.head < o.length && (now - o[this.head]!.time > this.horizon || this.seen.size > this.maxEntries)) {
      const e = o[this.head++]!;
      const s = this.seen.get(e.key);
      // Only the newest entry of a key removes it.
      if (s && s.time === e.time) this.seen.delete(e.key);
    }
    if (this.head > 4096 && this.head * 2 > o.length) {
      o.splice(0, this.head);
      this.head = 0;
    }
  }
}
