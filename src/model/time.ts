// Times are kept as integer nanoseconds since the Unix epoch (bigint): a double cannot hold
// pcapng nanosecond stamps (2^53 pitfall, FORMATS.md §3.1) and Gregorian seconds as a double
// only resolve ~7.6 µs. Doubles are produced for output only.

/** Nanoseconds since 1970-01-01T00:00:00Z. */
export type Instant = bigint;

/** Kazoo's epoch: Gregorian seconds = Unix seconds + this. */
export const GREGORIAN_OFFSET_S = 62167219200n;

export const NS_PER_S = 1_000_000_000n;
export const NS_PER_MS = 1_000_000n;
export const NS_PER_US = 1_000n;

export function fromUnixSeconds(sec: number | bigint, nsec: number | bigint = 0): Instant {
  return BigInt(sec) * NS_PER_S + BigInt(nsec);
}

export function fromMillis(ms: number): Instant {
  const whole = Math.floor(ms);
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
}

export function toMillis(t: Instant): number {
  return Number(t / NS_PER_US) / 1000;
}

/** Gregorian seconds as a double (output only). */
export function toGregorian(t: Instant): number {
  return t >= 0n ? gregorianOfDecimal(t, t.toString()) : gregorianByDivision(t);
}

// A non-negative Instant's decimal text holds its seconds and nanoseconds: reading them from
// the text (which chunks carry anyway) is cheaper than BigInt division, and exact while the
// seconds are below 1e15 (24 digits in all), far inside a double's exact integers.
const MAX_DECIMAL_DIGITS = 24;
const GREGORIAN_OFFSET_SECONDS = Number(GREGORIAN_OFFSET_S);

function secondsOfDecimal(decimal: string): number {
  return decimal.length > 9 ? Number(decimal.slice(0, -9)) : 0;
}

function nanoDigitsOfDecimal(decimal: string): string {
  return decimal.length >= 9 ? decimal.slice(-9) : decimal.padStart(9, '0');
}

/** toGregorian(t), given `decimal` = t.toString(). */
export function gregorianOfDecimal(t: Instant, decimal: string): number {
  if (t < 0n || decimal.length > MAX_DECIMAL_DIGITS) return gregorianByDivision(t);
  const frac = Number(nanoDigitsOfDecimal(decimal));
  return (secondsOfDecimal(decimal) + GREGORIAN_OFFSET_SECONDS) + Math.round(frac / 1000) / 1e6;
}

function gregorianByDivision(t: Instant): number {
  const sec = t / NS_PER_S + GREGORIAN_OFFSET_S;
  let frac = t % NS_PER_S;
  let s = sec;
  if (frac < 0n) { frac += NS_PER_S; s -= 1n; }
  // Round to microseconds: more digits are noise at this magnitude.
  return Number(s) + Math.round(Number(frac) / 1000) / 1e6;
}

/** Gregorian seconds (number or numeric string) to an Instant, exact to the µs digits given. */
export function fromGregorian(g: number | string): Instant {
  const text = typeof g === 'number' ? formatShortest(g) : g.trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) throw new RangeError(`not a Gregorian time: ${text}`);
  if (m[4] !== undefined) return fromMillis((Number(text) - Number(GREGORIAN_OFFSET_S)) * 1000);
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = BigInt(m[2]!);
  const fracDigits = (m[3] ?? '').slice(0, 9).padEnd(9, '0');
  const ns = sign * (whole * NS_PER_S + BigInt(fracDigits));
  return ns - GREGORIAN_OFFSET_S * NS_PER_S;
}

/** Shortest round-trip digits, always with a fractional part ("63657429461.0"), as Erlang prints floats. */
export function formatShortest(x: number): string {
  const s = String(x);
  // String(x) is all digits exactly for integers below 1e21 (larger ones get an exponent).
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return s + '.0';
  return s;
}

/** ISO 8601 UTC with microseconds (nanoseconds when they are not zero). */
export function toIso(t: Instant): string {
  return t >= 0n ? isoOfDecimal(t, t.toString()) : isoByDivision(t);
}

/** toIso(t), given `decimal` = t.toString(). */
export function isoOfDecimal(t: Instant, decimal: string): string {
  if (t < 0n || decimal.length > MAX_DECIMAL_DIGITS) return isoByDivision(t);
  const base = isoSecondText(secondsOfDecimal(decimal));
  if (base === undefined) return 'invalid';
  const nsText = nanoDigitsOfDecimal(decimal);
  const fracText = nsText.endsWith('000') ? nsText.slice(0, 6) : nsText;
  return `${base}.${fracText}Z`;
}

// Consecutive stamps mostly share their minute: the Date and its ISO text are made once per
// minute. Only for years 0-9999, where toISOString's text is "YYYY-MM-DDTHH:MM:SS.sssZ".
const YEAR_10000_S = 253402300800;
let lastIsoMinute = NaN;
let lastIsoMinuteText = '';

/** "YYYY-MM-DDTHH:MM:SS" of a non-negative Unix second, or undefined outside Date's range. */
function isoSecondText(sec: number): string | undefined {
  if (sec >= YEAR_10000_S) {
    const d = new Date(sec * 1000);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 19);
  }
  const minute = Math.floor(sec / 60);
  if (minute !== lastIsoMinute) {
    lastIsoMinuteText = new Date(minute * 60_000).toISOString().slice(0, 17);
    lastIsoMinute = minute;
  }
  const s = sec - minute * 60;
  return lastIsoMinuteText + (s < 10 ? `0${s}` : `${s}`);
}

function isoByDivision(t: Instant): string {
  let sec = t / NS_PER_S;
  let frac = t % NS_PER_S;
  if (frac < 0n) { frac += NS_PER_S; sec -= 1n; }
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime())) return 'invalid';
  const base = d.toISOString().slice(0, 19);
  const nsText = frac.toString().padStart(9, '0');
  const fracText = nsText.endsWith('000') ? nsText.slice(0, 6) : nsText;
  return `${base}.${fracText}Z`;
}

/** Parse an ISO 8601 / RFC 3339 timestamp with any fraction length and Z or ±HH:MM. */
export function parseRfc3339(text: string): Instant | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Number.isNaN(ms)) return undefined;
  let ns = BigInt(ms) * NS_PER_MS + BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const minutes = BigInt(+digits.slice(0, 2) * 60 + +digits.slice(2, 4));
    ns -= sign * minutes * 60n * NS_PER_S;
  }
  return ns;
}

/** Duration text such as 7d, 12h, 30m, 45s, 500ms, 1.5s → nanoseconds. */
export function parseDuration(text: string): bigint | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 604800e9 };
  return BigInt(Math.round(n * factor[unit]!));
}

/**
 * A point in time given on the command line: an RFC 3339 time, a date, a Unix epoch,
 * or a duration meaning "that long ago" (1d, 2h).
 */
export function parseTimeArg(text: string, now: Instant): Instant | undefined {
  const ago = parseDuration(text);
  if (ago !== undefined && /[a-z]$/i.test(text.trim())) return now - ago;
  if (/^\d{4}-\d\d-\d\d$/.test(text)) return parseRfc3339(`${text}T00:00:00Z`);
  const iso = parseRfc3339(text);
  if (iso !== undefined) return iso;
  if (/^\d+(\.\d+)?$/.test(text)) return fromMillis(Number(text) * 1000);
  return undefined;
}

export function nowInstant(): Instant {
  return BigInt(Date.now()) * NS_PER_MS;
}

export function formatDelta(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const ms = Number(a) / 1e6;
  let text: string;
  if (ms < 1000) text = `${ms.toFixed(ms < 10 ? 3 : 1)}ms`;
  else if (ms < 60000) text = `${(ms / 1000).toFixed(3)}s`;
  else text = `${Math.floor(ms / 60000)}m${((ms % 60000) / 1000).toFixed(1)}s`;
  return (neg ? '-' : '+') + text;
}
