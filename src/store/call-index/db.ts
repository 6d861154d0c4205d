// The list index: one SQLite database under <store>/.index/ (a dot-directory, so the logrotate
// glob <root>/*/*/* never matches it), holding one summary row per call. The md5 call files stay
// the source of truth; every row can be recomputed from its file (`reindex`).
//
// Why SQLite (better-sqlite3): several processes (ingest from cron, a long-running listen) update
// the index at once; SQLite's WAL gives them atomic, serialised upserts and readers that never
// block, and B-tree indexes answer time ranges on a million rows in milliseconds (figures in
// bench/README.md). The module is loaded lazily, only by the commands that touch the index.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { INDEX_DIR } from '../layout.js';

export type Database = BetterSqlite3.Database;

/** Bumped when the schema or the meaning of a row changes: an older index is rebuilt. */
export const INDEX_SCHEMA_VERSION = 3;
export const INDEX_FILE = 'calls.sqlite';

export function indexPath(storeRoot: string): string {
  return join(storeRoot, INDEX_DIR, INDEX_FILE);
}

let driver: typeof BetterSqlite3 | null | undefined;

/** The SQLite driver, or undefined when the native module is not installed or does not load. */
export function loadDriver(): typeof BetterSqlite3 | undefined {
  if (driver === undefined) {
    if (process.env.CALL_INSPECTOR_INDEX === 'off') return undefined;
    try {
      driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    } catch {
      driver = null;
    }
  }
  return driver ?? undefined;
}

/** Whether the driver can be found, without loading the native module (for the index thread's owner). */
export function loadDriverAvailable(): boolean {
  if (process.env.CALL_INSPECTOR_INDEX === 'off') return false;
  if (driver !== undefined) return driver !== null;
  try {
    createRequire(import.meta.url).resolve('better-sqlite3');
    return true;
  } catch {
    return false;
  }
}

const META_SCHEMA = 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);';
const SCHEMA = `
CREATE TABLE IF NOT EXISTS calls (
  hash     TEXT NOT NULL,      -- md5 hex of the Call-ID: the call file's layout key
  call_id  TEXT NOT NULL,
  first_ts INTEGER NOT NULL,   -- Unix ns of the first and last collector times
  last_ts  INTEGER NOT NULL,
  status   INTEGER,            -- final status of the initial request
  outcome  TEXT,               -- the analysis outcome (answered, busy, ...), as in the summary
  size     INTEGER NOT NULL,   -- bytes of the call file the row was computed from
  ino      TEXT NOT NULL,      -- its inode: a file deleted and re-created is a new file
  summary  TEXT NOT NULL,      -- the CallSummary as JSON, exactly what list prints
  -- Rows are kept in time order: a time window is one run of consecutive pages. Keyed by hash
  -- (rowid order: the order rows were written, a reindex's being random in time), the 33,000
  -- calls of a day in a million-call store were 33,000 random page reads.
  PRIMARY KEY (first_ts, hash)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS calls_hash ON calls(hash);
-- For a window's start: calls that began before it and were still going (last_ts, then the
-- columns --failed, --outcome and --status test, so SQLite filters on the index entries).
CREATE INDEX IF NOT EXISTS calls_last ON calls(last_ts, outcome, status);
-- The longest call's span, in O(log n): it bounds first_ts from below for a time range (query.ts).
CREATE INDEX IF NOT EXISTS calls_span ON calls(last_ts - first_ts);
`;

function configure(db: Database): void {
  db.pragma('busy_timeout = 30000');
  // Switching to WAL needs a moment alone with the file and does not wait on busy_timeout: two
  // writers opening a new index together retry rather than fail.
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 200) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
  db.pragma('synchronous = NORMAL');
}

/** Only a file that is not a database (or a damaged one) is replaced, never one that is busy. */
function isDamaged(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

/**
 * Open the index of a store. With `create`, a missing index is created (and a corrupt one or one
 * of another schema version is replaced by an empty one); without, a missing index gives
 * undefined. The caller decides whether an index is trustworthy from `isComplete`.
 */
export function openIndex(storeRoot: string, opts: { create: boolean; cacheKb?: number }): Database | undefined {
  const Driver = loadDriver();
  if (!Driver) return undefined;
  const path = indexPath(storeRoot);
  if (!existsSync(path) && !opts.create) return undefined;
  mkdirSync(join(storeRoot, INDEX_DIR), { recursive: true });
  let db: Database;
  try {
    db = new Driver(path);
    configure(db);
    db.exec(META_SCHEMA);
  } catch (e) {
    if (!opts.create || !isDamaged(e)) throw e;
    // A damaged index is only a cache: drop it and start again (reindex fills it).
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    db = new Driver(path);
    configure(db);
    db.exec(META_SCHEMA);
  }
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection (SQLITE_DEFAULT_CACHE_SIZE).
  if (opts.cacheKb !== undefined) db.pragma(`cache_size = -${Math.max(64, Math.floor(opts.cacheKb))}`);
  // The version first: the tables of another schema may not take this one's indexes (a column
  // they lack), and a reader must not build indexes on a table it will not use.
  const version = getMeta(db, 'schema');
  if (version !== undefined && version !== String(INDEX_SCHEMA_VERSION)) {
    // A newer call-inspector's index is left to it (this one would drop it at every start).
    if (!opts.create || !(Number(version) < INDEX_SCHEMA_VERSION)) { db.close(); return undefined; }
    // An older schema: replaced by an empty index of this one (reindex fills it; until then list
    // scans), unless a writer starting at the same moment has just done so.
    db.transaction(() => {
      if (getMeta(db, 'schema') === String(INDEX_SCHEMA_VERSION)) return;
      db.exec('DROP TABLE IF EXISTS calls; DELETE FROM meta;');
      db.exec(SCHEMA);
      setMeta(db, 'schema', String(INDEX_SCHEMA_VERSION));
    }).immediate();
    return db;
  }
  db.exec(SCHEMA);
  if (version === undefined) setMeta(db, 'schema', String(INDEX_SCHEMA_VERSION));
  return db;
}

export function getMeta(db: Database, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Database, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

/**
 * An index is complete when it was built by `reindex`, or created on a store that had no call
 * yet and kept up to date by every writer since, and its rows were computed by the code that
 * runs now. Only a complete index may answer `list`.
 */
export function isComplete(db: Database): boolean {
  return getMeta(db, 'complete') === '1' && getMeta(db, 'summary-code') === summaryCode();
}

/** Mark the index complete, for the code that computes the rows now. */
export function markComplete(db: Database): void {
  setMeta(db, 'summary-code', summaryCode());
  setMeta(db, 'complete', '1');
}

// What a row holds is whatever summarizeCall computes, and that code (the summary, the dialogue
// and the analysis it runs, the chunk parsing) changes between versions: rows computed by other
// code would make `list` disagree with a scan (a new outcome field, a filter that reads it). So
// the index remembers a hash of that compiled code; a mismatch means: scan until `reindex`.
const SUMMARY_CODE_DIRS = ['dialogue', 'analysis', 'sip', 'model', 'store'];
let summaryCodeHash: string | undefined;

export function summaryCode(): string {
  if (summaryCodeHash !== undefined) return summaryCodeHash;
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const h = createHash('sha1');
  for (const d of SUMMARY_CODE_DIRS) {
    let names: string[] = [];
    try { names = readdirSync(join(src, d)).filter((n) => n.endsWith('.js')).sort(); } catch { /* absent */ }
    for (const n of names) h.update(d + '/' + n + '\u0000').update(readFileSync(join(src, d, n)));
  }
  return (summaryCodeHash = h.digest('hex').slice(0, 16));
}
