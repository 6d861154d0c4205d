// The time and process prefix of a Kamailio log line (FORMATS.md §10.2):
//   BSD syslog     "Oct  4 20:58:22 host kamailio[7421]: "   (no year, no zone: local time)
//                  "Sep 08 11:19:43 host kamailio[237295]: " (zero-padded day)
//   RFC 3339       "2015-03-03T23:44:07.812917+00:00 [host] kamailio[19136]: "
//   process tags   "kamailio[7421]:", "/usr/sbin/kamailio[797]:", "kamailio:" + " 20(1926) " (rank(pid))
//   stderr         " 4(10) ERROR: …" (kamailio -E: no time at all)
import { NS_PER_MS, NS_PER_S, parseRfc3339, type Instant } from '../../model/time.js';

export interface LinePrefix {
  /** What the time looked like; 'none' when the line has no time. */
  timeKind: 'bsd' | 'rfc3339' | 'none';
  /** BSD stamp fields, resolved to an instant by YearTracker. */
  bsd?: { month: number; day: number; hour: number; minute: number; second: number };
  /** RFC 3339 instant (zone applied; a zone-less stamp is marked local). */
  rfc3339?: { text: string; local: boolean };
  host?: string;
  /** Syslog tag, e.g. "kamailio", "/usr/sbin/kamailio". */
  tag?: string;
  /** The process id: rank(pid)'s pid when present, else the syslog [pid]. */
  pid?: number;
  /** The text after the prefix: "INFO: <script>: …". */
  rest: string;
  /** True when some prefix (time, tag or rank(pid)) was recognised. */
  recognised: boolean;
}

const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };

const BSD = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]?\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)? +/;
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?)(Z|[+-]\d\d:?\d\d)? +/;
const TAG = /^([^\s[\]:<{]+)(?:\[(\d+)\])?: ?/;
const RANK_PID = /^ *-?\d+\((\d+)\) +(?=[A-Z_]+:)/;
/** Kamailio's level names: never a syslog tag. */
export const LEVEL = /^(DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|ERR|CRITICAL|CRIT|ALERT|BUG|EMERG|L_[A-Z0-9_]+)$/;

export function parsePrefix(line: string): LinePrefix {
  let rest = line;
  const p: LinePrefix = { timeKind: 'none', rest: line, recognised: false };
  let m = BSD.exec(rest);
  if (m) {
    p.timeKind = 'bsd';
    p.bsd = { month: MONTHS[m[1]!]!, day: Number(m[2]!.trim()), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]) };
    rest = rest.slice(m[0].length);
  } else if ((m = RFC3339.exec(rest))) {
    p.timeKind = 'rfc3339';
    // m[1] + m[2] as one flat slice (the zone follows the time directly): not a concatenation.
    p.rfc3339 = { text: rest.slice(0, m[1]!.length + (m[2]?.length ?? 0)), local: m[2] === undefined };
    rest = rest.slice(m[0].length);
  }
  if (p.timeKind !== 'none' && lastHead !== undefined && rest.startsWith(lastHead.text)) {
    // The same "host tag[pid]: " as the line before: parsed the same way, so reuse it.
    p.host = lastHead.host;
    p.tag = lastHead.tag;
    p.pid = lastHead.pid;
    rest = rest.slice(lastHead.text.length);
  } else if (p.timeKind !== 'none') {
    const before = rest.length;
    // "[host] tag[pid]: ": the host is optional (RFC 3339 files written without one).
    const first = TAG.exec(rest);
    if (first && !LEVEL.test(first[1]!)) {
      setTag(p, first);
      rest = rest.slice(first[0].length);
    } else {
      const sp = rest.indexOf(' ');
      const afterHost = sp > 0 ? rest.slice(sp + 1) : '';
      const second = TAG.exec(afterHost);
      if (second && sp > 0 && !rest.slice(0, sp).endsWith(':') && !LEVEL.test(second[1]!)) {
        p.host = rest.slice(0, sp);
        setTag(p, second);
        rest = afterHost.slice(second[0].length);
      }
    }
    lastHead = headToReuse(line, before, rest, p);
  }
  const rank = RANK_PID.exec(rest);
  if (rank) {
    p.pid = Number(rank[1]);
    rest = rest.slice(rank[0].length);
  }
  p.rest = rest;
  p.recognised = p.timeKind !== 'none' || p.tag !== undefined || rank !== null;
  return p;
}

/** The "host tag[pid]: " text of the previous line with a time, and what it was parsed into. */
let lastHead: { text: string; host?: string; tag?: string; pid?: number } | undefined;

/**
 * The head just parsed, if a later line that starts with the same text must parse the same way:
 * a tag was found and the head ends with the one space the tag pattern may take (without it,
 * a longer match could exist on another line).
 */
function headToReuse(line: string, before: number, rest: string, p: LinePrefix): typeof lastHead {
  if (p.tag === undefined) return undefined;
  const consumed = before - rest.length;
  const start = line.length - before;
  if (consumed === 0 || line.charCodeAt(start + consumed - 1) !== 0x20) return undefined;
  return { text: line.slice(start, start + consumed), host: p.host, tag: p.tag, pid: p.pid };
}

function setTag(p: LinePrefix, m: RegExpExecArray): void {
  p.tag = m[1];
  if (m[2] !== undefined) p.pid = Number(m[2]);
}

/** Two ASCII digits at `at` as a number. */
function digits2(text: string, at: number): number {
  return (text.charCodeAt(at) - 0x30) * 10 + (text.charCodeAt(at + 1) - 0x30);
}

/** What an incremental ingest must remember to resolve BSD stamps the same way on resume. */
export interface TimeContext {
  year?: number;
  month?: number;
  /** Last resolved time (ns, decimal string): the time of a following time-less line. */
  last?: string;
}

export function timeContext(year: number | undefined, month: number | undefined, last: Instant | undefined): TimeContext {
  return { year, month, last: last?.toString() };
}

export interface TimeOptions {
  year?: number;
  fileMtime?: Date;
  utcOffsetMinutes?: number;
  resume?: TimeContext;
}

/**
 * Resolves line times. BSD stamps have no year: the first one takes `year` (--year), else the
 * year of the file's mtime, moved back one year when that would put the line after the mtime
 * (a file written in late December and last modified in January). A month going backwards by
 * more than one (Dec → Jan) means the year advanced; one month back is taken as lines slightly
 * out of order across a month boundary, not as a New Year.
 */
export class LineClock {
  private _year: number | undefined;
  private _month: number | undefined;
  private _last: Instant | undefined;
  private readonly mtime: Date;

  constructor(private readonly opts: TimeOptions) {
    this.mtime = opts.fileMtime ?? new Date();
    this._year = opts.resume?.year ?? opts.year;
    this._month = opts.resume?.month;
    this._last = opts.resume?.last !== undefined ? BigInt(opts.resume.last) : undefined;
  }

  /** The instant of a line, or undefined when it has none (the caller then uses `fallback`). */
  resolve(p: LinePrefix): Instant | undefined {
    let t: Instant | undefined;
    if (p.timeKind === 'bsd' && p.bsd) t = this.resolveBsd(p.bsd);
    else if (p.timeKind === 'rfc3339' && p.rfc3339) {
      t = this.rfc3339(p.rfc3339.text);
      if (t !== undefined && p.rfc3339.local) t -= this.localOffsetNs(t);
    }
    if (t !== undefined) this._last = t;
    return t;
  }

  // Consecutive lines mostly share their second: the instant of "YYYY-MM-DDTHH:MM:SS" and the
  // zone is computed once per second, from the instant of its day and zone (a regex, Date.UTC
  // and bigint arithmetic once per day), and each line only adds its fraction. Same result as
  // parseRfc3339 on the whole text: Date.UTC(y, m, d, h, mi, s) is Date.UTC(y, m, d) plus the
  // seconds of h:mi:s, for any two-digit h, mi, s.
  private secondKey = ''; // "YYYY-MM-DDTHH:MM:SS" of the cached second
  private secondNs: Instant | undefined;
  private secondZone = '';
  private dayKey = '';    // "YYYY-MM-DD" of the cached day (in secondZone)
  private dayNs: Instant | undefined;

  private rfc3339(text: string): Instant | undefined {
    const i = 19; // "YYYY-MM-DDTHH:MM:SS": the prefix regex guarantees this shape
    let j = i;
    if (text[i] === '.' || text[i] === ',') {
      j++;
      while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) j++;
    }
    const zoneLength = text.length - j;
    if (!(this.secondKey !== '' && zoneLength === this.secondZone.length && text.startsWith(this.secondKey) && text.endsWith(this.secondZone))) {
      if (!(this.dayKey !== '' && zoneLength === this.secondZone.length && text.startsWith(this.dayKey) && text.endsWith(this.secondZone))) {
        this.dayKey = text.slice(0, 10);
        this.secondZone = text.slice(j);
        this.dayNs = parseRfc3339(this.dayKey + 'T00:00:00' + this.secondZone);
      }
      this.secondKey = text.slice(0, i);
      const h = digits2(text, 11), mi = digits2(text, 14), sec = digits2(text, 17);
      this.secondNs = this.dayNs === undefined ? undefined : this.dayNs + BigInt((h * 60 + mi) * 60 + sec) * NS_PER_S;
    }
    const digits = Math.min(j - i - 1, 9);
    if (this.secondNs === undefined || digits <= 0) return this.secondNs;
    // At most 9 digits scaled to ns: an integer below 1e9, exact as a double.
    let frac = 0;
    for (let k = i + 1; k <= i + digits; k++) frac = frac * 10 + (text.charCodeAt(k) - 0x30);
    return this.secondNs + BigInt(frac * 10 ** (9 - digits));
  }

  /** Time for a line without one: the previous line's, else the file's mtime. */
  fallback(): Instant {
    return this._last ?? BigInt(this.mtime.getTime()) * NS_PER_MS;
  }

  context(): TimeContext {
    return timeContext(this._year, this._month, this._last);
  }

  // Read without allocating: the reader keeps them at each possible checkpoint.
  get year(): number | undefined { return this._year; }
  get month(): number | undefined { return this._month; }
  get last(): Instant | undefined { return this._last; }

  private resolveBsd(b: NonNullable<LinePrefix['bsd']>): Instant {
    if (this._year === undefined) {
      let y = this.mtime.getFullYear();
      // One day of slack: zones and a clock-skewed writer must not move a line a year back.
      if (this.localInstant(y, b) > BigInt(this.mtime.getTime() + 86400_000) * NS_PER_MS) y -= 1;
      this._year = y;
    } else if (this._month !== undefined && b.month < this._month - 1) {
      this._year += 1;
    }
    this._month = b.month;
    return this.localInstant(this._year, b);
  }

  private localInstant(year: number, b: NonNullable<LinePrefix['bsd']>): Instant {
    const asUtc = BigInt(Date.UTC(year, b.month - 1, b.day, b.hour, b.minute, b.second)) * NS_PER_MS;
    return asUtc - this.localOffsetNs(asUtc);
  }

  /** Offset of local time from UTC at about `t`: --utc-offset, else the machine's zone. */
  private localOffsetNs(t: Instant): bigint {
    if (this.opts.utcOffsetMinutes !== undefined) return BigInt(this.opts.utcOffsetMinutes) * 60n * NS_PER_S;
    // getTimezoneOffset is minutes *behind* UTC; evaluate at the wall time read as UTC, which is
    // off by the offset itself: only matters within an hour of a DST change.
    const d = new Date(Number(t / NS_PER_MS));
    return BigInt(-d.getTimezoneOffset()) * 60n * NS_PER_S;
  }
}
