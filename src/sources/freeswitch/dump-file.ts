// The sofia-sip dump file (TPORT_DUMP / a sip-dump-file profile parameter; FORMATS.md §8.2 G),
// written by tport_dump_iovec: a "dump started at <ctime>" line (the only date), then per
// message the stamp ("recv … from" / "sent … to"), the raw bytes unchanged (CRLF kept) and
// "\v\n". Frames are cut by the stamp's byte count first, since \v may occur inside a body; a
// frame whose count is off is resynchronised on the next "\v\n" that a stamp follows.
// logrotate's copytruncate leaves a partial first frame: counted and skipped.
import type { Chunk } from '../../model/chunk.js';
import { findHeaderEnd, headerValue, parseSipMessage } from '../../sip/message.js';
import type { SourceContext } from '../source.js';
import { tracedChunk, type TracedMessage } from './chunk.js';
import { dayNumber, TraceClock } from './clock.js';
import { StampDater, type Dated } from './dating.js';
import { findStamp, todMicros, type Stamp } from './stamp.js';
import type { TraceResume } from './trace.js';

export const MAX_FRAME_BYTES = 256 * 1024;
const MAX_STAMP_LINE = 512;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DUMP_START = /^dump started at (?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})/;
const FRAME_END = Buffer.from('\x0b\n', 'latin1');

/** A dump file's signature in its first bytes (FORMATS.md §11). */
export function isDumpFile(head: Buffer): boolean {
  const text = head.toString('latin1');
  return /^dump started at /m.test(text) || (/^(recv|sent) \d+ bytes (from|to) /m.test(text) && text.includes('\x0b\n'));
}

/** "dump started at Thu Mar  3 10:00:00 2022" → local date and time of day. */
export function parseDumpStart(line: string): { date: string; todUs: number } | undefined {
  const m = DUMP_START.exec(line);
  if (!m) return undefined;
  const mon = MONTHS.indexOf(m[1]!) + 1;
  if (mon === 0) return undefined;
  return { date: `${m[6]}-${String(mon).padStart(2, '0')}-${m[2]!.padStart(2, '0')}`, todUs: todMicros(+m[3]!, +m[4]!, +m[5]!, '') };
}

function countLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a, from); i >= 0 && i < to; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Dump stamps are written by the tracer at the start of a line, never after a prefix. */
function dumpStamp(line: string): Stamp | undefined {
  const st = findStamp(line);
  return st && st.index === 0 && st.end === line.length ? st : undefined;
}

/**
 * The messages of one frame. A stream transport's recv may hold several messages (or a part
 * of one): split by header end + Content-Length while what follows starts another message.
 */
export function splitFrame(payload: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < payload.length) {
    const he = findHeaderEnd(payload, at);
    if (he < 0) { out.push(payload.subarray(at)); break; }
    const cl = /\r?\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(payload.toString('latin1', at, he));
    const end = cl ? Math.min(payload.length, he + Number(cl[1])) : payload.length;
    out.push(payload.subarray(at, end));
    at = end;
    while (at < payload.length && (payload[at] === 0x0d || payload[at] === 0x0a)) at++;
  }
  return out;
}

export async function* readDumpFile(input: AsyncIterable<Buffer>, ctx: SourceContext, resume: TraceResume | undefined): AsyncGenerator<Chunk> {
  const clock = new TraceClock({ date: ctx.date, year: ctx.year, fileMtime: ctx.fileMtime, utcOffsetMinutes: ctx.utcOffsetMinutes, resume: resume?.clock });
  const dater = new StampDater<TracedMessage>(clock, ctx.date !== undefined);
  let buf = Buffer.alloc(0);
  let base = ctx.startOffset;       // absolute offset of buf[0]
  let lineNo = resume && ctx.startOffset > 0 ? resume.line : 1; // line number at buf[0]
  let junkRun = false;
  let skipBytes = 0;                // the rest of an oversized frame
  let eof = false;

  const state = (line: number): TraceResume => {
    const s: TraceResume = { v: 1, mode: 'dump', line };
    const c = clock.state();
    if (c) s.clock = c;
    return s;
  };
  const toChunks = (dated: Dated<TracedMessage>[]): Chunk[] => dated.map((d) => {
    if (d.guessed) d.item.flags.push('date-guessed');
    return tracedChunk(d.item, ctx.parser, ctx.nodeAddress, d.time);
  });
  const consume = (n: number): void => {
    lineNo += countLines(buf, 0, n);
    buf = buf.subarray(n);
    base += n;
  };

  const frame = (stamp: Stamp, offset: number, line: number, payload: Buffer, flags: string[]): Chunk[] => {
    const out: Chunk[] = [];
    for (const part of splitFrame(payload)) {
      const msg = parseSipMessage(part);
      const t: TracedMessage = { msg, stamp, offset, line, flags: [...flags] };
      if (stamp.sigcomp) t.flags.push('sigcomp');
      let hint: { day: number; todUs: number } | undefined;
      if (!clock.hasReference) {
        const ms = Date.parse(headerValue(msg, 'date') ?? '');
        if (!Number.isNaN(ms)) hint = clock.localOf(ms);
      }
      out.push(...toChunks(dater.add(t, stamp.todUs, hint)));
    }
    return out;
  };

  /** Next step on the buffer: chunks made, or undefined when more bytes are needed. */
  const step = (): { chunks: Chunk[]; checkpoint?: boolean } | undefined => {
    if (skipBytes > 0) {
      const n = Math.min(skipBytes, buf.length);
      consume(n);
      skipBytes -= n;
      return n > 0 ? { chunks: [] } : undefined;
    }
    const nl = buf.indexOf(0x0a);
    if (nl < 0) {
      if (!eof) {
        if (buf.length > MAX_STAMP_LINE) { ctx.skip('binary data'); consume(buf.length); return { chunks: [] }; }
        return undefined;
      }
      if (buf.length === 0) return undefined;
      const rest = buf.toString('latin1');
      if (rest.trim() !== '' && !dumpStamp(rest.replace(/\r$/, ''))) ctx.skip(junkRun ? 'frame cut at the start of the input' : 'text outside a frame');
      consume(buf.length);
      return { chunks: [] };
    }
    const line = buf.toString('latin1', 0, nl).replace(/\r$/, '');
    const start = parseDumpStart(line);
    if (start) {
      junkRun = false;
      consume(nl + 1);
      clock.noteDated(start.date, start.todUs);
      const day = dayNumber(start.date);
      const chunks = dater.waiting && day !== undefined ? toChunks(dater.evidence(day, start.todUs)) : [];
      return { chunks, checkpoint: true };
    }
    const stamp = line.length <= MAX_STAMP_LINE ? dumpStamp(line) : undefined;
    if (!stamp) {
      if (line.trim() !== '' && line !== '\x0b') {
        if (!junkRun) ctx.skip(base === 0 || ctx.startOffset === base ? 'frame cut at the start of the input' : 'text outside a frame');
        junkRun = true;
      }
      consume(nl + 1);
      return { chunks: [], checkpoint: !junkRun };
    }
    junkRun = false;
    const offset = base, line1 = lineNo;
    const bodyAt = nl + 1;
    if (stamp.bytes > MAX_FRAME_BYTES) {
      ctx.skip('frame larger than 256 kB');
      consume(bodyAt);
      skipBytes = stamp.bytes + FRAME_END.length;
      return { chunks: [] };
    }
    const need = bodyAt + stamp.bytes + FRAME_END.length;
    if (buf.length >= need && buf.subarray(need - 2, need).equals(FRAME_END)) {
      const payload = Buffer.from(buf.subarray(bodyAt, bodyAt + stamp.bytes));
      consume(need);
      return { chunks: frame(stamp, offset, line1, payload, []), checkpoint: true };
    }
    if (buf.length < need && !eof) return undefined; // wait for the counted frame
    // The count does not frame it: the first "\v\n" that a stamp, a dump header or the end of
    // the input follows.
    const limit = bodyAt + MAX_FRAME_BYTES + FRAME_END.length;
    for (let i = buf.indexOf(FRAME_END, bodyAt); i >= 0 && i < limit; i = buf.indexOf(FRAME_END, i + 1)) {
      const after = i + FRAME_END.length;
      const nextNl = buf.indexOf(0x0a, after);
      if (nextNl < 0 && !eof) return undefined;
      const next = buf.toString('latin1', after, nextNl < 0 ? buf.length : nextNl).replace(/\r$/, '');
      if (after === buf.length || dumpStamp(next) || parseDumpStart(next) !== undefined) {
        const payload = Buffer.from(buf.subarray(bodyAt, i));
        consume(after);
        return { chunks: frame(stamp, offset, line1, payload, ['byte-count-mismatch']), checkpoint: true };
      }
    }
    if (!eof && buf.length < limit) return undefined;
    if (eof) {
      // Cut by the end of the input: keep what was written, flagged, and read it again next time.
      const payload = Buffer.from(buf.subarray(bodyAt));
      consume(buf.length);
      const chunks = payload.toString('latin1').trim() === '' ? [] : frame(stamp, offset, line1, payload, ['truncated']);
      if (chunks.length === 0) ctx.skip('frame cut at the end of the input before its first line');
      cutAtEof = { offset, line: line1 };
      return { chunks };
    }
    ctx.skip('frame without an end');
    consume(bodyAt);
    return { chunks: [] };
  };

  let cutAtEof: { offset: number; line: number } | undefined;
  let stateBeforeCut: TraceResume | undefined;
  const run = function* (): Generator<Chunk> {
    for (;;) {
      const before = state(lineNo);
      const r = step();
      if (!r) return;
      for (const c of r.chunks) yield c;
      if (cutAtEof && !stateBeforeCut) stateBeforeCut = before;
      if (r.checkpoint && dater.waiting === 0 && skipBytes === 0 && !junkRun) ctx.checkpoint(base, state(lineNo));
    }
  };

  for await (const piece of input) {
    ctx.progress(piece.length);
    buf = buf.length ? Buffer.concat([buf, piece]) : Buffer.from(piece);
    yield* run();
  }
  eof = true;
  yield* run();
  const rest = toChunks(dater.flush());
  for (const c of rest) yield c;
  if (cutAtEof && stateBeforeCut) ctx.checkpoint(cutAtEof.offset, stateBeforeCut);
  else if (dater.waiting === 0) ctx.checkpoint(base, state(lineNo));
}
