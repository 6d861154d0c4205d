// Sizes that break code written for a few hundred items: `list` printing a million calls, and a
// Call-ID kept for weeks (OPTIONS keepalives, registration refreshes) with 10^4-10^5 messages.
// Math.max(...rows) overflows the call stack past ~120,000 arguments; a search over every pair
// of transactions takes minutes at 10^5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderList } from '../src/cli/commands/list.js';
import { ListedCall } from '../src/store/call-index/query.js';
import { fitLayout } from '../src/render/ladder-layout.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';

test('list prints a table of 300,000 calls', () => {
  const calls = Array.from({ length: 300_000 }, (_, i) => ListedCall.fromRow(BigInt(i), `c${i}`, JSON.stringify({
    'call-id': `c${i}`, first: '2026-01-01T00:00:00.000Z', last: '2026-01-01T00:00:01.000Z', first_ts: String(i), last_ts: String(i),
    from: 'a@x', to: 'b@y', method: 'INVITE', status: 200, reason: 'OK', messages: 5, capture_points: ['/var/log/k.log'], outcome: 'answered',
  })));
  const out = renderList(calls, 'table', false);
  assert.match(out, /\n300000 calls\n$/);
  assert.equal(out.split('\n').length, 300_000 + 3);
});

test('a ladder of 300,000 messages is laid out', () => {
  // Labels too wide for the terminal: the layout caps them (the path that measured them all).
  const spans = Array.from({ length: 300_000 }, (_, i) => ({ lo: 0, hi: 1 + (i % 2), width: 60 + (i % 7) }));
  const layout = fitLayout([8, 8, 8], spans, 60);
  assert.equal(layout.gaps.length, 2);
  assert.ok(layout.cap < 60, `labels capped (${layout.cap})`);
});

test('a keepalive Call-ID of 30,000 messages: ingest, list, show and analyze answer in proportion to its size', async () => {
  const GREG = 62167219200, T0 = 1767225600;
  const lines: string[] = [];
  for (let i = 0; i < 30_000; i++) {
    const req = i % 2 === 0, n = i >> 1, t = T0 + n * 30 + (req ? 0 : 0.01);
    const label = req ? 'OPTIONS sip:ka@example.net SIP/2.0' : 'SIP/2.0 200 OK';
    lines.push(JSON.stringify({
      'call-id': 'keepalive-1@10.0.0.1', timestamp: t + GREG, ref_timestamp: (t + GREG).toFixed(3), label,
      raw: [label, `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKka${n}`, 'From: <sip:ua@example.com>;tag=f1', `To: <sip:ka@example.net>${req ? '' : ';tag=t1'}`,
        'Call-ID: keepalive-1@10.0.0.1', `CSeq: ${n + 1} OPTIONS`, 'Content-Length: 0', ''],
      src: req ? '10.0.0.1:5060' : '10.0.0.2:5060', dst: req ? '10.0.0.2:5060' : '10.0.0.1:5060', parser: '/var/log/kamailio.log', c_seq: `${n + 1} OPTIONS`,
    }));
  }
  const input = join(tempDir(), 'keepalive.ndjson');
  writeFileSync(input, lines.join('\n') + '\n');
  const store = tempStore();
  const opts = { timeoutMs: 120_000 };
  const ingest = await runCli(['--store', store, 'ingest', '-q', input], opts);
  assert.equal(ingest.code, 0, ingest.stderr);
  const list = await runCli(['--store', store, 'list', '-f', 'json'], opts);
  assert.equal(list.code, 0, list.stderr);
  const [row] = JSON.parse(list.stdout) as { messages: number; outcome: string }[];
  assert.equal(row!.messages, 30_000);
  assert.equal(row!.outcome, 'answered');
  const show = await runCli(['--store', store, 'show', 'keepalive-1@10.0.0.1', '-f', 'ndjson'], opts);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(show.stdout.trim().split('\n').length, 30_000);
  const ladder = await runCli(['--store', store, 'show', 'keepalive-1@10.0.0.1'], opts);
  assert.equal(ladder.code, 0, ladder.stderr);
  const analyze = await runCli(['--store', store, 'analyze', 'keepalive-1@10.0.0.1', '-f', 'json'], opts);
  assert.equal(analyze.code, 0, analyze.stderr);
});
