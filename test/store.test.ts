import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { callRelPath, MARKER_FILE } from '../src/store/layout.js';
import { parseCallFile, Store } from '../src/store/store.js';
import { prepareChunk } from '../src/store/prepared-chunk.js';
import { chunkFromSip } from '../src/sip/chunk-builder.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';
import { projectRoot } from './helpers/corpus.js';
import type { Chunk } from '../src/model/chunk.js';

function sipChunk(callId: string, n: number, parser = '/tmp/test.pcap'): Chunk {
  const msg = `OPTIONS sip:x@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${n}\r\nCall-ID: ${callId}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  return chunkFromSip(Buffer.from(msg), { parser, nodeTime: 1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n, src: { host: '10.0.0.1', port: 5060 }, dst: { host: '10.0.0.2', port: 5060 } });
}

function ndjson(chunks: Chunk[]): string {
  return chunks.map((c) => JSON.stringify(c) + '\n').join('');
}

test('layout is the original md5 fan-out (KAZOO.md §3)', () => {
  assert.equal(callRelPath('5dca43e524c680cf-13867@10.26.0.182'), join('8f', '1a', '4be868b9c1575143be2a4f4ca060'));
  assert.equal(callRelPath('63-6680@10.26.0.101'), join('1a', 'b8', '78b5aa395bcef70f0bdcd71c05f4'));
  assert.equal(callRelPath('undefined'), join('5e', '54', '3256c480ac577d30f76f9120eb74'));
});

test('append is idempotent and batches one file per call; only call files match <root>/*/*/*', async () => {
  const root = tempStore();
  const store = Store.open(root, { create: true });
  const batch = new Map([['a@x', [sipChunk('a@x', 1), sipChunk('a@x', 2)].map(prepareChunk)], ['b@x', [prepareChunk(sipChunk('b@x', 1))]]]);
  const r1 = await store.append(batch);
  assert.deepEqual(r1, { written: 3, duplicates: 0, calls: 2, changedCalls: new Set(['a@x', 'b@x']) });
  const r2 = await store.append(batch);
  assert.deepEqual(r2, { written: 0, duplicates: 3, calls: 0, changedCalls: new Set() });
  const read = await store.readCall('a@x');
  assert.equal(read?.chunks.length, 2);
  // Store bookkeeping lives in dot-entries that the logrotate glob never matches.
  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.')) continue;
    assert.match(entry, /^[0-9a-f]{2}$/);
  }
  assert.ok(existsSync(join(root, MARKER_FILE)));
});

test('a half-written last line and garbage lines are skipped, counted, and later appends stay readable', async () => {
  const root = tempStore();
  const store = Store.open(root, { create: true });
  await store.append(new Map([['c@x', [prepareChunk(sipChunk('c@x', 1))]]]));
  const path = store.pathOf('c@x');
  appendFileSync(path, '{"v":1,"call-id":"c@x","timest'); // a writer killed mid-line
  let r = parseCallFile(readFileSync(path, 'utf8'));
  assert.equal(r.chunks.length, 1);
  assert.equal(r.badLines, 1);
  await store.append(new Map([['c@x', [prepareChunk(sipChunk('c@x', 2))]]]));
  appendFileSync(path, '\u0000\u0001binary junk\n');
  r = parseCallFile(readFileSync(path, 'utf8'));
  assert.equal(r.chunks.length, 2);
  assert.equal(r.badLines, 2);
});

test('a store is only created in a missing or empty directory; flush refuses anything without the marker', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'precious.txt'), 'keep me');
  mkdirSync(join(dir, 'ab', 'cd'), { recursive: true });
  const lookalike = join(dir, 'ab', 'cd', '0123456789abcdef0123456789ab');
  writeFileSync(lookalike, 'also keep me');
  const flush = await runCli(['flush', '--yes', '--store', dir]);
  assert.equal(flush.code, 1);
  assert.match(flush.stderr, /not a call-inspector store/);
  assert.ok(existsSync(lookalike));
  const root = await runCli(['flush', '--yes', '--store', '/']);
  assert.equal(root.code, 1);
  const ingest = await runCli(['ingest', '-', '--store', dir], { input: ndjson([sipChunk('d@x', 1)]) });
  assert.equal(ingest.code, 1);
  assert.match(ingest.stderr, /not empty and is not a call-inspector store/);
  assert.deepEqual(readdirSync(dir).sort(), ['ab', 'precious.txt']);
});

test('flush one call, --older-than, and everything (--yes); non-TTY without --yes is a usage error', async () => {
  const root = tempStore();
  const input = ndjson([sipChunk('e@x', 1), sipChunk('f@x', 1), sipChunk('g@x', 1)]);
  assert.equal((await runCli(['ingest', '-', '--store', root], { input })).code, 0);
  assert.equal((await runCli(['flush', 'e@x', '--store', root])).code, 0);
  assert.equal((await runCli(['show', 'e@x', '--store', root])).code, 1);
  assert.equal((await runCli(['flush', 'nope@x', '--store', root])).code, 1);
  const old = await runCli(['flush', '--older-than', '1h', '--store', root]);
  assert.equal(old.code, 0);
  assert.match(old.stderr, /deleted 0 call\(s\).*kept 2/);
  assert.equal((await runCli(['flush', '--store', root])).code, 2);
  const all = await runCli(['flush', '--yes', '--store', root]);
  assert.equal(all.code, 0);
  assert.match(all.stderr, /deleted 2 call/);
  assert.ok(existsSync(join(root, MARKER_FILE)));
});

test('concurrent writers never interleave lines or lose chunks', async () => {
  const root = tempStore();
  const dir = tempDir();
  // Two inputs that write to the same 50 calls at the same time.
  const files = [0, 1].map((w) => {
    const chunks: Chunk[] = [];
    for (let i = 0; i < 6000; i++) chunks.push(sipChunk(`call-${i % 50}@x`, i, `/tmp/writer-${w}.pcap`));
    const f = join(dir, `w${w}.ndjson`);
    writeFileSync(f, ndjson(chunks));
    return f;
  });
  Store.open(root, { create: true });
  const results = await Promise.all(files.map((f) => runCli(['ingest', f, '--store', root, '--quiet'])));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const store = Store.open(root, { create: false });
  let total = 0;
  for (let i = 0; i < 50; i++) {
    const text = readFileSync(store.pathOf(`call-${i}@x`), 'utf8');
    const r = parseCallFile(text);
    assert.equal(r.badLines, 0);
    assert.equal(r.duplicates, 0);
    total += r.chunks.length;
  }
  assert.equal(total, 12000);
});

test('an ingest killed mid-way leaves every call readable; re-running completes it without duplicates', async () => {
  const root = tempStore();
  const dir = tempDir();
  const chunks: Chunk[] = [];
  for (let i = 0; i < 120000; i++) chunks.push(sipChunk(`k-${i % 500}@x`, i));
  const file = join(dir, 'big.ndjson');
  writeFileSync(file, ndjson(chunks));
  Store.open(root, { create: true });
  // The process that does the ingest itself (bin/ would otherwise run it as its child, entry.ts).
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'call-inspector.js'), 'ingest', file, '--store', root, '--quiet'],
    { stdio: 'ignore', env: { ...process.env, CALL_INSPECTOR_NODE_FLAGS_SET: '1' } });
  // Kill it once it has started writing call files.
  const store = Store.open(root, { create: false });
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && !existsSync(store.pathOf('k-0@x'))) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  let partial = 0;
  for (let i = 0; i < 500; i++) {
    const r = await store.readCall(`k-${i}@x`);
    partial += r?.chunks.length ?? 0;
  }
  assert.ok(partial < 120000, `killed before the end (${partial} stored)`);
  const again = await runCli(['ingest', file, '--store', root, '--json', '--quiet']);
  assert.equal(again.code, 0, again.stderr);
  let total = 0;
  for (let i = 0; i < 500; i++) {
    const r = await store.readCall(`k-${i}@x`);
    assert.ok(r);
    assert.equal(r.duplicates, 0);
    total += r.chunks.length;
  }
  assert.equal(total, 120000);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.totals.written + partial, 120000);
});
