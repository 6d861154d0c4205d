// One index row, recomputed from a call's whole file: never from the chunks of one batch, so a
// row cannot go stale when another process appended to the same call.
import { closeSync, fstatSync, openSync, promises as fsp, readFileSync } from 'node:fs';
import { summarizeCall, type CallSummary } from '../../dialogue/summary.js';
import { parseCallFile } from '../store.js';
import { NO_CALL_ID } from '../layout.js';

export interface CallRow {
  hash: string;
  callId: string;
  firstTs: bigint;
  lastTs: bigint;
  status: number | null;
  /** Bytes of the file content the summary was computed from, and the file's inode. */
  size: number;
  ino: string;
  summary: CallSummary;
}

export type RowResult = { kind: 'row'; row: CallRow } | { kind: 'gone' } | { kind: 'empty' };

/**
 * Read the call file at `path` and summarise it. 'gone': the file does not exist (flushed, or
 * deleted by logrotate); 'empty': it holds no readable chunk. The size is that of the bytes
 * actually read, so a concurrent append after our read makes the row look older, never newer.
 */
export async function rowFromFile(path: string, hash: string, callId?: string): Promise<RowResult> {
  let fh;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw e;
  }
  let buf: Buffer, ino: bigint;
  try {
    ino = (await fh.stat({ bigint: true })).ino;
    buf = await fh.readFile();
  } finally {
    await fh.close();
  }
  return rowFromContent(buf, ino, hash, callId);
}

/**
 * The same, synchronously: for small call files in the page cache a blocking read costs a few
 * microseconds, against tens for a round trip through libuv's thread pool (the index hook's
 * largest cost in the ingest profile). Callers bound how many they do between event-loop turns.
 */
export function rowFromFileSync(path: string, hash: string, callId?: string): RowResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw e;
  }
  let buf: Buffer, ino: bigint;
  try {
    ino = fstatSync(fd, { bigint: true }).ino;
    buf = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  return rowFromContent(buf, ino, hash, callId);
}

export function rowFromContent(buf: Buffer, ino: bigint, hash: string, callId?: string): RowResult {
  const { chunks } = parseCallFile(buf.toString('utf8'));
  const id = callId ?? chunks[0]?.['call-id'] ?? NO_CALL_ID;
  const summary = summarizeCall(id, chunks);
  if (!summary) return { kind: 'empty' };
  return {
    kind: 'row',
    row: {
      hash, callId: id,
      firstTs: BigInt(summary.first_ts), lastTs: BigInt(summary.last_ts),
      status: summary.status ?? null,
      size: buf.length, ino: ino.toString(), summary,
    },
  };
}

