// The counter-examples of KAZOO.md §8 items 1-6, each shown wrong in Kazoo-compatible mode and
// right in the default mode, and chunks missing CSeq, Call-ID or addresses (no crash, stable
// order, a note).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDialogue } from '../src/dialogue/build.js';
import type { Chunk } from '../src/model/chunk.js';
import { seen, shuffled, type MessageSpec } from './helpers/dialogue-scenario.js';

const A = '10.0.0.1:5060', P = '10.0.0.2:5060', B = '10.0.0.3:5060';
const CID = 'order-1@10.0.0.1';
const h1 = ['10.0.0.1:5060;branch=z9hG4bKa1'];
const h2 = ['10.0.0.2:5060;branch=z9hG4bKp1', ...h1];

const req = (method: string, cseq: string, vias: string[], extra: Partial<MessageSpec> = {}): MessageSpec =>
  ({ start: `${method} sip:bob@b.example SIP/2.0`, callId: CID, cseq, vias, ...extra });
const resp = (status: string, cseq: string, vias: string[], extra: Partial<MessageSpec> = {}): MessageSpec =>
  ({ start: `SIP/2.0 ${status}`, callId: CID, cseq, vias, toTag: 'b1', ...extra });

const labels = (d: ReturnType<typeof buildDialogue>) => d.messages.map((m) => `${m.chunk.c_seq} ${m.chunk.label}`);

function invariant(chunks: Chunk[]): string[] {
  const base = labels(buildDialogue(chunks));
  for (const seed of [1, 2, 3]) assert.deepEqual(labels(buildDialogue(shuffled(chunks, seed))), base, `shuffle ${seed}`);
  return base;
}

test('§8.1 CSeq numbers compare as numbers: 2 INVITE before 10 BYE', () => {
  const chunks = [
    seen(req('INVITE', '2 INVITE', h1), 'cap', 0, A, P),
    seen(resp('200 OK', '2 INVITE', h1), 'cap', 1, P, A),
    seen(req('ACK', '2 ACK', ['10.0.0.1:5060;branch=z9hG4bKa2'], { toTag: 'b1' }), 'cap', 1.1, A, P),
    seen(req('BYE', '10 BYE', ['10.0.0.1:5060;branch=z9hG4bKa3'], { toTag: 'b1' }), 'cap', 9, A, P),
    seen(resp('200 OK', '10 BYE', ['10.0.0.1:5060;branch=z9hG4bKa3']), 'cap', 9.1, P, A),
  ];
  const kazoo = labels(buildDialogue(chunks, { kazoo: true }));
  assert.equal(kazoo[0], '10 BYE BYE sip:bob@b.example SIP/2.0', 'the original sorts "10" before "2"');
  assert.deepEqual(invariant(chunks), [
    '2 INVITE INVITE sip:bob@b.example SIP/2.0', '2 INVITE SIP/2.0 200 OK', '2 ACK ACK sip:bob@b.example SIP/2.0',
    '10 BYE BYE sip:bob@b.example SIP/2.0', '10 BYE SIP/2.0 200 OK',
  ]);
});

test('§8.2 CSeq spaces of both directions: the callee\'s BYE with CSeq 1 comes last', () => {
  const byeVias = ['10.0.0.3:5060;branch=z9hG4bKb9'];
  const chunks = [
    seen(req('INVITE', '2 INVITE', h1), 'cap', 2, A, B),
    seen(resp('200 OK', '2 INVITE', h1), 'cap', 2.5, B, A),
    seen(req('ACK', '2 ACK', ['10.0.0.1:5060;branch=z9hG4bKa2'], { toTag: 'b1' }), 'cap', 2.6, A, B),
    seen(req('BYE', '1 BYE', byeVias, { fromTag: 'b1', toTag: 'a1' }), 'cap', 9, B, A),
    seen(resp('200 OK', '1 BYE', byeVias, { fromTag: 'b1', toTag: 'a1' }), 'cap', 9.01, A, B),
  ];
  assert.equal(labels(buildDialogue(chunks, { kazoo: true }))[0], '1 BYE BYE sip:bob@b.example SIP/2.0');
  const got = invariant(chunks);
  assert.deepEqual(got.slice(3), ['1 BYE BYE sip:bob@b.example SIP/2.0', '1 BYE SIP/2.0 200 OK']);
});

test('§8.3 overlapping transactions interleave: CANCEL, PRACK, re-INVITE during UPDATE', () => {
  const rel = ['RSeq: 1', 'Require: 100rel'];
  const chunks = [
    seen(req('INVITE', '1 INVITE', h1), 'cap', 0, A, B),
    seen(resp('183 Session Progress', '1 INVITE', h1, { headers: rel }), 'cap', 0.5, B, A),
    seen(req('PRACK', '2 PRACK', ['10.0.0.1:5060;branch=z9hG4bKa5'], { toTag: 'b1', headers: ['RAck: 1 1 INVITE'] }), 'cap', 0.6, A, B),
    seen(resp('200 OK', '2 PRACK', ['10.0.0.1:5060;branch=z9hG4bKa5']), 'cap', 0.7, B, A),
    seen(req('CANCEL', '1 CANCEL', h1), 'cap', 1.0, A, B),
    seen(resp('200 OK', '1 CANCEL', h1), 'cap', 1.1, B, A),
    seen(resp('487 Request Terminated', '1 INVITE', h1), 'cap', 1.2, B, A),
    seen(req('ACK', '1 ACK', h1, { toTag: 'b1' }), 'cap', 1.3, A, B),
  ];
  const kazoo = labels(buildDialogue(chunks, { kazoo: true }));
  // the original: group "1" (INVITE, 183, CANCEL, 200, 487, ACK) then group "2" (PRACK, 200)
  assert.equal(kazoo[6], '2 PRACK PRACK sip:bob@b.example SIP/2.0');
  assert.deepEqual(invariant(chunks), chunks.map((c) => `${c.c_seq} ${c.label}`), 'true time order');

  // A re-INVITE sent while an UPDATE is pending, answers crossing.
  const v = (b: string) => [`10.0.0.1:5060;branch=${b}`];
  const overlap = [
    seen(req('UPDATE', '3 UPDATE', v('z9hG4bKu3'), { toTag: 'b1' }), 'cap', 10.0, A, B),
    seen(req('INVITE', '4 INVITE', v('z9hG4bKi4'), { toTag: 'b1' }), 'cap', 10.1, A, B),
    seen(resp('200 OK', '4 INVITE', v('z9hG4bKi4')), 'cap', 10.2, B, A),
    seen(resp('200 OK', '3 UPDATE', v('z9hG4bKu3')), 'cap', 10.3, B, A),
  ];
  assert.deepEqual(invariant(overlap), overlap.map((c) => `${c.c_seq} ${c.label}`));
});

test('§8.4 a message only a non-reference capture point saw, with labels differing across hops, keeps its time', () => {
  const inv1 = req('INVITE', '1 INVITE', h1);
  const inv2 = { ...req('INVITE', '1 INVITE', h2), start: 'INVITE sip:bob@10.0.0.3:5060 SIP/2.0' }; // Request-URI rewritten
  const chunks = [
    seen(inv1, 'proxy', 0, A, P), seen(inv2, 'proxy', 0.001, P, B),
    seen(inv2, 'callee', 0.0012, P, B),
    seen(resp('180 Ringing', '1 INVITE', h2), 'callee', 1.2, B, P), // the proxy's feed lost it
    seen(resp('200 OK', '1 INVITE', h2), 'callee', 3.0, B, P), seen(resp('200 OK', '1 INVITE', h2), 'proxy', 3.0002, B, P),
    seen(resp('200 OK', '1 INVITE', h1), 'proxy', 3.001, P, A),
  ];
  const kazoo = labels(buildDialogue(chunks, { kazoo: true }));
  assert.equal(kazoo[kazoo.length - 1], '1 INVITE SIP/2.0 180 Ringing', 'the original puts it at the end of its group');
  const got = invariant(chunks);
  assert.deepEqual(got, ['1 INVITE INVITE sip:bob@b.example SIP/2.0', '1 INVITE INVITE sip:bob@10.0.0.3:5060 SIP/2.0',
    '1 INVITE SIP/2.0 180 Ringing', '1 INVITE SIP/2.0 200 OK', '1 INVITE SIP/2.0 200 OK']);
  const d = buildDialogue(chunks);
  assert.equal(d.messages[1]!.observations.length, 2, 'the rewritten INVITE is one message seen by both');
});

test('§8.5 ref_timestamp ties: the original inserts a chunk three times; we keep four messages', () => {
  const chunks = [
    seen(req('INVITE', '1 INVITE', h1), 'a-ref', 1.0, A, P),
    seen(req('INVITE', '1 INVITE', h2), 'b-other', 1.0, P, B), // same label, next hop: first pass puts it after
    seen(resp('100 Trying', '1 INVITE', h1), 'a-ref', 1.0, P, A),
    seen(resp('180 Ringing', '1 INVITE', h2), 'b-other', 2.0, B, P), // left over; its anchor ties with 3 chunks
  ];
  const kazoo = buildDialogue(chunks, { kazoo: true });
  assert.equal(kazoo.messages.length, 6, 'inserted once per chunk sharing the anchor\'s ref_timestamp');
  assert.equal(kazoo.messages.filter((m) => m.chunk.label === 'SIP/2.0 180 Ringing').length, 3);
  const d = buildDialogue(chunks);
  assert.equal(d.messages.length, 4);
  assert.deepEqual(invariant(chunks), ['1 INVITE INVITE sip:bob@b.example SIP/2.0', '1 INVITE SIP/2.0 100 Trying',
    '1 INVITE INVITE sip:bob@b.example SIP/2.0', '1 INVITE SIP/2.0 180 Ringing']);
});

test('§8.6 first-label matching: a 200 OK placed next to the wrong transaction\'s 200 OK', () => {
  // CANCEL, its 200 and the ACK of a non-2xx carry the single Via of the hop (RFC 3261 §9.1, §17.1.1.3).
  const c1 = ['10.0.0.1:5060;branch=z9hG4bKa1'], c2 = ['10.0.0.2:5060;branch=z9hG4bKp1', ...c1], c2hop = [c2[0]!];
  const all = [
    { m: req('INVITE', '1 INVITE', c1), t: 0, s: A, d: P },
    { m: req('INVITE', '1 INVITE', c2), t: 0.001, s: P, d: B },
    { m: req('CANCEL', '1 CANCEL', c1), t: 1.0, s: A, d: P },
    { m: resp('200 OK', '1 CANCEL', c1), t: 1.001, s: P, d: A },
    { m: req('CANCEL', '1 CANCEL', c2hop), t: 1.002, s: P, d: B },
    { m: resp('200 OK', '1 CANCEL', c2hop), t: 1.003, s: B, d: P },
    { m: resp('487 Request Terminated', '1 INVITE', c2), t: 1.004, s: B, d: P },
    { m: req('ACK', '1 ACK', c2hop, { toTag: 'b1' }), t: 1.005, s: P, d: B },
    { m: resp('487 Request Terminated', '1 INVITE', c1), t: 1.006, s: P, d: A },
    { m: req('ACK', '1 ACK', c1, { toTag: 'b1' }), t: 1.007, s: A, d: P },
  ];
  // The proxy's feed misses the callee's 200 to CANCEL; the callee's capture has its hop.
  const chunks = [
    ...all.filter((_, i) => i !== 5).map((e) => seen(e.m, 'proxy', e.t, e.s, e.d)),
    ...all.filter((e) => e.s === B || e.d === B).map((e) => seen(e.m, 'callee', e.t + 0.0001, e.s, e.d)),
  ];
  const k = labels(buildDialogue(chunks, { kazoo: true }));
  const kPos = k.indexOf('1 CANCEL SIP/2.0 200 OK');
  assert.ok(kPos < k.indexOf('1 CANCEL CANCEL sip:bob@b.example SIP/2.0') + 2, 'the original puts the callee\'s 200 before the proxy\'s');
  const d = buildDialogue(chunks);
  assert.deepEqual(invariant(chunks), all.map((e) => `${e.m.cseq} ${e.m.start}`));
  assert.equal(d.clocks.find((c) => c.parser === 'callee')!.method, 'shared');
});

test('chunks missing CSeq, Call-ID or addresses: no crash, stable order, a note', () => {
  const chunks = [
    seen(req('INVITE', '1 INVITE', h1), 'cap', 0, A, P),
    seen({ start: 'OPTIONS sip:x SIP/2.0', callId: CID, vias: h1 }, 'cap', 0.5, A, P), // no CSeq
    seen({ start: 'REGISTER sip:1.1.1.1:5060 SIP/2.0', headers: ['Expires: 3600'] }, 'cap', 0.7, undefined, undefined), // nothing
    seen(resp('200 OK', '1 INVITE', h1), 'cap', 1, P, A),
    seen(resp('200 OK', '1 INVITE', h1), 'cap', 1.7, undefined, undefined), // same bytes later, no addresses
  ];
  const got = invariant(chunks);
  assert.equal(got.length, 5);
  const d = buildDialogue(chunks);
  const noted = d.messages.filter((m) => m.note);
  assert.ok(noted.some((m) => /no CSeq/.test(m.note!)), 'CSeq note');
  assert.ok(noted.some((m) => /no Call-ID, CSeq, addresses/.test(m.note!)), 'Call-ID note');
  assert.ok(noted.some((m) => /addresses/.test(m.note!)));
  const kz = buildDialogue(chunks, { kazoo: true });
  assert.equal(kz.messages.length, 5, 'Kazoo mode does not crash either');
  assert.ok(kz.notes.some((n) => /no c_seq/.test(n)));
});

test('log chunks: a log line meets its packet; an annotation is kept, placed by time', () => {
  const inv = seen(req('INVITE', '1 INVITE', h1), 'pcap', 0, A, P);
  const base = { ...inv, kind: 'log' as const, raw: ['received request INVITE'], hash: 'loghash000000001', flags: undefined };
  const logMsg: Chunk = { ...base, parser: '/var/log/kamailio.log', id: 'aaaaaaaaaaaaaaaa', label: 'received request INVITE sip:bob@b.example', method: undefined, status: undefined, cseq_num: 1, c_seq: '1', ts: (BigInt(inv.ts) + 3_000_000n).toString(), ref_ts: (BigInt(inv.ts) + 3_000_000n).toString() };
  const note: Chunk = { ...base, parser: '/var/log/kamailio.log', id: 'bbbbbbbbbbbbbbbb', label: 'authenticating user', src: undefined, dst: undefined, method: undefined, status: undefined, ts: (BigInt(inv.ts) + 5_000_000n).toString(), ref_ts: (BigInt(inv.ts) + 5_000_000n).toString() };
  const ok = seen(resp('200 OK', '1 INVITE', h1), 'pcap', 0.01, P, A);
  const d = buildDialogue([note, ok, logMsg, inv]);
  assert.equal(d.messages.length, 3);
  assert.equal(d.messages[0]!.observations.length, 2, 'the log line merged into the INVITE');
  assert.equal(d.messages[1]!.chunk.id, 'bbbbbbbbbbbbbbbb');
  assert.match(d.messages[1]!.note!, /annotation/);
  assert.equal(d.messages[2]!.chunk.label, 'SIP/2.0 200 OK');
});

test('capture duplicates are dropped and counted; a retransmission 500 ms later is kept and marked', () => {
  const ok = resp('200 OK', '1 INVITE', h1);
  const chunks = [
    seen(req('INVITE', '1 INVITE', h1), 'cap', 0, A, P),
    seen(ok, 'cap', 1.0, P, A), seen(ok, 'cap', 1.0009, P, A), // mirror-port copy
    seen(ok, 'cap', 1.5, P, A), // T1 retransmission
  ];
  const d = buildDialogue(chunks);
  assert.equal(d.duplicatesDropped, 1);
  assert.equal(d.messages.length, 3);
  assert.equal(d.messages[2]!.retransmissionOf, 1);
  assert.deepEqual(labels(buildDialogue([...chunks, ...chunks])), labels(d), 'the same chunks twice change nothing');
});
