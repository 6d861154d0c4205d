// Giving each stamp a date, in input order. With a reference (a preceding dated line) or --date
// a stamp is dated at once. Otherwise it waits (a bounded queue) for the first later evidence —
// a dated log line (the console line glued after a body, FORMATS.md §8.2 D) or the message's
// own Date header — and is dated backwards from it; at the end, or when the queue is full,
// the file's modification date is the last resort (flagged "date-guessed").
import type { Instant } from '../../model/time.js';
import { TraceClock } from './clock.js';

export interface Dated<T> {
  item: T;
  time: Instant;
  guessed: boolean;
}

export const MAX_UNDATED = 64;

export class StampDater<T> {
  private queue: { item: T; todUs: number }[] = [];

  constructor(readonly clock: TraceClock, private readonly haveDate: boolean, private readonly maxQueue = MAX_UNDATED) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** A stamp; `hint` is the message's own Date header as local (day, time of day), if any. */
  add(item: T, todUs: number, hint?: { day: number; todUs: number }): Dated<T>[] {
    const clock = this.clock;
    if (clock.hasReference) {
      const day = clock.dayForward(todUs)!;
      clock.advance(day, todUs);
      return [{ item, time: clock.instant(day, todUs), guessed: false }];
    }
    if (this.haveDate) {
      const { day, guessed } = clock.fallbackDay();
      clock.advance(day, todUs);
      return [{ item, time: clock.instant(day, todUs), guessed }];
    }
    this.queue.push({ item, todUs });
    if (hint) {
      const out = this.evidence(hint.day, hint.todUs);
      clock.advance(TraceClock.dayBackward(todUs, hint.day, hint.todUs), todUs);
      return out;
    }
    return this.queue.length >= this.maxQueue ? this.flush() : [];
  }

  /** Dated evidence read after the queued stamps: date them backwards from it. */
  evidence(day: number, todUs: number): Dated<T>[] {
    const out = this.queue.map((q) => {
      const d = TraceClock.dayBackward(q.todUs, day, todUs);
      return { item: q.item, time: this.clock.instant(d, q.todUs), guessed: false };
    });
    this.queue = [];
    return out;
  }

  /** No evidence came: the fallback date for the first, forward dating for the rest. */
  flush(): Dated<T>[] {
    const out: Dated<T>[] = [];
    for (const q of this.queue) {
      let day: number;
      let guessed: boolean;
      if (!this.clock.hasReference) ({ day, guessed } = this.clock.fallbackDay());
      else { day = this.clock.dayForward(q.todUs)!; guessed = true; }
      this.clock.advance(day, q.todUs);
      out.push({ item: q.item, time: this.clock.instant(day, q.todUs), guessed });
    }
    this.queue = [];
    return out;
  }
}
