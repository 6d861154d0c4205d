// For the analysis tests: real captures ingested by the real CLI into a temporary store, read
// back as chunks (show -f json) or as the analyze command's JSON.
import { readFileSync } from 'node:fs';
import { runCli, tempStore } from './cli.js';
import { chunkFromJson, type Chunk } from '../../src/model/chunk.js';
import { enrichFromRaw } from '../../src/sip/chunk-builder.js';
import { buildDialogue } from '../../src/dialogue/build.js';
import type { Dialogue } from '../../src/dialogue/types.js';
import type { Analysis } from '../../src/analysis/types.js';
import { corpusFile } from './corpus.js';

export interface IngestedStore {
  store: string;
  /** Call-IDs in the store (list -f json). */
  callIds: string[];
  /** Why the captures could not be read (the pcap reader not there yet), if so. */
  unreadable?: string;
}

export async function ingestInto(files: string[]): Promise<IngestedStore> {
  const store = tempStore();
  const r = await runCli(['ingest', '-q', ...files, '--store', store]);
  if (r.code !== 0) throw new Error(`ingest failed: ${r.stderr}`);
  const l = await runCli(['list', '-f', 'json', '--store', store]);
  const rows = JSON.parse(l.stdout) as { 'call-id': string }[];
  const out: IngestedStore = { store, callIds: rows.map((x) => x['call-id']) };
  if (rows.length === 0) out.unreadable = `no calls read from ${files.join(', ')} (is src/capture/reader.ts still a placeholder?)`;
  return out;
}

export async function analyzeCall(s: IngestedStore, callId: string): Promise<Analysis> {
  const r = await runCli(['analyze', callId, '-f', 'json', '--store', s.store]);
  if (r.code !== 0) throw new Error(`analyze ${callId} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Analysis;
}

export async function callChunks(s: IngestedStore, callId: string): Promise<Chunk[]> {
  const r = await runCli(['show', callId, '-f', 'json', '--store', s.store]);
  if (r.code !== 0) throw new Error(`show ${callId} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Record<string, unknown>[]).map((o) => enrichFromRaw(chunkFromJson(o)!));
}

/** The chunks of one of Kazoo's reference sets (KAZOO.md §10), as its tests fed them. */
export function kazooSet(name: string, which: 'input' | 'expected_order' = 'input'): Chunk[] {
  const sets = JSON.parse(readFileSync(corpusFile('kazoo/kazoo__call_inspector_ci_chunk_tests_chunks.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>[]>>;
  return sets[name]![which]!.map((o) => enrichFromRaw(chunkFromJson(o)!));
}

export function dialogueOf(chunks: Chunk[]): Dialogue {
  return buildDialogue(chunks, {});
}

/** The first finding of a rule, or a failure that lists what was found instead. */
export function findingOf(a: Analysis, rule: string, pred: (f: Analysis['findings'][number]) => boolean = () => true): Analysis['findings'][number] {
  const f = a.findings.find((x) => x.rule === rule && pred(x));
  if (!f) throw new Error(`no '${rule}' finding; found: ${a.findings.map((x) => `${x.rule}: ${x.message}`).join(' | ')}`);
  return f;
}
