// Answering `list` from the index: the time range, outcome, status and setup time (and a text
// pre-filter) select the rows in SQLite; every candidate is checked against its call file
// (logrotate may have deleted it, a writer without the hook may have grown it, and then its row
// is recomputed and left to the caller's exact filter).
import { statSync } from 'node:fs';
import type { CallSummary } from '../../dialogue/summary.js';
import { getMeta, isComplete, openIndex, type Database } from './db.js';
import type { CallRow } from './row.js';
import { indexPendingCalls, writeRows } from './writer.js';
import type { Store } from '../store.js';
import { hashRelPath } from '../layout.js';
import { join } from 'node:path';

/**
 * list's whole filter (list.ts ListFilter is this type, and matchesFilter tests it on a summary).
 * Every field is tested here in SQL exactly, but the text: a new field must be added here, or
 * `exact` below would let rows through that the filter rejects.
 */
export interface IndexQuery {
  /** Calls active at or after / at or before these instants (Unix ns). */
  since?: bigint;
  until?: bigint;
  /** Case-insensitive text in Call-ID, From, To, method, reason or capture points (SQL: a superset). */
  text?: string;
  /** Only calls whose initial request did not succeed (outcome other than NOT_FAILED_OUTCOMES). */
  failed?: boolean;
  outcome?: string[];
  /** Exact codes (486) or classes (4xx). */
  status?: string[];
  /** Setup (first INVITE → final response) longer than this many ms. */
  slowSetupMs?: number;
}

/** Outcomes --failed leaves out; list.ts's matchesFilter says the same for summaries. */
export const NOT_FAILED_OUTCOMES = ['answered', 'registered', 'unknown'];

/**
 * One call of a list answer. A stored row's summary stays the JSON text SQLite returned until
 * someone needs its fields: JSON output prints the text as it is (it was written by
 * JSON.stringify, so it is the same bytes), which spared parsing and re-serialising 15,000
 * summaries (and most of the garbage collector's time) in `list --failed --since 1d`.
 */
export class ListedCall {
  private constructor(
    /** Sort keys: first collector time (Unix ns) and Call-ID. */
    readonly firstTs: bigint,
    readonly callId: string,
    private text: string | undefined,
    private parsed: CallSummary | undefined,
  ) {}

  static fromSummary(s: CallSummary): ListedCall {
    return new ListedCall(BigInt(s.first_ts), s['call-id'], undefined, s);
  }

  static fromRow(firstTs: bigint, callId: string, json: string): ListedCall {
    return new ListedCall(firstTs, callId, json, undefined);
  }

  get summary(): CallSummary {
    return (this.parsed ??= JSON.parse(this.text!) as CallSummary);
  }

  get json(): string {
    return (this.text ??= JSON.stringify(this.parsed));
  }
}

export interface IndexAnswer {
  /** Calls whose stored row is current. When `exact`, they match the whole query. */
  stored: ListedCall[];
  exact: boolean;
  /** Calls recomputed because their file changed since the row: the caller filters them. */
  recomputed: CallSummary[];
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

/**
 * Size and inode of a call file, undefined when it is gone, 'unknown' when it cannot be looked at
 * (permissions, I/O error: its row is neither trusted as changed nor pruned). A plain stat (no
 * exception for a missing file, no BigInt fields) costs a fifth less than a bigint one; an inode
 * number above 2^53 (XFS, btrfs) is read again exactly.
 */
function currentFile(path: string): { size: number; ino: string } | undefined | 'unknown' {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (Number.isSafeInteger(st.ino)) return { size: st.size, ino: String(st.ino) };
    const big = statSync(path, { bigint: true, throwIfNoEntry: false });
    return big && { size: Number(big.size), ino: big.ino.toString() };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? undefined : 'unknown';
  }
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
    // The outcome and status tests run on the time indexes' entries (they carry both columns),
    // so SQLite reads the table row, with its summary, of the matching calls only.
    if (q.failed) where.push(`outcome IS NOT NULL AND outcome NOT IN (${NOT_FAILED_OUTCOMES.map((o) => `'${o}'`).join(', ')})`);
    if (q.outcome?.length) {
      where.push(`outcome IN (${q.outcome.map((_, i) => `@outcome${i}`).join(', ')})`);
      q.outcome.forEach((o, i) => { params[`outcome${i}`] = o; });
    }
    if (q.status?.length) {
      const tests = q.status.map((p, i) => {
        if (/^[1-6]xx$/i.test(p)) { params[`status${i}`] = p[0]; return `substr(status, 1, 1) = @status${i}`; }
        params[`status${i}`] = Number(p);
        return `status = @status${i}`;
      });
      where.push(`status IS NOT NULL AND (${tests.join(' OR ')})`);
    }
    if (q.slowSetupMs !== undefined) {
      where.push("coalesce(json_extract(summary, '$.setup_ms'), -1) > @slow");
      params.slow = q.slowSetupMs;
    }
    // Every condition is exactly list's filter, but the text: LIKE searches the whole JSON.
    const like = likePattern(q.text);
    if (like) { where.push("summary LIKE @like ESCAPE '^'"); params.like = like; }
    const sql = `SELECT hash, call_id, first_ts, size, ino, summary FROM calls${where.length ? ' WHERE ' + where.join(' AND ') : ''}`;
    const rows = db.prepare(sql).safeIntegers(true).all(params) as { hash: string; call_id: string; first_ts: bigint; size: bigint; ino: string; summary: string }[];
    const stored: ListedCall[] = [];
    const gone: string[] = [];
    const changed: { hash: string; path: string }[] = [];
    for (const r of rows) {
      const path = join(store.root, hashRelPath(r.hash));
      const now = currentFile(path);
      if (!now) { gone.push(r.hash); continue; } // deleted by logrotate or flush: drops out and is pruned
      if (now !== 'unknown' && (now.size !== Number(r.size) || now.ino !== r.ino)) { changed.push({ hash: r.hash, path }); continue; }
      stored.push(ListedCall.fromRow(r.first_ts, r.call_id, r.summary));
    }
    const fresh: CallRow[] = [];
    if (changed.length > 0) {
      const { rowFromFile } = await import('./row.js');
      for (const c of changed) {
        const res = await rowFromFile(c.path, c.hash).catch(() => undefined);
        if (!res) continue;
        if (res.kind === 'row') fresh.push(res.row); else gone.push(c.hash);
      }
    }
    if (gone.length > 0 || fresh.length > 0) {
      try { writeRows(db, fresh, gone); } catch { /* a read-only store: answer anyway */ }
    }
    return { stored, exact: !q.text, recomputed: fresh.map((r) => r.summary), pruned: gone.length, refreshed: fresh.length };
  } finally {
    db.close();
  }
}
