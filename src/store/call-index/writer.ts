// Keeping the index in step with the call files: the rows the index thread computes after each
// batch a writer appends (index-worker.ts), journal recovery for `list`, and the full rebuild of `reindex`.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { callHash, hashOfPath, hashRelPath } from '../layout.js';
import type { Batch, FlushListener } from '../sink.js';
import type { Store } from '../store.js';
import { indexPath, markComplete, openIndex, setMeta, type Database } from './db.js';
// row.js (and the dialogue and analysis code behind it) is loaded when a row is computed, not
// by `list` answering from current rows.
import type { CallRow, RowResult } from './row.js';
import { listSegments, readSegment, writerAlive } from './pending.js';

/**
 * Upsert rows. A row replaces the stored one only if it was computed from at least as many bytes
 * of the same file (or from a new file: logrotate deleted the old one and a writer re-created
 * it). Call files only grow, so two writers racing on one call can never leave the older view.
 */
export function writeRows(db: Database, rows: CallRow[], gone: string[] = []): void {
  const upsert = db.prepare(`INSERT INTO calls(hash, call_id, first_ts, last_ts, status, outcome, size, ino, summary)
    VALUES (@hash, @callId, @firstTs, @lastTs, @status, @outcome, @size, @ino, @summary)
    ON CONFLICT(hash) DO UPDATE SET call_id = excluded.call_id, first_ts = excluded.first_ts, last_ts = excluded.last_ts,
      status = excluded.status, outcome = excluded.outcome, size = excluded.size, ino = excluded.ino, summary = excluded.summary
    WHERE excluded.ino <> calls.ino OR excluded.size >= calls.size`);
  const del = db.prepare('DELETE FROM calls WHERE hash = ?');
  db.transaction(() => {
    for (const r of rows) {
      upsert.run({ hash: r.hash, callId: r.callId, firstTs: r.firstTs, lastTs: r.lastTs, status: r.status, outcome: r.summary.outcome ?? null, size: r.size, ino: r.ino, summary: JSON.stringify(r.summary) });
    }
    for (const h of gone) del.run(h);
  }).immediate();
}

/**
 * Compute rows for many files. Reads are synchronous (see rowFromFileSync), in slices between
 * which the event loop runs, so that a `listen` socket keeps being drained meanwhile.
 */
export async function rowsFor(items: { path: string; hash: string; callId?: string }[], slice = 256): Promise<{ rows: CallRow[]; gone: string[] }> {
  const rows: CallRow[] = [];
  const gone: string[] = [];
  if (items.length === 0) return { rows, gone };
  const { rowFromFileSync } = await import('./row.js');
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % slice === 0) await new Promise<void>((r) => setImmediate(r));
    const it = items[i]!;
    let r: RowResult;
    try {
      r = rowFromFileSync(it.path, it.hash, it.callId);
    } catch {
      continue; // unreadable right now (permissions, EIO): the row stays as it was
    }
    if (r.kind === 'row') rows.push(r.row); else gone.push(it.hash);
  }
  return { rows, gone };
}

/** The page cache of a long-running writer's index connection (better-sqlite3's default: 16 MB). */
const WRITER_CACHE_KB = 4096;

/**
 * Rows for the calls of a batch, each recomputed from the call's whole file (the index thread's
 * work, index-worker.ts). Nothing is written while the store has no index: IndexThread.start
 * creates it on a store with no call yet (so it is complete from the start), `reindex` on an
 * older one, and `list` scans meanwhile. `onRows` is told of every row computed (the index
 * thread holds back big calls by their size).
 */
export function callIndexListener(store: Store, onRows?: (rows: CallRow[]) => void): FlushListener {
  let db: Database | undefined;
  let warned = false;
  return async (byCall: Batch) => {
    if (!db) {
      if (!existsSync(indexPath(store.root))) return;
      try {
        // A writer's upserts touch the right edge of the time-ordered tables and one random leaf
        // of the hash index each: a big page cache holds little they reuse, and it was 16 MB of
        // an ingest's ~200 MB peak. Pages it misses come from the OS's cache.
        db = openIndex(store.root, { create: true, cacheKb: WRITER_CACHE_KB });
      } catch (e) {
        if (!warned) process.stderr.write(`call-inspector: list index not opened (${(e as Error).message}); list will scan\n`);
        warned = true;
        return;
      }
      if (!db) return; // the SQLite module is not available: list scans
    }
    const items = [...byCall.keys()].map((callId) => {
      const hash = callHash(callId);
      return { path: join(store.root, hashRelPath(hash)), hash, callId };
    });
    const { rows, gone } = await rowsFor(items);
    onRows?.(rows);
    try {
      writeRows(db, rows, gone);
    } catch (e) {
      // The call files are written and stay the truth; an index that missed rows must not answer
      // list until `reindex` (rows of files that grew would be caught at query, new calls not).
      if (!warned) process.stderr.write(`call-inspector: list index not updated (${(e as Error).message}); run \`call-inspector reindex\`\n`);
      warned = true;
      try { setMeta(db, 'complete', '0'); } catch { /* unwritable: list checks each row's file anyway */ }
    }
  };
}

export function storeHasNoCalls(root: string): boolean {
  // Cheap: the first level holds only dot-entries and the marker until a call is stored.
  try {
    return !readdirSync(root).some((n) => /^[0-9a-f]{2}$/.test(n));
  } catch {
    return true;
  }
}

export interface ReindexProgress {
  files: number;
  rows: number;
  empty: number;
}

/**
 * Rebuild the index from the call files, streaming (a batch of rows at a time). While it runs
 * the index is marked incomplete, so `list` scans instead of answering from a partial index;
 * writers that run meanwhile keep adding their rows, and rows of calls written before the
 * scan reaches them are recomputed by the scan.
 */
export async function reindexStore(store: Store, onProgress?: (p: ReindexProgress) => void, batchSize = 2000): Promise<ReindexProgress> {
  const db = openIndex(store.root, { create: true });
  if (!db) throw new Error('the SQLite module (better-sqlite3) is not installed or does not load: run npm ci');
  try {
    setMeta(db, 'complete', '0');
    // The journals of dead writers are covered by the rebuild (those of running ones are theirs).
    const deadJournals = listSegments(store.root).filter((s) => !writerAlive(s.pid));
    db.exec('DELETE FROM calls');
    const p: ReindexProgress = { files: 0, rows: 0, empty: 0 };
    let batch: { path: string; hash: string }[] = [];
    const drain = async () => {
      const { rows, gone } = await rowsFor(batch);
      writeRows(db, rows, gone);
      p.rows += rows.length;
      p.empty += gone.length;
      batch = [];
      onProgress?.(p);
    };
    for await (const path of store.callFiles()) {
      p.files++;
      batch.push({ path, hash: hashOfPath(path) });
      if (batch.length >= batchSize) await drain();
    }
    await drain();
    markComplete(db);
    setMeta(db, 'reindexed', new Date().toISOString());
    for (const j of deadJournals) rmSync(j.path, { force: true });
    return p;
  } finally {
    db.close();
  }
}

/**
 * Rows for the calls in pending segments (pending.ts), before `list` answers: all those of dead
 * writers (killed before their index thread caught up; their segments are then deleted), and,
 * up to `liveBudget`, those of running writers that have no row yet (written in the last
 * seconds). Returns how many rows were computed, and how many new calls of running writers were
 * left for them to index.
 */
export async function indexPendingCalls(root: string, db: Database, liveBudget = 2000): Promise<{ computed: number; left: number }> {
  const segments = listSegments(root);
  if (segments.length === 0) return { computed: 0, left: 0 };
  const dead = segments.filter((s) => !writerAlive(s.pid));
  const deadHashes = new Set(dead.flatMap((s) => readSegment(s.path)));
  const hasRow = db.prepare('SELECT 1 FROM calls WHERE hash = ?').pluck();
  const liveNew = new Set<string>();
  for (const s of segments) {
    if (dead.includes(s)) continue;
    for (const h of readSegment(s.path)) if (!deadHashes.has(h) && hasRow.get(h) === undefined) liveNew.add(h);
  }
  const take = [...deadHashes, ...[...liveNew].slice(0, liveBudget)];
  const { rows, gone } = await rowsFor(take.map((h) => ({ path: join(root, hashRelPath(h)), hash: h })));
  writeRows(db, rows, gone);
  for (const s of dead) rmSync(s.path, { force: true });
  return { computed: rows.length, left: Math.max(0, liveNew.size - liveBudget) };
}
