// One input (file or stdin) → detected format → reader → chunks into the sink, with resume state.
// I/O lives here and in the CLI; the readers are pure transformations of bytes into chunks.
import { createReadStream, promises as fsp, type Stats } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { resolve } from 'node:path';
import type { Endpoint } from '../model/address.js';
import { detectFormat, type Detection } from '../sources/detect.js';
import { loadReader, resumeMode } from '../sources/registry.js';
import type { InputFormat, SourceContext } from '../sources/source.js';
import type { ChunkSink } from '../store/sink.js';
import { DistinctCalls } from './distinct-calls.js';
import { heapCap } from '../store/heap-cap.js';
import type { Store } from '../store/store.js';
import { decideResume, HEAD_BYTES, headHash, loadInputState, saveInputState } from './input-state.js';

// Between batches (see heap-cap.ts): what an ingest holds live is a batch and the readers' state.
const capHeap = heapCap(32);

export interface IngestOptions {
  format?: InputFormat;
  parser?: string;
  nodeAddress?: Endpoint;
  date?: string;
  year?: number;
  utcOffsetMinutes?: number;
  /** Ignore saved resume state and read every input from the start. */
  full?: boolean;
  /** An input of no known format is skipped with a note instead of failing (directory contents). */
  skipUnrecognised?: boolean;
  onProgress?: (input: string, bytesDone: number, bytesTotal: number | undefined) => void;
  onWarn?: (input: string, message: string) => void;
  /** Distinct calls over a whole run of several inputs (each input also counts its own). */
  runCalls?: DistinctCalls;
}

export interface InputSummary {
  input: string;
  format?: string;
  rule?: string;
  /** 'skipped': found by expanding a directory or glob, and of no format we read. */
  status: 'ok' | 'unchanged' | 'failed' | 'skipped';
  error?: string;
  bytes: number;
  chunks: number;
  written: number;
  duplicates: number;
  /** Distinct Call-IDs; estimated (within ~1 %) past half a million, and then calls_estimated is set. */
  calls: number;
  calls_estimated?: true;
  skipped: Record<string, number>;
  resumedFrom?: number;
  note?: string;
}

const DETECT_BYTES = 64 * 1024;

/** Read the first `n` bytes of a stream and give back an iterable that replays them. */
async function peek(stream: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const it = stream[Symbol.asyncIterator]();
  const pieces: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    pieces.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(pieces);
  const all = (async function* () {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  return { head: head.subarray(0, n), all };
}

function emptySummary(input: string): InputSummary {
  return { input, status: 'ok', bytes: 0, chunks: 0, written: 0, duplicates: 0, calls: 0, skipped: {} };
}

export async function ingestInput(store: Store, sink: ChunkSink, input: string, opts: IngestOptions): Promise<InputSummary> {
  const isStdin = input === '-';
  const path = isStdin ? '-' : resolve(input);
  const summary = emptySummary(isStdin ? '-' : path);
  let stat: Stats | undefined;
  if (!isStdin) {
    try {
      stat = await fsp.stat(path);
    } catch (e) {
      return { ...summary, status: 'failed', error: (e as Error).message };
    }
    if (!stat.isFile()) return { ...summary, status: 'failed', error: 'not a regular file' };
    if (path === store.root || path.startsWith(store.root + '/')) return { ...summary, status: 'failed', error: 'inside the store itself' };
  }

  // Detect on the (decompressed) head.
  const openRaw = (start = 0): AsyncIterable<Buffer> => isStdin ? process.stdin : createReadStream(path, { start, highWaterMark: 1024 * 1024 });
  let head: Buffer;
  let stream: AsyncIterable<Buffer>;
  let gzip = false;
  {
    const p = await peek(openRaw(), DETECT_BYTES);
    let detection: Detection = detectFormat(p.head);
    stream = p.all;
    head = p.head;
    if (detection.format === 'gzip') {
      gzip = true;
      stream = Readable.from(stream).pipe(createGunzip());
      const q = await peek(stream, DETECT_BYTES);
      stream = q.all;
      head = q.head;
      detection = detectFormat(q.head);
      detection = { ...detection, rule: `gzip, then ${detection.rule}` };
    }
    const format = opts.format ?? (detection.format === 'unknown' || detection.format === 'gzip' ? undefined : detection.format);
    summary.rule = opts.format ? `--format ${opts.format}` : detection.rule;
    if (!format) {
      await drain(stream);
      return { ...summary, status: opts.skipUnrecognised ? 'skipped' : 'failed', error: `unrecognised format (${detection.rule}); use --format` };
    }
    summary.format = format;
  }
  const format = summary.format as InputFormat;

  // Resume state: only for plain files we can seek in or skip through.
  let startOffset = 0;
  let context: unknown;
  const mode = isStdin || gzip ? 'none' : resumeMode(format);
  let fileHead: Buffer = Buffer.alloc(0);
  if (!isStdin && stat) {
    fileHead = gzip ? Buffer.alloc(0) : head.subarray(0, HEAD_BYTES);
    if (mode !== 'none' && !opts.full) {
      const saved = await loadInputState(store.root, path);
      const decision = decideResume(saved, { dev: stat.dev, ino: stat.ino, size: stat.size }, fileHead);
      if (decision.kind === 'unchanged') {
        await drain(stream);
        return { ...summary, status: 'unchanged', note: 'nothing new since the last ingest', resumedFrom: decision.state.offset };
      }
      if (decision.kind === 'grown') {
        startOffset = decision.state.offset;
        context = decision.state.context;
        summary.resumedFrom = startOffset;
      }
      if (decision.kind === 'rotated') summary.note = `${decision.reason}: reading from the start`;
    }
    if (mode === 'seek' && startOffset > 0) {
      await drain(stream);
      stream = openRaw(startOffset);
    }
  }

  let checkpoint = startOffset;
  let checkpointContext: unknown = context;
  let bytesDone = mode === 'seek' ? startOffset : 0;
  const total = stat && !gzip ? stat.size : undefined;
  const ctx: SourceContext = {
    parser: opts.parser ?? (isStdin ? 'stdin' : path),
    nodeAddress: opts.nodeAddress,
    date: opts.date,
    year: opts.year,
    fileMtime: stat?.mtime,
    utcOffsetMinutes: opts.utcOffsetMinutes,
    startOffset: mode === 'none' ? 0 : startOffset,
    resumeContext: context,
    skip(reason, count = 1) { summary.skipped[reason] = (summary.skipped[reason] ?? 0) + count; },
    checkpoint(offset, ctxValue) { checkpoint = offset; checkpointContext = ctxValue; },
    progress(bytes) {
      bytesDone += bytes;
      summary.bytes += bytes;
      opts.onProgress?.(summary.input, bytesDone, total);
    },
    warn(message) { opts.onWarn?.(summary.input, message); },
  };

  const saveState = async () => {
    if (isStdin || mode === 'none' || !stat) return;
    await saveInputState(store.root, {
      path, dev: stat.dev, ino: stat.ino, size: Math.max(stat.size, checkpoint), head: headHash(fileHead), headBytes: fileHead.length,
      offset: checkpoint, context: checkpointContext, format, updated: new Date().toISOString(),
    });
  };

  const reader = await loadReader(format);
  const before = { written: sink.totals.written, duplicates: sink.totals.duplicates };
  const calls = new DistinctCalls();
  for await (const chunk of reader(stream, ctx)) {
    summary.chunks++;
    const callId = chunk['call-id'] ?? 'undefined';
    if (calls.add(callId)) opts.runCalls?.add(callId);
    if (sink.add(chunk)) {
      const safe = checkpoint;
      await sink.flush();
      capHeap();
      if (safe === checkpoint) await saveState();
    }
  }
  await sink.flush();
  await saveState();
  summary.written = sink.totals.written - before.written;
  summary.duplicates = sink.totals.duplicates - before.duplicates;
  summary.calls = calls.size;
  if (calls.estimated) summary.calls_estimated = true;
  return summary;
}

async function drain(stream: AsyncIterable<Buffer>): Promise<void> {
  const s = stream as unknown as { destroy?: () => void };
  if (typeof s.destroy === 'function') { s.destroy(); return; }
  // Our replaying iterables: stop pulling; the underlying file stream is closed by GC/end.
  const it = stream[Symbol.asyncIterator]();
  await it.return?.();
}
