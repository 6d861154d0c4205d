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
import { LineSplitter, type LogLine } from './log-lines.js';
import { parseAnnotation, type Annotation } from './log-prefix.js';
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

/** A checkpoint declared between chunks: reported just before the next chunk is handed on. */
interface CheckpointMark {
  checkpoint: number;
  context: KamailioResumeContext;
}

/** The input stream starts at ctx.startOffset (resume mode 'seek', sources/registry.ts). */
export async function* readKamailioLog(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  const resume = resumeContextOf(ctx.resumeContext);
  const firstLineNo = resume?.line ?? (ctx.startOffset === 0 ? 1 : 0);
  const grouper = new LineGrouper(ctx, resume, firstLineNo);
  const splitter = new LineSplitter(ctx.startOffset, firstLineNo);
  // Lines are handled in a plain loop over each piece; chunks and checkpoints are handed on in
  // the order they arose, so that when the ingest sees a chunk the checkpoint it holds is the
  // one a line-by-line reader would have declared by then. Checkpoints without a chunk after
  // them wait for the end of the piece (most lines end a possible checkpoint: building each
  // resume context would cost more than the line).
  const handOn = function* (out: (Chunk | CheckpointMark)[]) {
    for (const x of out) {
      if ('checkpoint' in x) ctx.checkpoint(x.checkpoint, x.context);
      else yield x;
    }
  };
  for await (const piece of input) {
    ctx.progress(piece.length);
    for (const line of splitter.push(piece)) {
      grouper.line(line);
      if (grouper.hasChunks) for (const c of handOn(grouper.take())) yield c;
    }
    for (const c of handOn(grouper.take())) yield c;
  }
  const last = splitter.end();
  if (last) grouper.line(last);
  grouper.finish();
  for (const c of handOn(grouper.take())) yield c;
}

/** Kazoo transactions and annotation groups, built line by line (see the comment at the top). */
class LineGrouper {
  private readonly clock: LineClock;
  private readonly txns = new Map<string, Transaction>();
  private readonly groups = new Map<string, AnnotationGroup>();
  private readonly groupOfPid = new Map<string, string>();
  private readonly unknownTags = new Map<string, number>();
  // Kamailio's own address as the log itself states it, for transactions that do not (an
  // internal reply): the first one seen in this run.
  private statedNodeAddress: Endpoint | undefined;
  private out: (Chunk | CheckpointMark)[] = [];
  /** The latest line end where nothing was pending, not yet put in `out` (offset, or -1). */
  private safeEnd = -1;
  private safeLineNo = 0;
  // The clock's state at that line end (the resume context), kept as plain fields.
  private safeYear: number | undefined;
  private safeMonth: number | undefined;
  private safeLast: Instant | undefined;
  private lastEnd: number;
  private lastTerminated = true;
  private lastNextLineNo: number;
  // The transaction key of the last Kazoo line, and what it was made of.
  private lastCallId: string | undefined;
  private lastPid: number | undefined;
  private lastKey = '';

  constructor(private readonly ctx: SourceContext, resume: KamailioResumeContext | undefined, firstLineNo: number) {
    this.clock = new LineClock({ year: ctx.year, fileMtime: ctx.fileMtime, utcOffsetMinutes: ctx.utcOffsetMinutes, resume });
    this.lastEnd = ctx.startOffset;
    this.lastNextLineNo = firstLineNo;
  }

  get hasChunks(): boolean {
    return this.out.length > 0;
  }

  /** What the lines so far produced: chunks, with the checkpoints declared between them. */
  take(): (Chunk | CheckpointMark)[] {
    this.markSafe();
    const out = this.out;
    this.out = [];
    return out;
  }

  // The resume context (a bigint as text) is built only when it is handed on, once per chunk
  // at most, not at every line end.
  private markSafe(): void {
    if (this.safeEnd < 0) return;
    // timeContext's fields, then the line (no intermediate object to spread).
    const context: KamailioResumeContext = { year: this.safeYear, month: this.safeMonth, last: this.safeLast?.toString(), line: this.safeLineNo || undefined };
    this.out.push({ checkpoint: this.safeEnd, context });
    this.safeEnd = -1;
  }

  private emit(c: Chunk): void {
    this.markSafe();
    this.out.push(c);
  }

  private build(t: Transaction, flags?: string[]): Chunk {
    this.statedNodeAddress ??= statedSelfAddress(t);
    return chunkFromTransaction(t, { parser: this.ctx.parser, nodeAddress: this.ctx.nodeAddress, statedNodeAddress: this.statedNodeAddress, flags });
  }

  private closeGroup(key: string): Chunk {
    const g = this.groups.get(key)!;
    this.groups.delete(key);
    const pidKey = String(g.pid ?? '');
    if (this.groupOfPid.get(pidKey) === key) this.groupOfPid.delete(pidKey);
    return chunkFromAnnotations(g, this.ctx.parser);
  }

  line(line: LogLine): void {
    const { ctx, clock, txns, groups } = this;
    this.lastEnd = line.end;
    this.lastTerminated = line.terminated;
    const nextLineNo = line.lineNo > 0 ? line.lineNo + 1 : 0;
    this.lastNextLineNo = nextLineNo;
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

      // Annotation groups end with their second.
      if (groups.size > 0) {
        const second = time / NS_PER_S;
        for (const [key, g] of groups) if (g.second !== second) this.emit(this.closeGroup(key));
      }

      if (kazoo) {
        // A transaction's lines mostly come one after another: the key of the line before is
        // reused (a string already hashed) instead of built and hashed again.
        let key: string;
        if (kazoo.callId === this.lastCallId && prefix.pid === this.lastPid) key = this.lastKey;
        else {
          key = `${kazoo.callId}\u0000${prefix.pid ?? ''}`;
          this.lastCallId = kazoo.callId;
          this.lastPid = prefix.pid;
          this.lastKey = key;
        }
        const entry = { tag: kazoo.tag, text: kazoo.text, time, timeKnown, offset: line.offset, lineNo: line.lineNo, terminated: line.terminated };
        if (!isKnownTag(kazoo.tag)) this.unknownTags.set(kazoo.tag, (this.unknownTags.get(kazoo.tag) ?? 0) + 1);
        let t = txns.get(key);
        if (kazoo.tag === 'start' && t) {
          txns.delete(key);
          this.emit(this.build(t));
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
          this.emit(this.build(t));
        }
      } else if (annotation) {
        this.annotate(annotation, prefix.pid ?? annotation.pid, prefix.rest, time, timeKnown, line);
      } else {
        // A Kamailio line that names no Call-ID (core start-up, parser debug…) vs. anything else.
        const kamailioLine = prefix.recognised || LEVEL_START.test(prefix.rest) || JSON_LEVEL.test(prefix.rest);
        ctx.skip(kamailioLine ? 'no call-id' : 'unrecognised line');
      }
    }
    if (line.terminated && txns.size === 0 && groups.size === 0) {
      this.safeEnd = line.end;
      this.safeLineNo = nextLineNo;
      this.safeYear = clock.year;
      this.safeMonth = clock.month;
      this.safeLast = clock.last;
    }
  }

  private annotate(annotation: Annotation, pid: number | undefined, text: string, time: Instant, timeKnown: boolean, line: LogLine): void {
    const { groups, groupOfPid } = this;
    const pidKey = String(pid ?? '');
    const key = `${annotation.callId}\u0000${pidKey}`;
    const open = groupOfPid.get(pidKey);
    if (open !== undefined && open !== key && groups.has(open)) this.emit(this.closeGroup(open));
    let g = groups.get(key);
    if (!g) {
      g = { callId: annotation.callId, pid, second: time / NS_PER_S, lines: [] };
      groups.set(key, g);
    }
    groupOfPid.set(pidKey, key);
    g.lines.push({ annotation, text, time, timeKnown, offset: line.offset, lineNo: line.lineNo, terminated: line.terminated });
  }

  /** End of input: open groups are emitted, open transactions flagged truncated. */
  finish(): void {
    const { ctx, txns } = this;
    for (const key of [...this.groups.keys()]) this.emit(this.closeGroup(key));
    this.markSafe();
    if (this.lastTerminated && txns.size === 0) {
      this.out.push({ checkpoint: this.lastEnd, context: { ...this.clock.context(), line: this.lastNextLineNo || undefined } });
    }
    for (const t of txns.values()) this.emit(this.build(t, ['truncated']));
    if (txns.size > 0) ctx.warn(`${txns.size} transaction${txns.size === 1 ? '' : 's'} still open at the end of the input (stored flagged truncated)`);
    if (this.unknownTags.size > 0) {
      const list = [...this.unknownTags].map(([tag, n]) => `${tag}: ${n}`).join(', ');
      ctx.warn(`unknown Kazoo tags appended to their transactions (${list})`);
    }
  }
}

/** A time inside a JSON log line: epoch seconds (or ms) as a number, or RFC 3339 text. */
function jsonTime(v: string | number): Instant | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? fromMillis(v > 1e11 ? v : v * 1000) : undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return jsonTime(Number(v));
  return parseRfc3339(v);
}
