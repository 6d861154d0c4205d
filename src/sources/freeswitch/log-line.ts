// Ordinary freeswitch.log lines (FORMATS.md §9) and sofia-sip debug lines. They date the
// siptrace (the stamp has only a time of day) and end a current-layout block: FreeSWITCH writes
// them directly after a body, with no blank line (§8.2 D).
import { todMicros } from './stamp.js';

export interface LogLine {
  /** YYYY-MM-DD as written (local time, no zone). */
  date: string;
  /** Microseconds since midnight. */
  todUs: number;
  level: string;
}

// [uuid ]YYYY-MM-DD hh:mm:ss[.uuuuuu] [NN.NN% ][LEVEL]  — the uuid with mod_logfile uuid=true,
// the idle-CPU percentage in recent 1.10.x, no fraction around 1.0.
const LOG_LINE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} )?(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?: +\d{1,3}\.\d\d%)? +\[([A-Z]+)\]/;

// What Kazoo cut at: a console line glued into a trace line with no newline.
const EMBEDDED = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}(?: +\d{1,3}\.\d\d%)? +\[(?:DEBUG|INFO|NOTICE|WARNING|ERR|CRIT|ALERT|CONSOLE)\] /;

// sofia-sip's SU_DEBUG output: "tport.c:3273 tport_tsend() …", "nua_session.c:4149 …".
const SOFIA_DEBUG = /^[a-z_][a-z0-9_]*\.c:\d+ /;

export function parseLogLine(text: string): LogLine | undefined {
  // Asked of nearly every line: one that does not start with a digit or a-f (the uuid's first
  // character) cannot match, and most trace lines are headers.
  const c = text.charCodeAt(0);
  if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return undefined;
  const m = LOG_LINE.exec(text);
  if (!m) return undefined;
  const mon = Number(m[2]), day = Number(m[3]);
  const h = Number(m[4]), mi = Number(m[5]), s = Number(m[6]);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return { date: `${m[1]}-${m[2]}-${m[3]}`, todUs: todMicros(h, mi, s, m[7] ?? ''), level: m[8]! };
}

export function isSofiaDebugLine(text: string): boolean {
  const c = text.charCodeAt(0);
  return ((c >= 0x61 && c <= 0x7a) || c === 0x5f) && SOFIA_DEBUG.test(text);
}

/** Index (> 0) where a dated console line starts inside a line, or -1. */
export function findEmbeddedLogLine(text: string): number {
  // Every message line is asked: most have no " [" for the level, and the unanchored pattern
  // would otherwise be tried at every position.
  if (!text.includes(' [')) return -1;
  const m = EMBEDDED.exec(text);
  return m && m.index > 0 ? m.index : -1;
}
