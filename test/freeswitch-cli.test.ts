// The FreeSWITCH reader through the real CLI: ingest then show, and an incremental ingest of a
// grown file whose last block was cut (the complete chunk replaces the truncated one on show).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusFile, corpusSkip } from './helpers/corpus.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';

const I1144 = 'freeswitch/signalwire-freeswitch-issue1144__excerpt_fs_to_kamailio_b2bua.log';
const GOSIP = 'freeswitch/gosip__echo_test_sofia_trace.log';
type Json = Record<string, unknown> & { raw: string[]; flags?: string[] };

test('CLI: ingest a FreeSWITCH log with --node-address and --date, then show --format json', { skip: corpusSkip(I1144) }, async () => {
  const store = tempStore();
  const ing = await runCli(['ingest', corpusFile(I1144), '--store', store, '--node-address', '10.0.0.2:5060', '--date', '2021-04-02']);
  assert.equal(ing.code, 0, ing.stderr);
  assert.match(ing.stderr, /\(freeswitch\)/);
  assert.match(ing.stderr, /1 chunk/);
  assert.match(ing.stderr, /message cut at the start of the input: 1/);
  const show = await runCli(['show', '1d393ec9824cf660c6b71a4ff8c37.b2bua', '--store', store, '--format', 'json']);
  assert.equal(show.code, 0, show.stderr);
  const chunks = JSON.parse(show.stdout) as Json[];
  assert.equal(chunks.length, 1);
  const c = chunks[0]!;
  assert.equal(c.label, 'SIP/2.0 100 Trying');
  assert.equal(c.src, 'XX.XX.XX.XXX2:5064');
  assert.equal(c.dst, '10.0.0.2:5060');
  assert.equal(c.parser, corpusFile(I1144));
  assert.equal(c.c_seq, '34134853 INVITE');
  // No --utc-offset: the stamp is local time of this machine's zone.
  assert.equal(c.time, new Date(2021, 3, 2, 17, 28, 11, 113).toISOString().slice(0, 23) + '313Z');
  assert.equal(c.ts, c.ref_ts);
  assert.deepEqual(c.flags, ['byte-count-mismatch']);
  assert.deepEqual(c.source, { offset: 787, line: 24 });
});

test('CLI: a block cut at EOF is stored truncated, then replaced by the complete one after the file grew', { skip: corpusSkip(GOSIP) }, async () => {
  const full = readFileSync(corpusFile(GOSIP));
  const cutAt = full.indexOf('Content-Type: text/plain'); // inside the BYE, after its Call-ID
  const file = join(tempDir('ci-fs-'), 'freeswitch.log');
  writeFileSync(file, full.subarray(0, cutAt));
  const store = tempStore();
  const args = ['--store', store, '--node-address', '10.0.0.2:5060', '--date', '2009-03-10', '--utc-offset', '+00:00'];
  const first = await runCli(['ingest', file, ...args]);
  assert.equal(first.code, 0, first.stderr);
  const show = async () => JSON.parse((await runCli(['show', '87704115-03b8-122e-08b5-001bfcce6bdf', '--store', store, '--format', 'json'])).stdout) as Json[];
  let chunks = await show();
  assert.equal(chunks.length, 5);
  const cut = chunks.find((c) => c.label === 'BYE sip:10.11.34.37 SIP/2.0')!;
  assert.ok(cut.flags?.includes('truncated'));

  appendFileSync(file, full.subarray(cutAt));
  const second = await runCli(['ingest', file, ...args, '--json']);
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  const s = Array.isArray(summary) ? summary[0] : (summary.inputs?.[0] ?? summary);
  assert.ok(s.resumedFrom > 0, 'read only the new part');
  chunks = await show();
  assert.equal(chunks.length, 6);
  assert.ok(chunks.every((c) => c.flags === undefined), JSON.stringify(chunks.map((c) => c.flags)));
  const bye = chunks.find((c) => c.label === 'BYE sip:10.11.34.37 SIP/2.0')!;
  assert.equal(bye.raw.length, 27);
  assert.equal(bye.time, '2009-03-10T15:46:53.048617Z');

  // Once more: nothing new, no duplicate.
  await runCli(['ingest', file, ...args]);
  assert.equal((await show()).length, 6);
});
