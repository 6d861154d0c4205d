// `list`: one row per stored call, filtered by time and text.
import type { CallSummary } from '../../dialogue/summary.js';
import { nowInstant, parseDuration, parseTimeArg } from '../../model/time.js';
import { parseCallFile } from '../../store/store.js';
import { promises as fsp } from 'node:fs';
import { colorEnabled, loadColors, makeChalk, UsageError, writeOut } from '../output.js';
import { openStore } from './common.js';
import { ListedCall, NOT_FAILED_OUTCOMES, queryIndex, type IndexQuery } from '../../store/call-index/query.js';

const OUTCOMES = ['answered', 'busy', 'rejected', 'cancelled', 'unanswered', 'timeout', 'registered', 'challenged', 'unknown'];

/** One type for the filter and for the index query, so that the index cannot miss a field of it. */
export type ListFilter = IndexQuery;

export function matchesFilter(s: CallSummary, f: ListFilter): boolean {
  if (f.since !== undefined && BigInt(s.last_ts) < f.since) return false;
  if (f.until !== undefined && BigInt(s.first_ts) > f.until) return false;
  if (f.text) {
    const hay = [s['call-id'], s.from ?? '', s.to ?? '', s.method ?? '', s.reason ?? '', ...s.capture_points].join('\n').toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  // 'unknown' (captured mid-dialogue) is not a failure anyone could act on.
  if (f.failed && (s.outcome === undefined || NOT_FAILED_OUTCOMES.includes(s.outcome))) return false;
  if (f.outcome?.length && !f.outcome.includes(s.outcome ?? '')) return false;
  if (f.status?.length) {
    const code = s.status === undefined ? '' : String(s.status);
    if (!f.status.some((p) => (/^[1-6]xx$/i.test(p) ? code[0] === p[0] : code === p))) return false;
  }
  if (f.slowSetupMs !== undefined && !((s.setup_ms ?? -1) > f.slowSetupMs)) return false;
  return true;
}

export function parseListFilter(argv: Record<string, unknown>): ListFilter {
  const now = nowInstant();
  const f: ListFilter = { text: argv.filter as string | undefined };
  for (const key of ['since', 'until'] as const) {
    const v = argv[key] as string | undefined;
    if (v === undefined) continue;
    const t = parseTimeArg(v, now);
    if (t === undefined) throw new UsageError(`--${key} wants a time (RFC 3339, YYYY-MM-DD, epoch seconds) or a duration ago (1d, 2h), not '${v}'`);
    f[key] = t;
  }
  if (argv.failed) f.failed = true;
  const list = (v: unknown) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean));
  f.status = list(argv.status);
  for (const p of f.status ?? []) if (!/^([1-6]\d\d|[1-6]xx)$/i.test(p)) throw new UsageError(`--status wants a code (486) or a class (4xx), not '${p}'`);
  f.outcome = list(argv.outcome);
  for (const o of f.outcome ?? []) if (!OUTCOMES.includes(o)) throw new UsageError(`--outcome wants one of ${OUTCOMES.join(', ')}, not '${o}'`);
  if (argv['slow-setup'] !== undefined) {
    const d = parseDuration(String(argv['slow-setup']));
    if (d === undefined) throw new UsageError(`--slow-setup wants a duration (3s, 500ms), not '${String(argv['slow-setup'])}'`);
    f.slowSetupMs = Number(d) / 1e6;
  }
  return f;
}

export async function run(argv: Record<string, unknown>): Promise<number> {
  const store = openStore(argv, false);
  const filter = parseListFilter(argv);
  const limit = argv.limit as number | undefined;
  const rows: ListedCall[] = [];
  // The index (store/call-index) selects by time, outcome and status; whatever it could not test
  // exactly is tested here, and the scan tests everything.
  const indexed = await queryIndex(store, filter);
  if (indexed) {
    for (const c of indexed.stored) if (indexed.exact || matchesFilter(c.summary, filter)) rows.push(c);
    for (const s of indexed.recomputed) if (matchesFilter(s, filter)) rows.push(ListedCall.fromSummary(s));
  } else {
    // Loaded only here: answering from the index needs no dialogue or analysis code.
    const { summarizeCall } = await import('../../dialogue/summary.js');
    for await (const path of store.callFiles()) {
      let text: string;
      try { text = await fsp.readFile(path, 'utf8'); } catch { continue; } // deleted by logrotate meanwhile
      const { chunks } = parseCallFile(text);
      const callId = chunks[0]?.['call-id'] ?? 'undefined';
      const s = summarizeCall(callId, chunks);
      if (s && matchesFilter(s, filter)) rows.push(ListedCall.fromSummary(s));
    }
  }
  rows.sort((a, b) => (a.firstTs < b.firstTs ? -1 : a.firstTs > b.firstTs ? 1 : a.callId.localeCompare(b.callId)));
  const shown = limit !== undefined ? rows.slice(0, limit) : rows;
  await writeOut(renderList(shown, String(argv.format ?? 'table'), await loadColors(colorEnabled())));
  return 0;
}

export function renderList(calls: ListedCall[], format: string, color: boolean): string {
  if (format === 'json') return '[' + calls.map((c) => c.json).join(',') + ']\n';
  if (format === 'ndjson') return calls.map((c) => c.json + '\n').join('');
  const rows = calls.map((c) => c.summary);
  // One line per call, aligned columns (like `ls -l` or `docker ps`): greppable and cheap for
  // thousands of rows (a bordered cli-table3 table took 1.7 ms a row: 6.4 s for 3,333 calls).
  const head = ['call-id', 'first (UTC)', 'last (UTC)', 'from', 'to', 'method', 'status', 'outcome', 'msgs', 'capture points'];
  const lines = rows.map((r) => [r['call-id'], r.first.replace('T', ' ').slice(0, 23), r.last.replace('T', ' ').slice(0, 23), r.from ?? '-', r.to ?? '-',
    r.method ?? '-', r.status !== undefined ? `${r.status} ${r.reason ?? ''}`.trim() : '-', outcomeCell(r) || '-', String(r.messages), r.capture_points.join(',')]);
  // Column widths from the content, capped so that one huge Call-ID does not pad every line.
  // A loop, not Math.max(...column): spreading a million rows overflows the call stack.
  const widths = head.map((h) => Math.min(60, h.length));
  for (const l of lines) for (let i = 0; i < widths.length; i++) if (l[i]!.length > widths[i]!) widths[i] = Math.min(60, l[i]!.length);
  const format1 = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const chalk = makeChalk(color);
  const out = [chalk.bold(format1(head)), ...lines.map(format1)];
  return out.join('\n') + '\n' + `${rows.length} call${rows.length === 1 ? '' : 's'}\n`;
}

function outcomeCell(r: CallSummary): string {
  if (!r.outcome) return '';
  const by = r.generated_by && (r.status ?? 0) >= 300 ? ` by ${r.generated_by}` : '';
  return `${r.outcome}${r.failed_leg ? ` (${r.failed_leg})` : ''}${by}`;
}
