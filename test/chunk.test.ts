import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chunkFromJson, chunkToJson } from '../src/model/chunk.js';
import { enrichFromRaw } from '../src/sip/chunk-builder.js';
import { corpusFile, corpusSkip } from './helpers/corpus.js';

const KAZOO = 'kazoo/kazoo__call_inspector_ci_chunk_tests_chunks.json';
const ORIGINAL_KEYS = ['call-id', 'timestamp', 'ref_timestamp', 'label', 'raw', 'src', 'dst', 'parser', 'c_seq'];

test('every reference chunk survives a JSON round trip with the original keys and types (KAZOO.md §10.3)', { skip: corpusSkip(KAZOO) }, () => {
  const sets = JSON.parse(readFileSync(corpusFile(KAZOO), 'utf8')) as Record<string, { input: Record<string, unknown>[]; expected_order: Record<string, unknown>[] }>;
  let n = 0;
  for (const [name, set] of Object.entries(sets)) {
    for (const original of [...set.input, ...set.expected_order]) {
      const c = chunkFromJson(original);
      assert.ok(c, `${name}: decodes`);
      const out = chunkToJson(enrichFromRaw(c));
      const subset = Object.fromEntries(ORIGINAL_KEYS.filter((k) => k in out).map((k) => [k, out[k]]));
      assert.deepEqual(subset, original, `${name}: ${String(original.label)}`);
      assert.equal(JSON.stringify(out.ref_timestamp), JSON.stringify(original.ref_timestamp));
      n++;
    }
  }
  assert.equal(n, 127);
});

test('our extension keys are derived from raw for the original chunks', { skip: corpusSkip(KAZOO) }, () => {
  const sets = JSON.parse(readFileSync(corpusFile(KAZOO), 'utf8'));
  const first = enrichFromRaw(chunkFromJson(sets.chunks_1.input[0])!);
  assert.equal(first.method, 'INVITE');
  assert.equal(first.cseq_num, 1);
  assert.equal(first.cseq_method, 'INVITE');
  assert.equal(first.branch, 'z9hG4bK63');
  assert.equal(first.ref_time, '2015-06-09T23:39:39.243420Z');
});
