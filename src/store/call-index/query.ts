// Answering `list` from the index: the time range (and a text pre-filter) narrow the rows in
// SQLite; every candidate is checked against its call file (logrotate may have deleted it, a
// writer without the hook may have grown it) before the caller applies its exact filters.
import { statSync } from 'node:fs';
import type { CallSummary } from '../../dialogue/summary.js';
import { getMeta, isComplete, openIndex, type Database } from './db.js';
import { rowFromFile, type CallRow } from './row.js';
import { indexPendingCalls, writeRows } from './writer.js';
import type { Store } from '../store.js';
import { hashRelPath } from '../layout.js';
import { join } from 'node:path';

export interface IndexQuery {
  /** Calls active at or after / at or before these instants (Unix ns). */
  since?: bigint;
  until?: bigint;
  /** Case-insensitive text the summary must contain (a superset: the caller filters exactly). */
  text?: string;
}

export interface IndexAnswer {
  summaries: CallSummary[];
  /** Rows dropped because their call file is gone, and rows recomputed because it changed. */
  pruned: number;
  refreshed: number;
}

/**
 * The SQL LIKE pre-filter is only used where it cannot lose a match: LIKE folds ASCII case only,
 * and the text is searched in the summary's JSON, where quotes, backslashes and control
 * characters are escaped.
 */
function likePattern(text: string | undefined): string | undefined {
  if (!text || !/^[\x20-\x7e]+$/.test(text) || /["\\]/.test(text)) return undefined;
  return '%' + text.replace(/[%_^]/g, (c) => '^' + c) + '%';
}

/** Candidates for `list`, or undefined when there is no complete index (the caller scans). */
export async function queryIndex(store: Store, q: IndexQuery): Promise<IndexAnswer | undefined> {
  let db: Database | undefined;
  try {
    db = openIndex(store.root, { create: false });
  } catch {
    return undefined;
  }
  if (!db) return undefined;
  try {
    if (!isComplete(db)) {
      // Say why list is slow, once per command: being rebuilt, or built by other code.
      process.stderr.write(`call-inspector: the list index of ${store.root} is ${getMeta(db, 'complete') === '0' ? 'being rebuilt' : 'out of date'}; scanning the call files (run \`call-inspector reindex\`)\n`);
      return undefined;
    }
    try {
      const pending = await indexPendingCalls(store.root, db);
      if (pending.left > 0) process.stderr.write(`call-inspector: ${pending.left} calls written in the last seconds are not in the list index yet (a writer is indexing them)\n`);
    } catch { /* a read-only store: rows are checked against their files below anyway */ }
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.since !== undefined) {
      where.push('last_ts >= @since');
      params.since = q.since;
      // A call active after `since` started at most the longest span before it. The condition is
      // implied by the others (it loses no row) and lets SQLite walk first_ts over the window
      // only: `last_ts >= since` alone selected every later call (a third of a million-call
      // store for a window ten days back), each then tested against first_ts and the LIKE.
      const span = (db.prepare('SELECT max(last_ts - first_ts) AS span FROM calls').safeIntegers(true).get() as { span: bigint | null }).span;
      if (span !== null) { where.push('first_ts >= @sinceLow'); params.sinceLow = q.since - span; }
    }
    if (q.until !== undefined) { where.push('first_ts <= @until'); params.until = q.until; }
    const like = likePattern(q.text);
    if (like) { where.push("summary LIKE @like ESCAPE '^'"); params.like = like; }
    const sql = `SELECT hash, size, ino, summary FROM calls${where.length ? ' WHERE ' + where.join(' AND ') : ''}`;
    const rows = db.prepare(sql).all(params) as { hash: string; size: number; ino: string; summary: string }[];
    const summaries: CallSummary[] = [];
    const gone: string[] = [];
    const changed: { hash: string; path: string }[] = [];
    for (const r of rows) {
      const path = join(store.root, hashRelPath(r.hash));
      let st;
      try {
        st = statSync(path, { bigint: true });
      } catch {
        gone.push(r.hash); // deleted by logrotate or flush: drops out and is pruned
        continue;
      }
      if (Number(st.size) !== r.size || st.ino.toString() !== r.ino) {
        changed.push({ hash: r.hash, path });
        continue;
      }
      summaries.push(JSON.parse(r.summary) as CallSummary);
    }
    const fresh: CallRow[] = [];
    for (const c of changed) {
      const res = await rowFromFile(c.path, c.hash).catch(() => undefined);
      if (!res) continue;
      if (res.kind === 'row') { fresh.push(res.row); summaries.push(res.row.summary); } else gone.push(c.hash);
    }
    if (gone.length > 0 || fresh.length > 0) {
      try { writeRows(db, fresh, gone); } catch { /* a read-only store: answer anyway */ }
    }
    return { summaries, pruned: gone.length, refreshed: fresh.length };
  } finally {
    db.close();
  }
}
