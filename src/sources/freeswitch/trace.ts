// The sofia siptrace in console output and freeswitch.log (FORMATS.md §8.2 A–F): physical lines
// → logical lines (prefixes, syslog escapes) → blocks → rebuilt messages → dated chunks.
import type { Chunk } from '../../model/chunk.js';
import { headerValue, isStartLine, parseSipMessage } from '../../sip/message.js';
import type { SourceContext } from '../source.js';
import { BlockAssembler, type Block } from './blocks.js';
import { tracedChunk, type TracedMessage } from './chunk.js';
import { dayNumber, TraceClock, type ClockState } from './clock.js';
import { StampDater, type Dated } from './dating.js';
import { LinePrefixer, type LogicalLine } from './line-prefix.js';
import { PhysicalLineSplitter, type PhysicalLine } from './lines.js';
import { isSofiaDebugLine, parseLogLine } from './log-line.js';
import { rebuildMessage } from './rebuild.js';
import { findStamp, type Stamp } from './stamp.js';

/** What a checkpoint carries (ctx.checkpoint context / ctx.resumeContext). */
export interface TraceResume {
  v: 1;
  mode: 'trace' | 'dump';
  /** Line number of the line at the checkpoint offset. */
  line: number;
  clock?: ClockState;
}

export function parseResume(x: unknown): TraceResume | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as TraceResume;
  if (r.v !== 1 || (r.mode !== 'trace' && r.mode !== 'dump') || typeof r.line !== 'number') return undefined;
  return r;
}

// Lines of a SIP message: start line, a known header, an SDP line. Used to notice message
// fragments outside any block (a file that starts mid-message), which are counted.
const SIP_HEADER_LINE = /^(?:Via|From|To|Call-ID|CSeq|Contact|Max-Forwards|Content-(?:Length|Type|Disposition|Encoding)|Allow(?:-Events)?|Supported|Require|Proxy-Require|User-Agent|Server|Record-Route|Route|Authorization|Proxy-Authorization|WWW-Authenticate|Proxy-Authenticate|Expires|Min-Expires|Privacy|Session-Expires|Min-SE|Accept(?:-Language|-Encoding)?|Event|Subscription-State|Refer-To|Referred-By|RSeq|RAck|Reason|Remote-Party-ID|Diversion|P-[A-Za-z-]+|X-[A-Za-z-]+|[iftvlmck])\s*:/i;
const SDP_LINE = /^[vosiuepcbtrzkam]=\S/;
const BINARY = /[\x00-\x08\x0e-\x1a\x1c-\x1f]/;

export function looksLikeMessageLine(text: string): boolean {
  return isStartLine(text) || SIP_HEADER_LINE.test(text) || SDP_LINE.test(text);
}

/** A Date header (RFC 3261 §20.17, always GMT) as the reader's local day and time of day. */
function dateHint(clock: TraceClock, value: string | undefined): { day: number; todUs: number } | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : clock.localOf(ms);
}

export async function* readTrace(input: AsyncIterable<Buffer>, ctx: SourceContext, resume: TraceResume | undefined): AsyncGenerator<Chunk> {
  const clock = new TraceClock({ date: ctx.date, year: ctx.year, fileMtime: ctx.fileMtime, utcOffsetMinutes: ctx.utcOffsetMinutes, resume: resume?.clock });
  const dater = new StampDater<TracedMessage>(clock, ctx.date !== undefined);
  const prefixer = new LinePrefixer();
  const asm = new BlockAssembler();
  const startLine = resume && ctx.startOffset > 0 ? resume.line : 1;
  let sawStamp = ctx.startOffset > 0;
  let orphanRun = false;
  /** Where to resume if the pending block is still cut at the end: its stamp, with the state before it. */
  let blockResume: { offset: number; ctx: TraceResume } | undefined;

  const state = (line: number): TraceResume => {
    const s: TraceResume = { v: 1, mode: 'trace', line };
    const c = clock.state();
    if (c) s.clock = c;
    return s;
  };

  // The helpers below append the chunks they complete to `out` (no array per line).
  const toChunks = (dated: Dated<TracedMessage>[], out: Chunk[]): void => {
    for (const d of dated) {
      const t = d.item;
      if (d.guessed) t.flags.push('date-guessed');
      out.push(tracedChunk(t, ctx.parser, ctx.nodeAddress, d.time));
    }
  };

  const emit = (b: Block, out: Chunk[]): void => {
    if (b.overflow) { ctx.skip('block larger than 256 kB'); return; }
    if (b.lines.length === 0) {
      ctx.skip(b.end === 'eof' ? 'block cut at the end of the input before its first line' : 'block without message lines');
      return;
    }
    const r = rebuildMessage(b);
    const msg = parseSipMessage(r.payload);
    if (!r.complete && b.end === 'eof' && headerValue(msg, 'call-id') === undefined) {
      ctx.skip('block cut at the end of the input before its Call-ID');
      return;
    }
    const t: TracedMessage = { msg, stamp: b.stamp, offset: b.pos.offset, line: b.pos.line, flags: r.flags };
    const hint = clock.hasReference ? undefined : dateHint(clock, headerValue(msg, 'date'));
    toChunks(dater.add(t, b.stamp.todUs, hint), out);
  };

  const noteDate = (date: string, todUs: number, out: Chunk[]): void => {
    clock.noteDated(date, todUs);
    if (dater.waiting === 0) return;
    const day = dayNumber(date);
    if (day !== undefined) toChunks(dater.evidence(day, todUs), out);
  };

  /** A line outside any block (or a foreign line inside an indented one when `inside`). */
  const outside = (l: LogicalLine, pl: PhysicalLine, inside: boolean, out: Chunk[], stamp?: Stamp): void => {
    if (l.syslog) {
      if (l.syslog.offsetMinutes !== undefined) clock.noteOffset(l.syslog.offsetMinutes);
      if (l.syslog.date) noteDate(l.syslog.date, l.syslog.todUs, out);
      else if (l.syslog.month) clock.noteMonthDay(l.syslog.month, l.syslog.day!, l.syslog.todUs);
    }
    const text = l.text;
    if (l.prompt) { orphanRun = false; return; }
    if (!inside && text.includes(' bytes ')) {
      const st = stamp ?? findStamp(text);
      if (st) {
        const before = parseLogLine(text.slice(0, st.index));
        if (before) noteDate(before.date, before.todUs, out);
        prefixer.learn(text, st.index);
        asm.start(st, { offset: pl.offset, line: pl.line });
        sawStamp = true;
        orphanRun = false;
        return;
      }
    }
    const log = parseLogLine(text);
    if (log) { orphanRun = false; noteDate(log.date, log.todUs, out); return; }
    if (isSofiaDebugLine(text)) { orphanRun = false; return; }
    if (inside || text.trim() === '') return;
    if (looksLikeMessageLine(text)) {
      if (!orphanRun) ctx.skip(sawStamp ? 'message lines outside a trace block' : 'message cut at the start of the input');
      orphanRun = true;
    } else {
      orphanRun = false;
    }
  };

  let last: PhysicalLine | undefined;
  /** The chunks one physical line completes, appended to `out`. */
  const lineChunks = (pl: PhysicalLine, out: Chunk[]): void => {
    last = pl;
    if (pl.tooLong) {
      ctx.skip('line longer than 256 kB');
      const b = asm.finish('binary');
      if (b) emit(b, out);
    } else if (!(pieceClean && pl.offset >= pieceOffset) && BINARY.test(pl.text)) {
      ctx.skip('binary data');
      const b = asm.finish('binary');
      if (b) emit(b, out);
      orphanRun = false;
    } else {
      for (const l of prefixer.split(pl.text)) {
        let line: LogicalLine | undefined = l;
        let stamp: Stamp | undefined;
        if (asm.pending) {
          const r = asm.feed(line);
          if (r.done) emit(r.done, out);
          line = r.rest;
          stamp = r.stamp;
          if (line && r.inside) { outside(line, pl, true, out); line = undefined; }
        }
        if (line) {
          const wasPending = asm.pending;
          outside(line, pl, false, out, stamp);
          if (!wasPending && asm.pending) blockResume = { offset: pl.offset, ctx: state(pl.line) };
        }
      }
      if (!pl.newline) asm.markCutLine();
    }
  };
  /** After a line's chunks are handed on. */
  const lineDone = (pl: PhysicalLine): void => {
    // Everything before the next line is in chunks once no block is open and no stamp waits for a date.
    if (!asm.pending && dater.waiting === 0) {
      if (pl.newline) ctx.checkpoint(pl.end, state(pl.line + 1));
      else ctx.checkpoint(pl.offset, state(pl.line));
    }
  };

  const splitter = new PhysicalLineSplitter({ offset: ctx.startOffset, line: startLine });
  const out: Chunk[] = [];
  // A piece without binary bytes needs no test per line of its own (one scan of the piece).
  let pieceOffset = ctx.startOffset;
  let pieceClean = false;
  for await (const piece of input) {
    ctx.progress(piece.length);
    const text = piece.toString('latin1');
    pieceClean = !BINARY.test(text);
    splitter.push(text);
    for (let pl = splitter.next(); pl; pl = splitter.next()) {
      lineChunks(pl, out);
      if (out.length > 0) {
        for (const c of out) yield c;
        out.length = 0;
      }
      lineDone(pl);
    }
    pieceOffset += piece.length;
  }
  const finalLine = splitter.end();
  if (finalLine) {
    lineChunks(finalLine, out);
    for (const c of out) yield c;
    out.length = 0;
    lineDone(finalLine);
  }

  // End of input: the open block is cut (or complete by its Content-Length), then the undated rest.
  const b = asm.finish('eof');
  if (b) emit(b, out);
  toChunks(dater.flush(), out);
  for (const c of out) yield c;
  const cut = b !== undefined && (b.lines.length === 0 || b.cutLine
    || out.some((c) => c.flags?.includes('truncated') && c.source?.offset === b.pos.offset));
  if (cut && blockResume) {
    // Read this block again next time: the file may grow and complete it.
    ctx.checkpoint(blockResume.offset, blockResume.ctx);
  } else if (last) {
    ctx.checkpoint(last.newline ? last.end : last.offset, state(last.newline ? last.line + 1 : last.line));
  }
}
