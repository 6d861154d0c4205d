// The whole CLI path for Kamailio logs: ingest (detection, resume state, store) then show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusFile, corpusSkip, fixture } from './helpers/corpus.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';

interface Summary { input: string; format?: string; status: string; chunks: number; written: number; duplicates: number; calls: number; skipped: Record<string, number>; resumedFrom?: number; note?: string }

async function ingest(args: string[]): Promise<Summary[]> {
  const r = await runCli(['ingest', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { inputs: Summary[] }).inputs;
}

async function show(store: string, callId: string): Promise<Record<string, unknown>[]> {
  const r = await runCli(['show', callId, '--store', store, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
}

const CORPUS = [
  ['kazoo-call_inspector-doc__kamailio_kazoo_format_register_ws.log', 2, 2, {}],
  ['kamailio-issue2436__excerpt_debug_log_prefix_reply_no_transaction.log', 1, 1, { 'no call-id': 3 }],
  ['kamailio-issue1395__excerpt_debug_parse_msg_invite.log', 0, 0, { 'no call-id': 9, 'unrecognised line': 1 }],
  ['kamailio-issue4911__excerpt_callid_bracket_prefix_options.log', 4, 4, {}],
  ['learn-kamailio-issue5__excerpt_log_prefix_register.log', 2, 2, {}],
] as const;

test('ingest every corpus Kamailio log through the CLI, then show', { skip: corpusSkip('kamailio') }, async () => {
  const store = tempStore();
  const files = CORPUS.map(([name]) => corpusFile(`kamailio/${name}`));
  const inputs = await ingest([...files, '--store', store, '--node-address', '192.168.11.50:5060', '--year', '2015', '--utc-offset', '+00:00']);
  assert.deepEqual(inputs.map((s) => [s.format, s.status, s.chunks, s.calls, s.skipped]), CORPUS.map(([, chunks, calls, skipped]) => ['kamailio', 'ok', chunks, calls, skipped]));

  const ws = await show(store, 'uncj0soi900etthorbq57j');
  assert.deepEqual(ws.map((c) => [c['call-id'], c.src, c.dst, c.c_seq, c.parser, c.timestamp, c.kind]), [
    ['uncj0soi900etthorbq57j', '192.168.11.43:33278', '192.168.11.50:5060', '89', files[0], 63611211502, 'log'],
  ]);
  const opt = await show(store, '80769174489202691943@edge-a1.fake.net');
  assert.deepEqual(opt.map((c) => [c.label, (c.raw as string[]).length, c.flags]), [['[ISREQLEGIT]IP=10.0.0.1|RURI=sip:5.5.5.5|F=sip:edge-a1.fake.net:5069|T=sip:5.5.5.5', 2, ['annotation']]]);
  // Same data again: nothing new is stored.
  const again = await ingest([...files, '--store', store, '--full', '--node-address', '192.168.11.50:5060', '--year', '2015', '--utc-offset', '+00:00']);
  assert.deepEqual(again.map((s) => s.written), [0, 0, 0, 0, 0]);
});

test('the demo: the real Kamailio log and the loopback capture of the same calls', async () => {
  const store = tempStore();
  // The two capture files (fixtures/demo also holds its README.md, which is not an input).
  const inputs = await ingest([fixture('demo/kamailio.log'), fixture('demo/loopback.pcap'), '--store', store]);
  const log = inputs.find((s) => s.input.endsWith('kamailio.log'))!;
  assert.deepEqual([log.format, log.chunks, log.calls, log.skipped], ['kamailio', 8, 2, { 'no call-id': 18 }]);
  const rejected = await show(store, '1-27675@127.0.0.1');
  // Each message is one row; the log's transaction is either its own row or a capture point
  // (seen_by) of the row the capture holds, depending on how the dialogue merges them.
  const pointsOf = (c: Record<string, unknown>) => [c.parser, ...((c.seen_by as { parser: string }[] | undefined) ?? []).map((s) => s.parser)].map(String);
  const logRows = rejected.filter((c) => pointsOf(c).some((p) => p.endsWith('kamailio.log')));
  assert.deepEqual(logRows.map((c) => [String(c.label).replace(/ SIP\/2\.0$|^SIP\/2\.0 /g, ''), c.src, c.dst]), [
    ['INVITE sip:403@127.0.0.1:15060', '127.0.0.1:15061', '127.0.0.1:15060'],
    ['403 Forbidden', '127.0.0.1:15060', '127.0.0.1:15061'],
  ]);
  assert.ok(rejected.some((c) => pointsOf(c).some((p) => p.endsWith('loopback.pcap'))), 'the capture point of the pcap is there too');
});

const L = (cid: string, tagText: string, s = '22.5') => `2021-06-01T10:00:${s}+00:00 kam kamailio[9]: INFO: <script>: ${cid}|${tagText}\n`;

test('a log that grew is read from where the last ingest stopped; the truncated transaction is completed', async () => {
  const dir = tempDir('ci-kam-');
  const path = join(dir, 'kamailio.log');
  const store = tempStore();
  const done = L('g1', 'start|received udp request INVITE sip:a') + L('g1', 'log|source 192.0.2.1:5060') + L('g1', 'pass|192.0.2.2:5060');
  const open = L('g2', 'start|received udp request BYE sip:a') + L('g2', 'log|source 192.0.2.1:5060');
  writeFileSync(path, done + open);
  const first = await ingest([path, '--store', store, '--node-address', '10.0.0.1:5060']);
  assert.deepEqual([first[0]!.chunks, first[0]!.written, first[0]!.resumedFrom], [2, 2, undefined]);

  appendFileSync(path, L('g2', 'pass|192.0.2.2:5060', '23.0') + L('g3', 'start|received udp request OPTIONS sip:a', '24.0') + L('g3', 'stop|keep alive', '24.0'));
  const second = await ingest([path, '--store', store, '--node-address', '10.0.0.1:5060']);
  assert.deepEqual([second[0]!.resumedFrom, second[0]!.chunks, second[0]!.written, second[0]!.duplicates], [Buffer.byteLength(done), 2, 2, 0]);

  const g2 = await show(store, 'g2');
  assert.deepEqual(g2.map((c) => [(c.raw as string[]).length, c.flags, (c.source as { offset: number }).offset]), [[3, undefined, Buffer.byteLength(done)]]);
  const g1 = await show(store, 'g1');
  assert.equal(g1.length, 1);

  const third = await ingest([path, '--store', store, '--node-address', '10.0.0.1:5060']);
  assert.equal(third[0]!.status, 'unchanged');
});

test('a rotated log (new file under the same name) is read from the start', async () => {
  const dir = tempDir('ci-kam-');
  const path = join(dir, 'kamailio.log');
  const store = tempStore();
  writeFileSync(path, L('o1', 'start|received udp request INVITE sip:a') + L('o1', 'pass|192.0.2.2:5060'));
  await ingest([path, '--store', store, '--node-address', '10.0.0.1:5060']);
  const next = join(dir, 'kamailio.log.new');
  writeFileSync(next, L('o2', 'start|received udp request INVITE sip:b', '50.0') + L('o2', 'pass|192.0.2.2:5060', '50.0') + L('o3', 'start|received udp request BYE sip:b', '51.0') + L('o3', 'end|x', '51.0'));
  renameSync(next, path);
  const s = await ingest([path, '--store', store, '--node-address', '10.0.0.1:5060']);
  assert.deepEqual([s[0]!.resumedFrom, s[0]!.chunks, s[0]!.written], [undefined, 2, 2]);
  assert.match(s[0]!.note ?? '', /rotated/);
  assert.equal((await show(store, 'o1')).length, 1);
  assert.equal((await show(store, 'o3')).length, 1);
});

test('sipdump .data through the CLI: detected and stored', async () => {
  const store = tempStore();
  const [s] = await ingest([fixture('kamailio/kamailio-sipdump.data'), '--store', store]);
  assert.deepEqual([s!.format, s!.chunks, s!.calls, s!.skipped], ['kamailio-sipdump', 16, 2, {}]);
  const call = await show(store, '1-27509@127.0.0.1');
  assert.equal(call.length, 13);
});
