// The bench generators (bench/generate): files our own ingest reads back with the number of calls
// and messages the generator says it wrote; pcaps cross-checked with tshark where installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, tempStore } from './helpers/cli.js';
import { corpusRoot, corpusSkip, fixture } from './helpers/corpus.js';
import { generate, parseSize, type OutputKind } from '../bench/generate/generate.js';
import { EventHeap, makeRewriter, Rng } from '../bench/generate/replicate.js';
import { loadMaterial, type Material } from '../bench/generate/material.js';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;
let material: Material | undefined;
const getMaterial = () => (material ??= loadMaterial({ corpus: corpusRoot(), fixtures: fixture('') }));

async function generateAndIngest(kind: OutputKind, calls: number) {
  const dir = tempDir();
  const out = join(dir, `g.${kind}`);
  const end = 1767225600 + 86400;
  const stats = await generate(getMaterial(), { kind, out, calls, end, span: 86400, seed: 1, rtpPerCall: 10 });
  assert.equal(stats.calls, calls);
  assert.equal(statSync(out).size, stats.bytes);
  const store = tempStore();
  const r = await runCli(['--store', store, 'ingest', '--json', '--utc-offset', '+00:00', out]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { totals: { chunks: number; calls: number; written: number }; inputs: { skipped: Record<string, number> }[] };
  return { stats, summary, store, out };
}

test('replicated copies get fresh Call-ID, tags and branches; Content-Length stays right', () => {
  const msg = 'INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKabc\r\nFrom: <sip:a@x>;tag=t1\r\nTo: <sip:b@x>\r\nCall-ID: cid1@host\r\nCSeq: 1 INVITE\r\nContent-Length: 13\r\n\r\nref cid1@host';
  const rw = makeRewriter('cid1@host', [msg]);
  const a = rw(msg, 1), b = rw(msg, 2);
  assert.match(a, /Call-ID: b1-cid1@host\r\n/);
  assert.match(b, /branch=z9hG4bKabc-2\r\n/);
  assert.match(b, /tag=t1-2\r\n/);
  assert.match(a, /Content-Length: 16\r\n\r\nref b1-cid1@host$/);
  const heap = new EventHeap<string>();
  [[3, 'c'], [1, 'a'], [2, 'b'], [1, 'a2']].forEach(([t, v]) => heap.push(t as number, v as string));
  assert.deepEqual([heap.pop()!.value, heap.pop()!.value, heap.pop()!.value, heap.pop()!.value], ['a', 'a2', 'b', 'c']);
  const r1 = new Rng(5), r2 = new Rng(5);
  assert.equal(r1.next(), r2.next());
  assert.equal(parseSize('1GB'), 1e9);
  assert.equal(parseSize('30MB'), 30e6);
  assert.equal(parseSize('x'), undefined);
});

test('material comes from the corpus pcaps, the Kazoo chunks and the Kamailio fixtures', { skip: corpusSkip('pcap/sngrep__aaa.pcap') || (!hasTshark && 'tshark not installed (Debian package tshark)') }, () => {
  const m = getMaterial();
  assert.ok(m.sip.length >= 20, `SIP templates: ${m.sip.length}`);
  assert.ok(m.sources.some((s) => s.endsWith('sngrep__aaa.pcap')));
  assert.ok(m.sources.some((s) => s.endsWith('kazoo__call_inspector_ci_chunk_tests_chunks.json')));
  assert.ok(m.logs.length >= 2, 'Kazoo-scheme transactions from fixtures/kamailio');
  for (const t of m.sip) for (const x of t.messages) assert.match(x.text, /^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3} )/);
});

test('pcap of plain SIP with RTP: ingest and tshark find every generated message and call', { skip: corpusSkip('pcap') || (!hasTshark && 'tshark not installed (Debian package tshark)') }, async () => {
  const { stats, summary, out } = await generateAndIngest('pcap-sip', 120);
  assert.ok(stats.rtpPackets > 0);
  assert.equal(summary.totals.chunks, stats.messages);
  assert.equal(summary.totals.calls, 120);
  assert.equal(summary.inputs[0]!.skipped['rtp/rtcp datagram (not sip)'], stats.rtpPackets);
  const ids = spawnSync('tshark', ['-r', out, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], { encoding: 'utf8' }).stdout.trim().split('\n');
  assert.equal(ids.length, stats.messages);
  assert.equal(new Set(ids).size, 120);
});

test('pcap of HEP3: every message decoded, with its inner addresses', { skip: corpusSkip('pcap') || (!hasTshark && 'tshark not installed (Debian package tshark)') }, async () => {
  const { stats, summary, store } = await generateAndIngest('pcap-hep', 80);
  assert.equal(summary.totals.chunks, stats.messages);
  assert.equal(summary.totals.calls, 80);
  const list = await runCli(['--store', store, 'list', '-f', 'json']);
  const rows = JSON.parse(list.stdout) as { 'call-id': string; capture_points: string[] }[];
  assert.equal(rows.length, 80);
  assert.ok(rows.every((r) => /^b[0-9a-z]+-/.test(r['call-id'])));
});

test('FreeSWITCH siptrace log: every block read back', { skip: corpusSkip('pcap') || (!hasTshark && 'tshark not installed (Debian package tshark)') }, async () => {
  const { stats, summary, out } = await generateAndIngest('freeswitch', 100);
  assert.equal(summary.totals.chunks, stats.messages);
  assert.ok(summary.totals.calls > 0 && summary.totals.calls <= 100);
  const text = readFileSync(out, 'utf8');
  assert.equal((text.match(/^(recv|send) \d+ bytes (from|to) udp\/\[/gm) ?? []).length, stats.messages);
});

test('Kamailio log (Kazoo scheme, from the real Kamailio fixture): one chunk per transaction', { skip: !getMaterial().logs.length && 'fixtures/kamailio missing' }, async () => {
  const { stats, summary } = await generateAndIngest('kamailio', 200);
  assert.equal(summary.totals.chunks, stats.messages);
  assert.equal(summary.totals.calls, 200);
});
