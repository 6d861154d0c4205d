// The list index (src/store/call-index): same answers as a full scan, survives deleted call files
// and writers without the hook, concurrent ingests, rebuilt from scratch by `reindex`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runCli, tempDir, tempStore } from './helpers/cli.js';
import { projectRoot } from './helpers/corpus.js';
import { callPath } from '../src/store/layout.js';
import { chunkFromJson } from '../src/model/chunk.js';
import { IndexThread } from '../src/store/call-index/index-thread.js';
import { openIndex } from '../src/store/call-index/db.js';
import { ChunkSink } from '../src/store/sink.js';
import { Store } from '../src/store/store.js';

const T0 = 1767225600; // 2026-01-01T00:00:00Z, Unix seconds
const GREG = 62167219200;

/** Chunks of one call in the original's JSON shape (what `ingest --format chunks` reads); a response
 * shares its request's branch, so the analysis finds the transactions and the outcome. */
function callChunks(i: number, startSec: number, opts: { parser?: string; status?: number; tag?: string } = {}): object[] {
  const callId = `idx-${i}-${opts.tag ?? 'a'}@10.0.0.${i % 250}`;
  const status = opts.status ?? (i % 3 === 0 ? 486 : 200);
  const parser = opts.parser ?? '/var/log/kamailio.log';
  const from = `<sip:alice${i}@example.com>;tag=f${i}`;
  const to = `<sip:bob${i % 7}@example.net>`;
  const msg = (dt: number, label: string, cseq: string, extra: string[] = []) => {
    const raw = [label, `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK${i}x${cseq.split(' ')[0]}`, `From: ${from}`, `To: ${to}${label.startsWith('SIP/') ? ';tag=t' + i : ''}`, `Call-ID: ${callId}`, `CSeq: ${cseq}`, ...extra, 'Content-Length: 0', ''];
    const t = startSec + dt;
    return { 'call-id': callId, timestamp: t + GREG, ref_timestamp: (t + GREG).toFixed(3), label, raw, src: '10.0.0.1:5060', dst: '10.0.0.2:5060', parser, c_seq: cseq };
  };
  const out = [msg(0, `INVITE sip:bob${i % 7}@example.net SIP/2.0`, '1 INVITE'), msg(0.05, 'SIP/2.0 100 Trying', '1 INVITE')];
  if (status === 200) out.push(msg(2, 'SIP/2.0 200 OK', '1 INVITE'), msg(2.1, `ACK sip:bob${i % 7}@example.net SIP/2.0`, '1 ACK'), msg(30 + (i % 50), `BYE sip:bob${i % 7}@example.net SIP/2.0`, '2 BYE'));
  else out.push(msg(3, `SIP/2.0 ${status} Busy Here`, '1 INVITE'), msg(3.01, `ACK sip:bob${i % 7}@example.net SIP/2.0`, '1 ACK'));
  return out;
}

function writeNdjson(path: string, chunks: object[]): string {
  writeFileSync(path, chunks.map((c) => JSON.stringify(c)).join('\n') + '\n');
  return path;
}

/** n calls, one every 10 minutes from T0. */
function inputOf(dir: string, name: string, from: number, n: number, opts: { parser?: string; tag?: string } = {}): string {
  const chunks: object[] = [];
  for (let i = from; i < from + n; i++) chunks.push(...callChunks(i, T0 + i * 600, opts));
  return writeNdjson(join(dir, name), chunks);
}

async function listText(store: string, args: string[], index: boolean, format = 'json'): Promise<string> {
  const r = await runCli(['--store', store, 'list', '-f', format, ...args], { env: index ? {} : { CALL_INSPECTOR_INDEX: 'off' } });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function listJson(store: string, args: string[], index: boolean): Promise<unknown[]> {
  return JSON.parse(await listText(store, args, index)) as unknown[];
}

/** The same bytes from the index as from a scan (the index prints stored JSON text as it is). */
async function assertSameAsScan(store: string, args: string[]): Promise<unknown[]> {
  const viaIndex = await listText(store, args, true);
  const viaScan = await listText(store, args, false);
  assert.equal(viaIndex, viaScan, `list ${args.join(' ')}: index and scan differ`);
  return JSON.parse(viaIndex) as unknown[];
}

function indexRows(store: string): number {
  const Db = createRequire(import.meta.url)('better-sqlite3');
  const db = new Db(join(store, '.index', 'calls.sqlite'), { readonly: true });
  try { return (db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n; } finally { db.close(); }
}

const iso = (sec: number) => new Date(sec * 1000).toISOString();

test('the index answers list exactly as a full scan: time ranges, text filters, limit', async () => {
  const dir = tempDir();
  const store = tempStore();
  const r = await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'a.ndjson', 0, 60)]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(store, '.index', 'calls.sqlite')), 'ingest into a new store creates the index');
  assert.equal(indexRows(store), 60);
  const all = await assertSameAsScan(store, []);
  assert.equal(all.length, 60);
  const since = iso(T0 + 20 * 600), until = iso(T0 + 30 * 600);
  assert.equal((await assertSameAsScan(store, ['--since', since])).length, 40);
  assert.equal((await assertSameAsScan(store, ['--until', until])).length, 31);
  assert.equal((await assertSameAsScan(store, ['--since', since, '--until', until])).length, 11);
  assert.equal((await assertSameAsScan(store, ['--filter', 'BOB3@example'])).length, 9, 'case-insensitive text');
  assert.equal((await assertSameAsScan(store, ['--since', since, '--filter', 'idx-2'])).length, 10);
  await assertSameAsScan(store, ['--filter', 'idx-1_']); // LIKE wildcards are literal
  await assertSameAsScan(store, ['--filter', '%']);
  await assertSameAsScan(store, ['--filter', '"call-id"']); // not pushed down to SQL
  await assertSameAsScan(store, ['--since', since, '--limit', '5']);
  // Outcome, status and setup time are tested in SQL, on the time indexes' entries.
  assert.equal((await assertSameAsScan(store, ['--failed'])).length, 20, 'every third call is busy');
  assert.equal((await assertSameAsScan(store, ['--failed', '--since', since, '--until', until])).length, 4);
  assert.equal((await assertSameAsScan(store, ['--outcome', 'busy'])).length, 20);
  assert.equal((await assertSameAsScan(store, ['--outcome', 'answered,busy'])).length, 60);
  assert.equal((await assertSameAsScan(store, ['--status', '4xx'])).length, 20);
  assert.equal((await assertSameAsScan(store, ['--status', '486', '--status', '2xx', '--since', since])).length, 40);
  assert.equal((await assertSameAsScan(store, ['--status', '487'])).length, 0);
  assert.equal((await assertSameAsScan(store, ['--slow-setup', '2500ms'])).length, 20, 'busy after 3 s, answered after 2 s');
  assert.equal((await assertSameAsScan(store, ['--failed', '--filter', 'bob3@'])).length, 3);
  for (const format of ['ndjson', 'table']) assert.equal(await listText(store, ['--failed'], true, format), await listText(store, ['--failed'], false, format), format);
  assert.equal((await listJson(store, ['--since', iso(T0 + 10 * 86400)], true)).length, 0);
  // Prove the answers above came from the index: a row altered in SQLite shows up in list.
  const Db = createRequire(import.meta.url)('better-sqlite3');
  const db = new Db(join(store, '.index', 'calls.sqlite'));
  db.prepare("UPDATE calls SET summary = json_set(summary, '$.to', 'from-the-index') WHERE call_id = 'idx-7-a@10.0.0.7'").run();
  db.close();
  const marked = (await listJson(store, ['--filter', 'idx-7-a'], true)) as Record<string, unknown>[];
  assert.equal(marked[0]!.to, 'from-the-index');
  assert.equal((await runCli(['--store', store, 'reindex', '-q'])).code, 0);
  await assertSameAsScan(store, ['--filter', 'idx-7-a']);
});

test('a time range finds a call that started long before it (the longest span bounds first_ts)', async () => {
  const dir = tempDir();
  const store = tempStore();
  // 40 short calls over ~7 h, and one call whose last message came three days after its first.
  const chunks: object[] = [];
  for (let i = 0; i < 40; i++) chunks.push(...callChunks(i, T0 + i * 600));
  const long = callChunks(500, T0 - 86400) as Record<string, unknown>[];
  const late = callChunks(500, T0 + 2 * 86400) as Record<string, unknown>[];
  chunks.push(...long, late[late.length - 1]!); // the same Call-ID: its BYE, two days later
  const r = await runCli(['--store', store, 'ingest', '-q', writeNdjson(join(dir, 'long.ndjson'), chunks)]);
  assert.equal(r.code, 0, r.stderr);
  const windows: [number, number][] = [[T0 + 3600, T0 + 7200], [T0 + 86400, T0 + 90000], [T0 + 2 * 86400 + 30, T0 + 3 * 86400], [T0 - 86400 - 60, T0 - 86000]];
  for (const [a, b] of windows) {
    const rows = (await assertSameAsScan(store, ['--since', iso(a), '--until', iso(b)])) as Record<string, unknown>[];
    assert.ok(rows.some((c) => c['call-id'] === 'idx-500-a@10.0.0.0'), `the long call is active in ${iso(a)}..${iso(b)}`);
  }
});

test('call files deleted by logrotate drop out of list and are pruned from the index', async () => {
  const dir = tempDir();
  const store = tempStore();
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'a.ndjson', 0, 30)])).code, 0);
  // What `<root>/*/*/*` with rotate 0 does: delete call files behind the store's back.
  const gone = [0, 5, 6, 29].map((i) => `idx-${i}-a@10.0.0.${i}`);
  for (const id of gone) unlinkSync(callPath(store, id));
  const rows = await assertSameAsScan(store, []);
  assert.equal(rows.length, 26);
  for (const row of rows) assert.ok(!gone.includes((row as Record<string, string>)['call-id']));
  assert.equal(indexRows(store), 26, 'rows of deleted files are pruned');
  // The index is never matched by the logrotate glob: nothing under <root>/*/*/* but call files.
  for (const a of readdirSync(store)) {
    if (a.startsWith('.')) continue;
    for (const b of readdirSync(join(store, a))) for (const f of readdirSync(join(store, a, b))) assert.match(f, /^[0-9a-f]{28}$/);
  }
});

test('a writer without the hook: a grown call file is re-summarised when listed', async () => {
  const dir = tempDir();
  const store = tempStore();
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'a.ndjson', 0, 10)])).code, 0);
  // Another capture point's copy of call 3, ending later, written with the index switched off.
  const more = callChunks(3, T0 + 3 * 600 + 5000, { parser: '/var/log/freeswitch.log' });
  const r = await runCli(['--store', store, 'ingest', '-q', writeNdjson(join(dir, 'b.ndjson'), more)], { env: { CALL_INSPECTOR_INDEX: 'off' } });
  assert.equal(r.code, 0, r.stderr);
  const rows = await assertSameAsScan(store, []) as Record<string, unknown>[];
  const row = rows.find((x) => x['call-id'] === 'idx-3-a@10.0.0.3')!;
  assert.deepEqual(row.capture_points, ['/var/log/freeswitch.log', '/var/log/kamailio.log']);
  await assertSameAsScan(store, ['--failed']);
  // A half-written line at the end (a writer killed mid-line) is no reason to fail.
  appendFileSync(callPath(store, 'idx-4-a@10.0.0.4'), '{"v":1,"call-id":"idx-4-a@10.0.0.4","raw":["INV');
  await assertSameAsScan(store, []);
});

test('two concurrent ingests into one store: list equals a fresh reindex and the scan', async () => {
  const dir = tempDir();
  const store = tempStore();
  // Overlapping calls (20..39) get chunks from both processes, under different capture points.
  const a = inputOf(dir, 'a.ndjson', 0, 40, { parser: '/logs/a.log' });
  const b = inputOf(dir, 'b.ndjson', 20, 40, { parser: '/logs/b.log' });
  // Make the first ingest create the store first, then race two more on top of it.
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'seed.ndjson', 100, 1)])).code, 0);
  const [ra, rb] = await Promise.all([
    runCli(['--store', store, 'ingest', '-q', a]),
    runCli(['--store', store, 'ingest', '-q', b]),
  ]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const live = await listJson(store, [], true);
  assert.equal(live.length, 61);
  for (const row of live as Record<string, unknown>[]) {
    const i = Number(/^idx-(\d+)-/.exec(row['call-id'] as string)![1]);
    if (i >= 20 && i < 40) assert.deepEqual(row.capture_points, ['/logs/a.log', '/logs/b.log'], `row of ${row['call-id']} saw both writers`);
  }
  assert.deepEqual(live, await listJson(store, [], false));
  assert.equal((await runCli(['--store', store, 'reindex', '-q'])).code, 0);
  assert.deepEqual(await listJson(store, [], true), live);
});

test('reindex rebuilds the index from scratch; an old store without one is scanned until then', async () => {
  const dir = tempDir();
  const store = tempStore();
  // A store written before the index existed.
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'a.ndjson', 0, 25)], { env: { CALL_INSPECTOR_INDEX: 'off' } })).code, 0);
  assert.ok(!existsSync(join(store, '.index', 'calls.sqlite')));
  // A later ingest with the index on must not start a partial index on a store with calls.
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'b.ndjson', 25, 5)])).code, 0);
  assert.ok(!existsSync(join(store, '.index', 'calls.sqlite')), 'no partial index');
  assert.equal((await listJson(store, [], true)).length, 30, 'list scans');
  const r = await runCli(['--store', store, 'reindex', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { files: number; rows: number };
  assert.equal(res.files, 30);
  assert.equal(res.rows, 30);
  assert.equal(indexRows(store), 30);
  await assertSameAsScan(store, ['--since', iso(T0 + 12 * 600)]);
  // Destroy it completely (and leave garbage in its place): reindex starts again.
  rmSync(join(store, '.index'), { recursive: true, force: true });
  assert.equal((await runCli(['--store', store, 'reindex', '-q'])).code, 0);
  assert.equal(indexRows(store), 30);
  writeFileSync(join(store, '.index', 'calls.sqlite'), 'not a database');
  for (const s of ['-wal', '-shm']) rmSync(join(store, '.index', 'calls.sqlite' + s), { force: true });
  assert.equal((await listJson(store, [], true)).length, 30, 'a corrupt index is not used');
  assert.equal((await runCli(['--store', store, 'reindex', '-q'])).code, 0);
  assert.equal(indexRows(store), 30);
  await assertSameAsScan(store, []);
});

test('two ingests racing to create the index of an empty store both keep it', async () => {
  const dir = tempDir();
  const store = tempStore();
  // An empty store (marker only), then two writers whose first flushes both create the index.
  assert.equal((await runCli(['--store', store, 'ingest', '-q', writeNdjson(join(dir, 'none.ndjson'), [])])).code !== 2, true);
  const [ra, rb] = await Promise.all([
    runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'a.ndjson', 0, 30, { parser: '/logs/a.log' })]),
    runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'b.ndjson', 30, 30, { parser: '/logs/b.log' })]),
  ]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  assert.doesNotMatch(ra.stderr + rb.stderr, /list index not/);
  assert.equal(indexRows(store), 60);
  assert.equal((await assertSameAsScan(store, [])).length, 60);
});

test('an ingest killed before its index thread caught up: list still shows every stored call', async () => {
  const dir = tempDir();
  const store = tempStore();
  const n = 15000; // large enough that the kill lands mid-way even on a slow machine
  const file = inputOf(dir, 'many.ndjson', 0, n, { tag: 'kill' });
  // The process that does the ingest itself (bin/ would otherwise run it as its child, entry.ts).
  const child = spawn(process.execPath, ['--max-semi-space-size=4', join(projectRoot(), 'bin', 'call-inspector.js'), '--store', store, 'ingest', '-q', file],
    { stdio: 'ignore', env: { ...process.env, CALL_INSPECTOR_NODE_FLAGS_SET: '1' } });
  // Kill it once some call files exist and before the end: rows trail the writes by a batch.
  const pending = join(store, '.index', 'pending');
  const deadline = Date.now() + 30000;
  // (A call file is created by the append that writes it: wait for its first bytes.)
  const first = callPath(store, (callChunks(0, 0, { tag: 'kill' })[0] as { 'call-id': string })['call-id']);
  const written = () => { try { return statSync(first).size > 0; } catch { return false; } };
  while (Date.now() < deadline && !(existsSync(pending) && readdirSync(pending).length > 0 && written())) {
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const stored = await listJson(store, [], false);
  assert.ok(stored.length > 0 && stored.length < n, `killed mid-way (${stored.length} calls stored)`);
  assert.ok(readdirSync(pending).length > 0, 'the killed writer left its journal');
  // The index answers (it is complete) and recovers the journal's calls first.
  const viaIndex = await assertSameAsScan(store, []);
  assert.equal(viaIndex.length, stored.length);
  assert.deepEqual(readdirSync(pending), [], 'a dead writer\'s journal is removed once its rows are in');
  assert.equal(indexRows(store), stored.length);
});

test('a finished ingest leaves no journal behind', async () => {
  const dir = tempDir();
  const store = tempStore();
  const r = await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'a.ndjson', 0, 50)]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(join(store, '.index', 'pending')), []);
  assert.equal(indexRows(store), 50);
});

for (const [batchChunks, maxBacklog] of [[100, 60], [2, 3]] as const) {
  test(`back-pressure (batches of ${batchChunks} chunks, maxBacklog ${maxBacklog}): an ingest ahead of its index thread waits, and every row is still computed`, { timeout: 60_000 }, async () => {
    // Batches of 2 chunks are mostly a call already waiting: the thread must answer those too.
    const store = Store.open(tempStore(), { create: true });
    const thread = IndexThread.start(store, { settleBatches: 1, maxBacklog });
    assert.ok(thread, 'the SQLite module is needed here');
    const sink = new ChunkSink(store, batchChunks);
    sink.onBeforeAppend(thread.beforeAppend);
    let waits = 0;
    sink.onFlush((batch) => {
      const wait = thread.afterAppend(batch);
      if (wait) waits++;
      return wait;
    });
    const calls = batchChunks === 2 ? 150 : 600;
    for (let i = 0; i < calls; i++) {
      for (const o of callChunks(i, T0 + i * 600)) {
        if (sink.add(chunkFromJson(o as Record<string, unknown>)!)) await sink.flush();
      }
    }
    await sink.flush();
    assert.ok(waits > 0, 'the writer never waited: no back-pressure');
    assert.ok(await thread.drain() >= calls);
    assert.equal(indexRows(store.root), calls);
    assert.deepEqual(readdirSync(join(store.root, '.index', 'pending')), []);
    await assertSameAsScan(store.root, []);
  });
}

test('an index of an older schema is replaced by the first writer and used again after reindex; a newer one is left alone', async () => {
  const dir = tempDir();
  const store = tempStore();
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'a.ndjson', 0, 12)])).code, 0);
  const indexFile = join(store, '.index', 'calls.sqlite');
  const Db = createRequire(import.meta.url)('better-sqlite3');
  // The index as schema 2 (session 4's release) left it: its table, its indexes, marked complete.
  rmSync(join(store, '.index'), { recursive: true, force: true });
  mkdirSync(join(store, '.index'), { recursive: true });
  const old = new Db(indexFile);
  old.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE calls (hash TEXT PRIMARY KEY, call_id TEXT NOT NULL, first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
      status INTEGER, outcome TEXT, size INTEGER NOT NULL, ino TEXT NOT NULL, summary TEXT NOT NULL);
    CREATE INDEX calls_first ON calls(first_ts, last_ts, outcome, status);
    CREATE INDEX calls_last ON calls(last_ts, first_ts, outcome, status);
    INSERT INTO meta VALUES ('schema', '2'), ('complete', 'x');
    INSERT INTO calls VALUES ('00', 'stale', 1, 2, 200, 'answered', 1, '1', '{"call-id":"stale"}');`);
  old.close();
  const tables = () => {
    const db = new Db(indexFile, { readonly: true });
    try {
      return {
        schema: (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value,
        sql: (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'calls'").get() as { sql: string }).sql,
        indexes: (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name),
        rows: (db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n,
      };
    } finally { db.close(); }
  };
  // A reader neither uses nor changes it: list scans, and says why.
  const scanned = await runCli(['--store', store, 'list', '-f', 'json']);
  assert.equal(scanned.code, 0, scanned.stderr);
  assert.equal((JSON.parse(scanned.stdout) as unknown[]).length, 12);
  assert.deepEqual(tables().indexes, ['calls_first', 'calls_last']);
  assert.equal(tables().schema, '2');
  // A writer replaces it with an empty index of this schema, not complete: list still scans.
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'b.ndjson', 12, 3)])).code, 0);
  const now = tables();
  assert.equal(now.schema, '3');
  assert.match(now.sql, /WITHOUT ROWID/);
  assert.deepEqual(now.indexes, ['calls_hash', 'calls_last', 'calls_span']);
  const before = await runCli(['--store', store, 'list', '-f', 'json']);
  assert.match(before.stderr, /out of date|being rebuilt/);
  assert.equal((JSON.parse(before.stdout) as unknown[]).length, 15);
  // After one reindex the index answers, as the scan does.
  assert.equal((await runCli(['--store', store, 'reindex', '-q'])).code, 0);
  assert.equal(tables().rows, 15);
  await assertSameAsScan(store, ['--since', iso(T0 + 5 * 600), '--until', iso(T0 + 11 * 600)]);
  await assertSameAsScan(store, ['--failed']);
  // An index from a newer call-inspector: left as it is by readers and writers alike.
  const newer = new Db(indexFile);
  newer.prepare("UPDATE meta SET value = '99' WHERE key = 'schema'").run();
  newer.close();
  assert.equal((await runCli(['--store', store, 'ingest', '-q', inputOf(dir, 'c.ndjson', 15, 2)])).code, 0);
  assert.equal(tables().schema, '99');
  assert.equal(tables().rows, 15);
  assert.equal((JSON.parse((await runCli(['--store', store, 'list', '-f', 'json'])).stdout) as unknown[]).length, 17);
});

test('listen-style settling: a big call is recomputed only after a hold that grows with its size; others are not kept waiting; the drain gives every call its last row', { timeout: 60_000 }, async () => {
  const store = Store.open(tempStore(), { create: true });
  // Rows after 100 ms of quiet (listen: 2 s); "big" from 1.5 kB here (listen: 16 MB): a hold of 30 s or more.
  const thread = IndexThread.start(store, { settleMs: 100, bigCallBytes: 1500 });
  assert.ok(thread, 'the SQLite module is needed here');
  const sink = new ChunkSink(store, 1000);
  sink.onBeforeAppend(thread.beforeAppend);
  sink.onFlush((batch) => thread.afterAppend(batch));
  const Db = createRequire(import.meta.url)('better-sqlite3');
  const messages = (callId: string) => {
    const db = new Db(join(store.root, '.index', 'calls.sqlite'), { readonly: true });
    try {
      const row = db.prepare('SELECT summary FROM calls WHERE call_id = ?').get(callId) as { summary: string } | undefined;
      return row ? (JSON.parse(row.summary) as { messages: number }).messages : 0;
    } finally { db.close(); }
  };
  const add = async (chunks: object[]) => { for (const o of chunks) sink.add(chunkFromJson(o as Record<string, unknown>)!); await sink.flush(); };
  const big = callChunks(1, T0, { tag: 'big' }); // 5 messages, 3 of them already over 1.5 kB
  const small = callChunks(2, T0, { tag: 'small', status: 486 }); // 1 and 2 messages: under 1.5 kB
  const until = async (what: () => boolean) => { for (const t = Date.now(); !what() && Date.now() - t < 10_000;) await new Promise((r) => setTimeout(r, 20)); };
  let drained = false;
  try {
  await add(big.slice(0, 3));
  await add(small.slice(0, 1));
  const sizeOf = (c: object) => statSync(callPath(store.root, (c as { 'call-id': string })['call-id'])).size;
  assert.ok(sizeOf(big[0]!) > 1500 && sizeOf(small[0]!) * 2 < 1500, `sizes ${sizeOf(big[0]!)} and ${sizeOf(small[0]!)}`);
  const bigId = (big[0] as { 'call-id': string })['call-id'], smallId = (small[0] as { 'call-id': string })['call-id'];
  await until(() => messages(bigId) === 3 && messages(smallId) === 1);
  assert.equal(messages(bigId), 3, 'first row of the big call');
  // Both grow; the small one is recomputed after its settle, the big one is held.
  await add(big.slice(3));
  await add(small.slice(1, 2));
  await until(() => messages(smallId) === 2);
  assert.equal(messages(smallId), 2, 'a small call is not held');
  await new Promise((r) => setTimeout(r, 400)); // well past the settle time
  assert.equal(messages(bigId), 3, 'the big call is held');
  // list is not stale meanwhile: the file grew, so list recomputes that row itself.
  const listed = (await listJson(store.root, [], true)) as { 'call-id': string; messages: number }[];
  assert.equal(listed.find((c) => c['call-id'] === bigId)?.messages, 5);
  drained = true;
  assert.ok(await thread.drain() >= 2);
  assert.equal(messages(bigId), 5, 'the drain computed the held call');
  await assertSameAsScan(store.root, []);
  } finally {
    if (!drained) await thread.drain(); // a failed assertion must not leave the thread running
  }
});

test('a writer\'s index connection keeps a small page cache; readers keep SQLite\'s default of this build', () => {
  const root = tempDir();
  const writer = openIndex(root, { create: true, cacheKb: 4096 });
  const reader = openIndex(root, { create: false });
  if (!writer || !reader) return void assert.fail('better-sqlite3 did not load');
  try {
    assert.equal(writer.pragma('cache_size', { simple: true }), -4096);
    // better-sqlite3 builds SQLite with 16 MB (SQLITE_DEFAULT_CACHE_SIZE=-16000): what the
    // writer's 4 MB saves on an ingest's peak.
    assert.equal(reader.pragma('cache_size', { simple: true }), -16000);
  } finally {
    writer.close();
    reader.close();
  }
});
