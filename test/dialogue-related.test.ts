// Related legs: correlation keys of a chunk, and `show --related` on the corpus capture whose
// B-leg names its A-leg in an XCall-ID header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { b2buaBase, keyIsCallId, legKeys } from '../src/dialogue/related.js';
import { seen } from './helpers/dialogue-scenario.js';
import { corpusFile, corpusSkip } from './helpers/corpus.js';
import { runCli, tempStore } from './helpers/cli.js';

const A = '10.0.0.1:5060', B = '10.0.0.2:5060';

test('correlation keys: X-CID family, Session-ID, icid, HEP correlation id, B2BUA Call-IDs', () => {
  const c = seen({
    start: 'INVITE sip:bob@b.example SIP/2.0', callId: 'bleg-77', cseq: '1 INVITE', vias: ['10.0.0.1;branch=z9hG4bK1'],
    headers: [
      'XCall-ID: aleg-1', 'X-CID: aleg-2', 'x-call-id: aleg-3;foo=bar',
      'Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=00000000000000000000000000000000',
      'P-Charging-Vector: icid-value="AyretyU0dm+6O2IrT5tAFrbHLso=";orig-ioi=home1.net',
    ],
  }, 'cap', 0, A, B);
  c.capture = { correlation_id: 'aleg-4' };
  const keys = legKeys(c).map((k) => `${k.via}:${k.key}`);
  assert.deepEqual(keys, ['x-cid:aleg-1', 'x-cid:aleg-2', 'x-cid:aleg-3', 'hep-correlation:aleg-4',
    'session-id:sid:ab30317f1a784dc48ff824d0d3715d86', 'icid:icid:AyretyU0dm+6O2IrT5tAFrbHLso=']);
  assert.ok(keyIsCallId('aleg-1'));
  assert.ok(!keyIsCallId('sid:ab30317f1a784dc48ff824d0d3715d86'));
  // the HEP correlation id equal to the own Call-ID (hep-wireshark__hep.pcap) is no key
  const self = seen({ start: 'OPTIONS sip:x SIP/2.0', callId: 'q@h', cseq: '1 OPTIONS' }, 'cap', 0, A, B);
  self.capture = { correlation_id: 'q@h' };
  assert.deepEqual(legKeys(self), []);
});

test('correlation keys: header names in any case or after blanks are found, a body line is not a header', () => {
  const c = seen({ start: 'INVITE sip:bob@b.example SIP/2.0', callId: 'k-1', cseq: '1 INVITE', headers: ['SESSION-ID: ab30317f1a784dc48ff824d0d3715d86'] }, 'cap', 0, A, B);
  assert.deepEqual(legKeys(c).map((k) => k.key), ['sid:ab30317f1a784dc48ff824d0d3715d86']);
  // readHead takes a first header line's name trimmed; the quick check must not skip it
  const blank = { ...c, raw: ['INVITE sip:bob@b.example SIP/2.0', ' x-cid: aleg-9', 'Call-ID: k-1', 'CSeq: 1 INVITE', ''] };
  assert.deepEqual(legKeys(blank).map((k) => k.key), ['aleg-9']);
  // after the blank line ending the headers, "X-CID: …" is body text
  const body = { ...c, raw: ['INVITE sip:bob@b.example SIP/2.0', 'Call-ID: k-1', 'CSeq: 1 INVITE', '', 'X-CID: not-a-header'] };
  assert.deepEqual(legKeys(body), []);
  // and a message without any x-/s-/p- header has no key (the head is not read at all)
  const plain = { ...c, raw: ['OPTIONS sip:x SIP/2.0', 'Call-ID: k-1', 'CSeq: 1 OPTIONS', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', ''] };
  assert.deepEqual(legKeys(plain), []);
});

test('B2BUA Call-ID conventions', () => {
  assert.equal(b2buaBase('1d393ec9824cf660c6b71a4ff8c37.b2bua'), '1d393ec9824cf660c6b71a4ff8c37');
  assert.equal(b2buaBase('abcdef123-b2b_1'), 'abcdef123');
  assert.equal(b2buaBase('B2B.42.abcdef123@host'), 'abcdef123@host');
  assert.equal(b2buaBase('kovfhoptshgn59q712sr'), undefined);
  assert.equal(b2buaBase('926ffd16-6154-1237-09ba-0270b3230128'), undefined);
});

const WS = 'pcap/heplify__sip_tcp_websocket.pcap';

test('show --related on heplify__sip_tcp_websocket.pcap: both legs in one dialogue', { skip: corpusSkip(WS) }, async () => {
  const store = tempStore();
  const ing = await runCli(['ingest', '--quiet', '--store', store, corpusFile(WS)]);
  assert.equal(ing.code, 0, ing.stderr);
  for (const start of ['kovfhoptshgn59q712sr', '926ffd16-6154-1237-09ba-0270b3230128']) {
    const r = await runCli(['show', '--store', store, '--related', '--format', 'json', start]);
    assert.equal(r.code, 0, r.stderr);
    const msgs = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(msgs.length, 37, '19 A-leg + 18 B-leg messages');
    assert.deepEqual([...new Set(msgs.map((m) => m['call-id']))].sort(), ['926ffd16-6154-1237-09ba-0270b3230128', 'kovfhoptshgn59q712sr']);
    // the B-leg INVITE arrives while the A-leg rings: interleaved by time, not leg after leg
    const firstB = msgs.findIndex((m) => m['call-id'] !== 'kovfhoptshgn59q712sr');
    assert.equal(msgs[firstB - 1]!.label, 'SIP/2.0 180 Ringing');
    const ents = new Set(msgs.flatMap((m) => [m.src, m.dst]));
    for (const e of ['10.243.17.55:43380', '10.243.0.157:8080', '10.243.0.157:5060', '10.243.0.143:5060', '10.243.1.36:5090', '18.214.104.248:5090']) assert.ok(ents.has(e), e);
  }
  // without --related: one leg only
  const one = await runCli(['show', '--store', store, '--format', 'json', 'kovfhoptshgn59q712sr']);
  assert.equal((JSON.parse(one.stdout) as unknown[]).length, 19);
  // the ladder names both Call-IDs' messages; printed for the record
  const ladder = await runCli(['show', '--store', store, '--related', '--ascii', '--width', '200', 'kovfhoptshgn59q712sr']);
  assert.equal(ladder.code, 0, ladder.stderr);
  assert.match(ladder.stderr, /related leg 926ffd16-6154-1237-09ba-0270b3230128/);
  // re-ingest changes nothing, index included
  const again = await runCli(['ingest', '--quiet', '--store', store, corpusFile(WS)]);
  assert.equal(again.code, 0);
  const r2 = await runCli(['show', '--store', store, '--related', '--format', 'json', 'kovfhoptshgn59q712sr']);
  assert.equal((JSON.parse(r2.stdout) as unknown[]).length, 37);
});
