// Line prefixes in front of siptrace lines (FORMATS.md §8.2 C, F; §8.3 step 1): a fixed text
// learned from the stamp line (Kazoo's sipify.sh puts the Call-ID and a space before every
// line), a hand-numbered "1-> " counter, fs_cli prompts, ANSI colours from fs_cli, and rsyslog
// heads whose payload has its control characters escaped as #ooo (the stamp's newline arrives
// as "#012", so one physical line can hold several logical ones).
import { findStamp, todMicros } from './stamp.js';
import { parseLogLine } from './log-line.js';

/** Time evidence carried by a syslog head. */
export interface SyslogTime {
  /** YYYY-MM-DD (RFC 3339 heads). */
  date?: string;
  /** Month and day (BSD heads, no year). */
  month?: number;
  day?: number;
  todUs: number;
  /** The zone offset an RFC 3339 head states, in minutes. */
  offsetMinutes?: number;
}

export interface LogicalLine {
  text: string;
  /** An fs_cli prompt ("freeswitch@host> "): ends a current-layout block. */
  prompt?: boolean;
  /** Came through a syslog head (first logical line of the record only). */
  syslog?: SyslogTime;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BSD_HEAD = /^(?:<\d{1,3}>)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? \S+ [^\s:[\]]+(?:\[\d+\])?: ?/;
const RFC3339_HEAD = /^(?:<\d{1,3}>)?(?:1 )?(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d) \S+ [^\s:[\]]+(?:\[\d+\])?: ?/;
const PROMPT = /^[\w.-]+@[\w.-]+>(?: |$)/;
const COUNTER = /^\d+-> /;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const SYSLOG_ESCAPE = /#([0-3][0-7][0-7])/g;

/** BSD_HEAD starts with "<" or a month's initial. */
const BSD_FIRST = new Set(['<', 'J', 'F', 'M', 'A', 'S', 'O', 'N', 'D']);

/**
 * PROMPT's necessary condition, without a regex call for every line: the leading run of
 * [\w.-] is not empty and ends at an "@" (header and SDP lines end it at ":" or "=").
 */
function mayBePrompt(line: string): boolean {
  let i = 0;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x2d)) break;
  }
  return i > 0 && line.charCodeAt(i) === 0x40;
}

export function matchSyslogHead(line: string): { length: number; time: SyslogTime } | undefined {
  // Asked of every line: the first character rules out one pattern or both (a regex call each).
  const c = line.charCodeAt(0);
  let m = c === 0x3c || (c >= 0x30 && c <= 0x39) ? RFC3339_HEAD.exec(line) : null;
  if (m) {
    const zone = m[8]!;
    let offsetMinutes = 0;
    if (zone !== 'Z') {
      const digits = zone.slice(1).replace(':', '');
      offsetMinutes = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    }
    return {
      length: m[0].length,
      time: { date: `${m[1]}-${m[2]}-${m[3]}`, todUs: todMicros(+m[4]!, +m[5]!, +m[6]!, m[7] ?? ''), offsetMinutes },
    };
  }
  m = BSD_FIRST.has(line.charAt(0)) ? BSD_HEAD.exec(line) : null;
  if (m) {
    return {
      length: m[0].length,
      time: { month: MONTHS.indexOf(m[1]!) + 1, day: Number(m[2]!.trim()), todUs: todMicros(+m[3]!, +m[4]!, +m[5]!, m[6] ?? '') },
    };
  }
  return undefined;
}

/** rsyslog's control-character escapes (#012 = LF, #011 = TAB, #015 = CR) back to bytes. */
export function unescapeSyslog(text: string): string {
  if (!text.includes('#')) return text;
  return text.replace(SYSLOG_ESCAPE, (all, oct: string) => {
    const code = parseInt(oct, 8);
    return code < 32 || code === 127 ? String.fromCharCode(code) : all;
  });
}

/**
 * Turns physical lines into logical trace lines. It learns the prefix from each stamp line
 * (the text before "recv"/"send") and strips it from the lines that follow.
 */
export class LinePrefixer {
  private literal: string | undefined;
  private counter = false;
  /** Spaces between the syslog "tag:" and the payload beyond the first (Kazoo's ":  "). */
  private syslogSpaces = 0;
  /** Whether the last split line had the learned prefix (or counter) removed. */
  private stripped = false;

  split(physical: string): LogicalLine[] {
    this.stripped = false;
    let line = physical.includes('\x1b') ? physical.replace(ANSI, '') : physical;
    const head = matchSyslogHead(line);
    if (head) {
      let payload = line.slice(head.length);
      if (payload.includes(' bytes ')) {
        const st = findStamp(payload);
        if (st && payload.slice(0, st.index).trim() === '') this.syslogSpaces = st.index;
      }
      let n = 0;
      while (n < this.syslogSpaces && payload[n] === ' ') n++;
      payload = payload.slice(n);
      const parts = unescapeSyslog(payload).split('\n').map((p) => p.replace(/\r$/, ''));
      return parts.map((text, i) => (i === 0 ? { text, syslog: head.time } : { text }));
    }
    if (this.literal !== undefined && line.startsWith(this.literal)) {
      line = line.slice(this.literal.length);
      this.stripped = true;
    } else if (this.counter && COUNTER.test(line)) {
      line = line.replace(COUNTER, '');
      this.stripped = true;
    }
    const prompt = mayBePrompt(line) ? PROMPT.exec(line) : null;
    if (prompt) {
      const rest = line.slice(prompt[0].length);
      return rest.trim() === '' ? [{ text: '', prompt: true }] : [{ text: '', prompt: true }, { text: rest }];
    }
    return [{ text: line }];
  }

  /**
   * A stamp was found at `index` in a logical line: what precedes it is this block's prefix.
   * Returns the stamp's own text (from "recv"/"send" on).
   */
  learn(text: string, index: number): string {
    const prefix = text.slice(0, index);
    if (index === 0 || prefix.trim() === '') {
      // The same prefix again (already stripped) keeps it; a bare stamp ends it.
      if (!this.stripped) {
        this.literal = undefined;
        this.counter = false;
      }
    } else if (COUNTER.test(prefix) && COUNTER.exec(prefix)![0] === prefix) {
      this.counter = true;
      this.literal = undefined;
    } else if (parseLogLine(prefix) === undefined) {
      // A log-line prefix would date the stamp only; any other text repeats on every line.
      this.literal = prefix;
      this.counter = false;
    }
    return text.slice(index);
  }
}
