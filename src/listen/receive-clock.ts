// The collector clock for live HEP: wall time with sub-millisecond resolution. Date.now() alone
// is whole milliseconds, too coarse to order the packets of one burst; hrtime alone drifts
// from the wall clock over weeks. So: wall time anchored once, advanced by hrtime, and
// re-anchored only when the two disagree by more than a few ms (an NTP step), which keeps
// successive receive times monotonic in normal operation.
import type { Instant } from '../model/time.js';

const REANCHOR_NS = 5_000_000n;

export class ReceiveClock {
  private wall = BigInt(Date.now()) * 1_000_000n;
  private hr = process.hrtime.bigint();

  now(): Instant {
    return this.wall + (process.hrtime.bigint() - this.hr);
  }

  /** Call now and then (the listener does, once a second). */
  check(): void {
    const wall = BigInt(Date.now()) * 1_000_000n;
    const predicted = this.now();
    const d = predicted - wall;
    if (d > REANCHOR_NS || d < -REANCHOR_NS) {
      this.wall = wall;
      this.hr = process.hrtime.bigint();
    }
  }
}
