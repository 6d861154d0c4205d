// Dating siptrace stamps (FORMATS.md §8.3 step 10). A stamp carries only a local time of day;
// the date comes from the nearest dated evidence (freeswitch.log lines, syslog heads, the dump
// file's "dump started at"), else --date, else the file's modification date. Crossing midnight
// shows up as a big backwards jump of the time of day.
import { NS_PER_US, type Instant } from '../../model/time.js';

const DAY_US = 86_400_000_000;
const HOUR_US = 3_600_000_000;

/** What a checkpoint keeps so that a resumed read dates its first stamp as a full read would. */
export interface ClockState {
  /** The last dated point: local date (YYYY-MM-DD) and time of day (µs). */
  date: string;
  todUs: number;
  /** A zone offset learned from the input (RFC 3339 syslog heads). */
  offsetMinutes?: number;
}

export interface ClockOptions {
  date?: string;
  year?: number;
  fileMtime?: Date;
  utcOffsetMinutes?: number;
  resume?: unknown;
}

/** Days since 1970-01-01 of a YYYY-MM-DD text. */
export function dayNumber(date: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 86_400_000);
}

// Asked at every checkpoint (once per message), mostly for the same day: remember the last one.
let lastDay: number | undefined;
let lastDayText = '';

export function dayText(day: number): string {
  if (day !== lastDay) {
    lastDayText = new Date(day * 86_400_000).toISOString().slice(0, 10);
    lastDay = day;
  }
  return lastDayText;
}

export function isClockState(x: unknown): x is ClockState {
  return typeof x === 'object' && x !== null && typeof (x as ClockState).date === 'string' && typeof (x as ClockState).todUs === 'number';
}

export class TraceClock {
  private refDay: number | undefined;
  private refTod = 0;
  private offset: number | undefined;
  private learnedOffset: number | undefined;

  constructor(private readonly opts: ClockOptions) {
    this.offset = opts.utcOffsetMinutes;
    if (isClockState(opts.resume)) {
      this.refDay = dayNumber(opts.resume.date);
      this.refTod = opts.resume.todUs;
      if (this.offset === undefined && opts.resume.offsetMinutes !== undefined) this.offset = this.learnedOffset = opts.resume.offsetMinutes;
    }
  }

  get hasReference(): boolean {
    return this.refDay !== undefined;
  }

  /** A dated line (log line, RFC 3339 syslog head, dump start): the new reference. */
  noteDated(date: string, todUs: number): void {
    const day = dayNumber(date);
    if (day === undefined) return;
    this.refDay = day;
    this.refTod = todUs;
  }

  /** A syslog head's own zone, used when none was configured. */
  noteOffset(offsetMinutes: number): void {
    if (this.opts.utcOffsetMinutes === undefined && this.learnedOffset === undefined) this.offset = this.learnedOffset = offsetMinutes;
  }

  /** A BSD syslog head: month and day without a year (year from --year or the file time). */
  noteMonthDay(month: number, day: number, todUs: number): void {
    const mtime = this.opts.fileMtime;
    let year = this.opts.year ?? (mtime ? mtime.getUTCFullYear() : new Date().getUTCFullYear());
    let d = Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
    // A December line in a file last written in January belongs to the year before.
    if (this.opts.year === undefined && mtime && d > Math.floor(mtime.getTime() / 86_400_000) + 1) {
      year -= 1;
      d = Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
    }
    this.refDay = d;
    this.refTod = todUs;
  }

  /**
   * The day of a stamp read after the reference: the reference's day, the next one when the
   * time of day jumped back by more than an hour (midnight), the previous one when it lies
   * almost a day ahead (a stamp written just after a line from just past midnight).
   */
  dayForward(todUs: number): number | undefined {
    if (this.refDay === undefined) return undefined;
    let day = this.refDay;
    if (todUs < this.refTod - HOUR_US) day += 1;
    else if (todUs > this.refTod + DAY_US - HOUR_US) day -= 1;
    return day;
  }

  /** The day of a stamp that comes before dated evidence (date, time of day) read later. */
  static dayBackward(todUs: number, evidenceDay: number, evidenceTod: number): number {
    return todUs > evidenceTod + HOUR_US ? evidenceDay - 1 : evidenceDay;
  }

  /** The day when the input holds no evidence: --date, else the file's mtime, else today. */
  fallbackDay(): { day: number; guessed: boolean } {
    if (this.opts.date !== undefined) {
      const d = dayNumber(this.opts.date);
      if (d !== undefined) return { day: d, guessed: false };
    }
    const t = this.opts.fileMtime ?? new Date();
    return { day: this.localDayOf(t), guessed: true };
  }

  /** A stamp was dated: it becomes the reference for the next one. */
  advance(day: number, todUs: number): void {
    this.refDay = day;
    this.refTod = todUs;
  }

  /** Local date + time of day → instant, in the configured (or learned) zone, else the machine's. */
  instant(day: number, todUs: number): Instant {
    const us = BigInt(day) * BigInt(DAY_US) + BigInt(todUs);
    if (this.offset !== undefined) return (us - BigInt(this.offset) * 60_000_000n) * NS_PER_US;
    const ms = Math.floor(todUs / 1000);
    const civil = new Date(day * 86_400_000);
    const local = new Date(civil.getUTCFullYear(), civil.getUTCMonth(), civil.getUTCDate(), 0, 0, 0, ms);
    return BigInt(local.getTime()) * 1_000_000n + BigInt(todUs % 1000) * NS_PER_US;
  }

  /** Local date + time of day of an instant given in ms (Date headers). */
  localOf(ms: number): { day: number; todUs: number } {
    const offsetMin = this.offset ?? -new Date(ms).getTimezoneOffset();
    const localMs = ms + offsetMin * 60_000;
    const day = Math.floor(localMs / 86_400_000);
    return { day, todUs: (localMs - day * 86_400_000) * 1000 };
  }

  private localDayOf(t: Date): number {
    return this.localOf(t.getTime()).day;
  }

  state(): ClockState | undefined {
    if (this.refDay === undefined) return undefined;
    const s: ClockState = { date: dayText(this.refDay), todUs: this.refTod };
    if (this.learnedOffset !== undefined) s.offsetMinutes = this.learnedOffset;
    return s;
  }
}
