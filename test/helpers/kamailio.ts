// Running a source reader in-process over a string/Buffer (or a file), collecting what it reports.
import { createReadStream } from 'node:fs';
import type { Chunk } from '../../src/model/chunk.js';
import type { SourceContext, SourceReader } from '../../src/sources/source.js';

export interface ReadResult {
  chunks: Chunk[];
  skips: Record<string, number>;
  checkpoints: { offset: number; context?: unknown }[];
  warnings: string[];
  bytes: number;
}

export type ReadOptions = Partial<Omit<SourceContext, 'skip' | 'checkpoint' | 'progress' | 'warn'>> & {
  /** Split the input into pieces of this many bytes (stream boundaries anywhere). */
  pieceSize?: number;
};

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export async function runReader(reader: SourceReader, input: string | Buffer | AsyncIterable<Buffer>, opts: ReadOptions = {}): Promise<ReadResult> {
  const r: ReadResult = { chunks: [], skips: {}, checkpoints: [], warnings: [], bytes: 0 };
  const ctx: SourceContext = {
    parser: opts.parser ?? '/var/log/kamailio.log',
    nodeAddress: opts.nodeAddress,
    date: opts.date,
    year: opts.year,
    fileMtime: opts.fileMtime ?? new Date('2026-12-01T12:00:00Z'),
    utcOffsetMinutes: opts.utcOffsetMinutes,
    startOffset: opts.startOffset ?? 0,
    resumeContext: opts.resumeContext,
    skip(reason, n = 1) { r.skips[reason] = (r.skips[reason] ?? 0) + n; },
    checkpoint(offset, context) { r.checkpoints.push({ offset, context }); },
    progress(n) { r.bytes += n; },
    warn(m) { r.warnings.push(m); },
  };
  const stream = typeof input === 'string' || Buffer.isBuffer(input)
    ? pieces(Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8'), opts.pieceSize ?? 65536)
    : input;
  for await (const c of reader(stream, ctx)) r.chunks.push(c);
  return r;
}

export function fileStream(path: string, pieceSize = 65536): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: pieceSize });
}

/** The fields a test compares, in a stable shape. */
export function brief(c: Chunk): Record<string, unknown> {
  const o: Record<string, unknown> = { 'call-id': c['call-id'], label: c.label, src: c.src, dst: c.dst };
  for (const [k, v] of Object.entries(o)) if (v === undefined) delete o[k];
  return o;
}
