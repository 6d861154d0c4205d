// `ingest`: expand the inputs, read each into the store, print one summary line per input.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import fg from 'fast-glob';
import { parseEndpoint } from '../../model/address.js';
import { ingestInput, type InputSummary } from '../../ingest/ingest.js';
import { ChunkSink } from '../../store/sink.js';
import { DistinctCalls } from '../../ingest/distinct-calls.js';
import { IndexThread } from '../../store/call-index/index-thread.js';
import { legIndexListener } from '../../store/leg-index.js';
import type { InputFormat } from '../../sources/source.js';
import { diag, formatBytes, ProgressBar, UsageError, writeOut } from '../output.js';
import { openStore, STDIN_TOKEN } from './common.js';
import { registerRun, uniqueRunName } from '../../store/runtime.js';

export interface ExpandedInput {
  path: string;
  /** Found inside a directory given on the command line (not named by the user). */
  fromDirectory: boolean;
}

export async function expandInputs(inputs: string[]): Promise<ExpandedInput[]> {
  const out = new Map<string, ExpandedInput>();
  const add = (path: string, fromDirectory: boolean) => { if (!out.has(path)) out.set(path, { path, fromDirectory }); };
  for (const input of inputs) {
    if (input === '-') { add('-', false); continue; }
    let st;
    try { st = statSync(input); } catch { st = undefined; }
    if (st?.isDirectory()) {
      const files = await fg('**/*', { cwd: input, onlyFiles: true, dot: false, absolute: true, followSymbolicLinks: false });
      for (const f of files.sort()) add(f, true);
    } else if (st) {
      add(resolve(input), false);
    } else if (fg.isDynamicPattern(input)) {
      const files = await fg(input, { onlyFiles: true, dot: false, absolute: true });
      if (files.length === 0) add(input, false); // reported as not found
      for (const f of files.sort()) add(f, false);
    } else {
      add(input, false);
    }
  }
  return [...out.values()];
}

export function parseUtcOffset(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:UTC)?([+-])(\d\d):?(\d\d)$|^(Z|UTC)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--utc-offset wants +HH:MM, -HH:MM or Z, not '${text}'`);
  if (m[4]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export function summaryLine(s: InputSummary): string {
  const name = s.input;
  if (s.status === 'failed') return `ingest: ${name}: FAILED: ${s.error}`;
  if (s.status === 'skipped') return `ingest: ${name}: skipped: ${s.error}`;
  if (s.status === 'unchanged') return `ingest: ${name} (${s.format}): unchanged since the last ingest`;
  const skipped = Object.entries(s.skipped);
  const skippedTotal = skipped.reduce((a, [, n]) => a + n, 0);
  const parts = [
    formatBytes(s.bytes),
    `${s.chunks} chunk${s.chunks === 1 ? '' : 's'} (${s.written} new, ${s.duplicates} already stored)`,
    `${s.calls_estimated ? '~' : ''}${s.calls} call${s.calls === 1 ? '' : 's'}`,
    skippedTotal === 0 ? '0 skipped' : `${skippedTotal} skipped (${skipped.map(([r, n]) => `${r}: ${n}`).join(', ')})`,
  ];
  const resumed = s.resumedFrom ? ` from byte ${s.resumedFrom}` : '';
  const note = s.note ? ` [${s.note}]` : '';
  return `ingest: ${name} (${s.format}${resumed}): ${parts.join(', ')}${note}`;
}

export async function run(argv: Record<string, unknown>): Promise<number> {
  const inputs = await expandInputs(((argv.inputs as string[]) ?? []).map((a) => (a === STDIN_TOKEN ? '-' : a)));
  if (inputs.length === 0) throw new UsageError('no inputs given');
  const nodeAddressText = argv['node-address'] as string | undefined;
  const nodeAddress = nodeAddressText !== undefined ? parseEndpoint(nodeAddressText) : undefined;
  if (nodeAddressText !== undefined && (!nodeAddress || nodeAddress.port === undefined)) {
    throw new UsageError(`--node-address wants IP:PORT (IPv6 as [addr]:port), not '${nodeAddressText}'`);
  }
  const date = argv.date as string | undefined;
  if (date !== undefined && !/^\d{4}-\d\d-\d\d$/.test(date)) throw new UsageError(`--date wants YYYY-MM-DD, not '${date}'`);
  const utcOffsetMinutes = parseUtcOffset(argv['utc-offset'] as string | undefined);
  const store = openStore(argv, true);
  // Batches of a few thousand chunks: large enough that a call's messages mostly share one append,
  // small enough that the index thread starts on the first calls while the rest is still parsed.
  const sink = new ChunkSink(store, 4000);
  // At most ~20k calls waiting for rows (~3 MB in the index thread), a few batches ahead of it.
  const indexThread = IndexThread.start(store, { settleBatches: 1, maxBacklog: 20_000 });
  if (indexThread) {
    sink.onBeforeAppend(indexThread.beforeAppend);
    sink.onFlush(indexThread.afterAppend);
  }
  sink.onFlush(legIndexListener(store));
  const bar = new ProgressBar();
  const quiet = Boolean(argv.quiet);
  const summaries: InputSummary[] = [];
  // One input's own count is the run's: a second table of the same Call-IDs would only cost
  // memory (8 MB at half a million calls, 12 MB while it grows).
  const runCalls = inputs.length > 1 ? new DistinctCalls() : undefined;
  // Visible to `parsers` while it runs (store/runtime.ts).
  const paths = inputs.map((i) => i.path);
  const registration = registerRun(store.root, { name: uniqueRunName(store.root, paths[0]!), kind: 'ingest', inputs: paths.slice(0, 20) });
  try {
    for (const input of inputs) {
      const s = await ingestInput(store, sink, input.path, {
        format: argv.format as InputFormat | undefined,
        parser: argv.parser as string | undefined,
        nodeAddress, date, year: argv.year as number | undefined, utcOffsetMinutes,
        full: Boolean(argv.full), runCalls,
        skipUnrecognised: input.fromDirectory,
        onProgress: (name, done, total) => { if ((total ?? done) > 4 * 1024 * 1024) bar.update(name, done, total); },
        onWarn: (name, message) => { bar.clear(); diag(`ingest: ${name}: ${message}`); },
      });
      bar.clear();
      summaries.push(s);
      if (!quiet) diag(summaryLine(s));
    }
  } finally {
    // The rows trail the writes (index-thread.ts): this run is done when its calls have them.
    await indexThread?.drain();
    registration?.release();
  }
  const totals = {
    inputs: summaries.length,
    failed: summaries.filter((s) => s.status === 'failed').length,
    skipped_inputs: summaries.filter((s) => s.status === 'skipped').length,
    bytes: summaries.reduce((a, s) => a + s.bytes, 0),
    chunks: summaries.reduce((a, s) => a + s.chunks, 0),
    written: summaries.reduce((a, s) => a + s.written, 0),
    duplicates: summaries.reduce((a, s) => a + s.duplicates, 0),
    calls: runCalls ? runCalls.size : summaries[0]?.calls ?? 0,
    ...((runCalls ? runCalls.estimated : summaries[0]?.calls_estimated) ? { calls_estimated: true as const } : {}),
    skipped: summaries.reduce((a, s) => a + Object.values(s.skipped).reduce((x, y) => x + y, 0), 0),
  };
  if (!quiet && summaries.length > 1) {
    diag(`ingest: total: ${totals.inputs} inputs (${totals.failed} failed), ${formatBytes(totals.bytes)}, ${totals.chunks} chunks (${totals.written} new), ${totals.calls_estimated ? '~' : ''}${totals.calls} calls, ${totals.skipped} skipped`);
  }
  if (argv.json) await writeOut(JSON.stringify({ store: store.root, inputs: summaries, totals }, null, 2) + '\n');
  return totals.failed > 0 ? 1 : 0;
}
