// `show CALLID`: read the call, build its dialogue, draw it.
import { buildDialogue } from '../../dialogue/build.js';
import { chunkToJson } from '../../model/chunk.js';
import type { Dialogue } from '../../dialogue/types.js';
import { colorEnabled, CommandError, diag, loadColors, writeOut } from '../output.js';
import { openStore, parseAliases } from './common.js';
import type { Store } from '../../store/store.js';
import { collectRelatedLegs } from '../../store/leg-index.js';
import type { Chunk } from '../../model/chunk.js';
// For the fast path (entry.cts): errors reported by the same copy of the error classes as show throws.
export { reportCliError } from '../entry-errors.js';

export async function loadCall(store: Store, callId: string): Promise<Chunk[]> {
  // Sync: one file, and node:fs/promises (with the readline and stream modules it loads) is
  // ~1.5 ms of start-up that `show` would spend for it.
  const r = store.readCallSync(callId);
  if (!r || r.chunks.length === 0) throw new CommandError(`no call with Call-ID '${callId}' in ${store.root}`);
  if (r.badLines > 0) diag(`show: ${r.badLines} unreadable line(s) in the call file skipped (a writer killed mid-line?)`);
  return r.chunks;
}

/** `show --related`: this call and every leg tied to it by a correlation key (store/leg-index.ts). */
export async function loadRelated(store: Store, callId: string): Promise<Chunk[]> {
  const legs = await collectRelatedLegs(store, callId);
  if (legs.chunks.length === 0) throw new CommandError(`no call with Call-ID '${callId}' in ${store.root}`);
  for (const id of legs.callIds.slice(1)) diag(`show: related leg ${id} (${legs.reasons.get(id)})`);
  if (legs.truncated) diag(`show: more than ${legs.callIds.length} related legs; stopped there`);
  return legs.chunks;
}

export function clocksJson(d: Dialogue): Record<string, unknown>[] {
  return d.clocks.map((k) => ({
    parser: k.parser, offset_ns: k.offset.toString(), offset_s: Number(k.offset) / 1e9,
    support: k.support, method: k.method, chunks: k.chunks,
  }));
}

export function inspectObject(callId: string, d: Dialogue, analysis: unknown[] = []): Record<string, unknown> {
  return {
    'call-id': callId,
    messages: d.messages.map((m) => {
      const o = chunkToJson(m.chunk);
      delete o['call-id'];
      return o;
    }),
    dialog_entities: d.entities,
    analysis,
  };
}

export async function run(argv: Record<string, unknown>): Promise<number> {
  const callId = String(argv['call-id']);
  const store = openStore(argv, false);
  const chunks = argv.related ? await loadRelated(store, callId) : await loadCall(store, callId);
  const dialogue = buildDialogue(chunks, { kazoo: Boolean(argv.kazoo), refParser: argv['ref-parser'] as string | undefined });
  // Renderers and the analysis are loaded for the format asked for only: `show` is typed many
  // times a day and its start-up is mostly module loading.
  if (argv.format === 'json' || argv.format === 'ndjson') {
    const { renderJson, renderNdjson } = await import('../../render/json.js');
    await writeOut(argv.format === 'json' ? renderJson(dialogue) : renderNdjson(dialogue));
    return 0;
  }
  // Recomputed from the chunks on every show: never stale (issue 5).
  const { analyzeDialogue, findingMarks, inspectAnalysis, verdictLine } = await import('../../analysis/analyze.js');
  const analysis = analyzeDialogue(dialogue, { callId });
  if (argv.inspect) {
    // The original's four keys, then ours: each capture point's clock offset and its support.
    await writeOut(JSON.stringify({ ...inspectObject(callId, dialogue, inspectAnalysis(analysis)), clocks: clocksJson(dialogue) }) + '\n');
    return 0;
  }
  const color = await loadColors(colorEnabled());
  if (argv.format === 'html') {
    // The page template is not needed for the common formats.
    const { renderHtml } = await import('../../render/html.js');
    await writeOut(renderHtml(dialogue, { aliases: parseAliases(argv.alias) }));
    return 0;
  }
  await writeOut(`verdict: ${verdictLine(analysis)}\n`);
  if (argv.format === 'table') {
    const { renderTable } = await import('../../render/table.js');
    await writeOut(renderTable(dialogue, { color, aliases: parseAliases(argv.alias) }));
    return 0;
  }
  const { renderLadder } = await import('../../render/ladder.js');
  await writeOut(renderLadder(dialogue, {
    color, ascii: Boolean(argv.ascii), raw: Boolean(argv.raw),
    width: (argv.width as number | undefined) ?? process.stdout.columns ?? 120,
    aliases: parseAliases(argv.alias),
    // Errors and warnings only: info findings (timings, R-URI rewrites) would crowd every arrow.
    findings: new Map([...findingMarks(analysis)].map(([i, marks]) => [i, marks.filter((k) => !k.startsWith('I '))] as const).filter(([, marks]) => marks.length > 0)),
  }));
  return 0;
}
