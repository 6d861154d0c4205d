// Kamailio log reader (format 'kamailio'): syslog / rsyslog / stderr lines in Kazoo's
// `callid|tag|text` scheme become one log chunk per transaction; the other styles that name a
// Call-ID become annotation chunks; everything else is a counted skip.
//
// Grouping:
// - Kazoo transactions are keyed by Call-ID and process id: one Kamailio process logs one
//   message's route from start to pass/end/stop, so two processes working on the same call at
//   the same moment no longer merge into one chunk (KAZOO.md §8 item 33).
// - Annotations are grouped by Call-ID and process within one whole second of log time: a group
//   closes when a line from another second arrives, or when its process logs another Call-ID.
//
// Incremental ingest: a checkpoint is declared at every line end where no transaction and no
// annotation group is pending, with the year/month/last time and line number to resume with.
// A transaction still open at the end of the input is emitted flagged 'truncated' (the store
// lets a later, complete chunk with the same parser and source offset replace it). A last line
// without a newline may be half written: it is read, its chunk is flagged 'truncated', and no
// checkpoint is declared past it.
import type { Endpoint } from '../../model/address.js';
import type { Chunk } from '../../model/chunk.js';
import { fromMillis, NS_PER_S, parseRfc3339, type Instant } from '../../model/time.js';
import type { SourceContext } from '../source.js';
import { chunkFromAnnotations, type AnnotationGroup } from './annotation-chunk.js';
import { chunkFromTransaction, isKnownTag, parseKazooLine, statedSelfAddress, type Transaction } from './kazoo-scheme.js';
import { logLines } from './log-lines.js';
import { parseAnnotation } from './log-prefix.js';
import { LineClock, parsePrefix, type TimeContext } from './syslog-prefix.js';

const LEVEL_START = /^(?:[A-Z]+|L_[A-Z0-9_]+): /;
const JSON_LEVEL = /^\s*\{.*"level"\s*:/;

export interface KamailioResumeContext extends TimeContext {
  /** Line number of the line at the checkpoint offset. */
  line?: number;
}

function resumeContextOf(v: unknown): KamailioResumeContext | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  return {
    year: typeof o.year === 'number' ? o.year : undefined,
    month: typeof o.month === 'number' ? o.month : undefined,
    last: typeof o.last === 'string' && /^-?\d+$/.test(o.last) ? o.last : undefined,
    line: typeof o.line === 'number' ? o.line : undefined,
  };
}

/** The input stream starts at ctx.startOffset (resume mode 'seek', sources/registry.ts). */
export async function* readKamailioLog(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  const resume = resumeContextOf(ctx.resumeContext);
  const clock = new LineClock({ year: ctx.year, fileMtime: ctx.fileMtime, utcOffsetMinutes: ctx.utcOffsetMinutes, resume });
  const firstLineNo = resume?.line ?? (ctx.startOffset === 0 ? 1 : 0);
  const txns = new Map<string, Transaction>();
  const groups = new Map<string, AnnotationGroup>();
  const groupOfPid = new Map<string, string>();
  const unknownTags = new Map<string, number>();
  // Kamailio's own address as the log itself states it, for transactions that do not (an
  // internal reply): the first one seen in this run.
  let statedNodeAddress: Endpoint | undefined;
  const build = (t: Transaction, flags?: string[]) => {
    statedNodeAddress ??= statedSelfAddress(t);
    return chunkFromTransaction(t, { parser: ctx.parser, nodeAddress: ctx.nodeAddress, statedNodeAddress, flags });
  };
  const closeGroup = (key: string): Chunk => {
    const g = groups.get(key)!;
    groups.delete(key);
    const pidKey = String(g.pid ?? '');
    if (groupOfPid.get(pidKey) === key) groupOfPid.delete(pidKey);
    return chunkFromAnnotations(g, ctx.parser);
  };

  let lastEnd = ctx.startOffset;
  let lastTerminated = true;
  let lastNextLineNo = firstLineNo;
  for await (const line of logLines(input, ctx.startOffset, firstLineNo, (n) => ctx.progress(n))) {
    lastEnd = line.end;
    lastTerminated = line.terminated;
    const nextLineNo = line.lineNo > 0 ? line.lineNo + 1 : 0;
    lastNextLineNo = nextLineNo;
    if (line.bad) {
      ctx.skip(line.bad);
    } else if (line.text.trim() !== '') {
      const prefix = parsePrefix(line.text);
      const parsed = clock.resolve(prefix);
      const kazoo = parseKazooLine(prefix.rest);
      const annotation = kazoo ? undefined : parseAnnotation(prefix.rest);
      let time: Instant | undefined = parsed;
      if (time === undefined && annotation?.jsonTime !== undefined) time = jsonTime(annotation.jsonTime);
      const timeKnown = time !== undefined;
      time ??= clock.fallback();
      const second = time / NS_PER_S;

      // Annotation groups end with their second.
      for (const [key, g] of groups) if (g.second !== second) yield closeGroup(key);

      if (kazoo) {
        const key = `${kazoo.callId}\u0000${prefix.pid ?? ''}`;
        const entry = { tag: kazoo.tag, text: kazoo.text, time, timeKnown, offset: line.offset, lineNo: line.lineNo, terminated: line.terminated };
        if (!isKnownTag(kazoo.tag)) unknownTags.set(kazoo.tag, (unknownTags.get(kazoo.tag) ?? 0) + 1);
        let t = txns.get(key);
        if (kazoo.tag === 'start' && t) {
          txns.delete(key);
          yield build(t);
          t = undefined;
        }
        if (!t) {
          t = { callId: kazoo.callId, lines: [] };
          txns.set(key, t);
        }
        t.lines.push(entry);
        const closes = kazoo.tag === 'pass' || kazoo.tag === 'end' || kazoo.tag === 'stop'
          // Kazoo emitted at once on "log|external …" so that consecutive external replies stay apart.
          || (kazoo.tag === 'log' && /^external\b/i.test(kazoo.text));
        if (closes) {
          txns.delete(key);
          yield build(t);
        }
      } else if (annotation) {
        const pid = prefix.pid ?? annotation.pid;
        const pidKey = String(pid ?? '');
        const key = `${annotation.callId}\u0000${pidKey}`;
        const open = groupOfPid.get(pidKey);
        if (open !== undefined && open !== key && groups.has(open)) yield closeGroup(open);
        let g = groups.get(key);
        if (!g) {
          g = { callId: annotation.callId, pid, second, lines: [] };
          groups.set(key, g);
        }
        groupOfPid.set(pidKey, key);
        g.lines.push({ annotation, text: prefix.rest, time, timeKnown, offset: line.offset, lineNo: line.lineNo, terminated: line.terminated });
      } else {
        // A Kamailio line that names no Call-ID (core start-up, parser debug…) vs. anything else.
        const kamailioLine = prefix.recognised || LEVEL_START.test(prefix.rest) || JSON_LEVEL.test(prefix.rest);
        ctx.skip(kamailioLine ? 'no call-id' : 'unrecognised line');
      }
    }
    if (line.terminated && txns.size === 0 && groups.size === 0) {
      ctx.checkpoint(line.end, { ...clock.context(), line: nextLineNo || undefined } satisfies KamailioResumeContext);
    }
  }

  for (const key of [...groups.keys()]) yield closeGroup(key);
  if (lastTerminated && txns.size === 0) ctx.checkpoint(lastEnd, { ...clock.context(), line: lastNextLineNo || undefined } satisfies KamailioResumeContext);
  for (const t of txns.values()) yield build(t, ['truncated']);
  if (txns.size > 0) ctx.warn(`${txns.size} transaction${txns.size === 1 ? '' : 's'} still open at the end of the input (stored flagged truncated)`);
  if (unknownTags.size > 0) {
    const list = [...unknownTags].map(([tag, n]) => `${tag}: ${n}`).join(', ');
    ctx.warn(`unknown Kazoo tags appended to their transactions (${list})`);
  }
}

/** A time inside a JSON log line: epoch seconds (or ms) as a number, or RFC 3339 text. */
function jsonTime(v: string | number): Instant | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? fromMillis(v > 1e11 ? v : v * 1000) : undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return jsonTime(Number(v));
  return parseRfc3339(v);
}
