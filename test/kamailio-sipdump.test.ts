import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseEpoch, parseRecordHeader, readSipdump } from '../src/sources/kamailio/sipdump.js';
import { fixture } from './helpers/corpus.js';
import { brief, fileStream, runReader, type ReadOptions } from './helpers/kamailio.js';

const read = (data: string | Buffer, opts: ReadOptions = {}) => runReader(readSipdump, data, { parser: '/tmp/kamailio-sipdump-x.data', ...opts });

function record(fields: Record<string, string>, message: string): string {
  const head = Object.entries({ tag: 'rcv', pid: '1234', process: '5', time: '1600000000.123456', date: 'Sun Sep 13 12:26:40 2020', proto: 'udp ipv4', srcip: '10.0.0.1', srcport: '5060', dstip: '10.0.0.2', dstport: '5070', ...fields })
    .map(([k, v]) => `${k}: ${v}\n`).join('');
  return `====================\n${head}~~~~~~~~~~~~~~~~~~~~\n${message}||||||||||||||||||||\n`;
}

const sip = (first: string, cid: string, body = '') =>
  `${first}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: ${cid}\r\nCSeq: 1 INVITE\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('parseEpoch and parseRecordHeader', () => {
  assert.equal(parseEpoch('1600000000.123456'), 1600000000123456000n);
  assert.equal(parseEpoch('1600000000'), 1600000000000000000n);
  assert.equal(parseEpoch('x'), undefined);
  const h = parseRecordHeader('tag: snd\npid: 9\nprocess: 2\ntime: 1.5\nproto: TCP ipv6\nsrcip: 2001:db8::1\nsrcport: 5060\ndstip: ::2\ndstport: 0');
  assert.deepEqual(h, { tag: 'snd', pid: 9, process: 2, time: 1500000000n, transport: 'tcp', family: 'ipv6', src: { host: '2001:db8::1', port: 5060 }, dst: { host: '::2', port: 0 } });
});

test('records become SIP chunks with the record time, addresses and transport', async () => {
  const text = record({}, sip('INVITE sip:b@x SIP/2.0', 'c1@h', 'v=0\r\n')) + record({ tag: 'snd', time: '1600000000.5', srcip: '10.0.0.2', srcport: '5070', dstip: '10.0.0.1', dstport: '5060', proto: 'tcp ipv4' }, sip('SIP/2.0 200 OK', 'c1@h'));
  const r = await read(text);
  assert.deepEqual(r.chunks.map(brief), [
    { 'call-id': 'c1@h', label: 'INVITE sip:b@x SIP/2.0', src: '10.0.0.1:5060', dst: '10.0.0.2:5070' },
    { 'call-id': 'c1@h', label: 'SIP/2.0 200 OK', src: '10.0.0.2:5070', dst: '10.0.0.1:5060' },
  ]);
  assert.deepEqual(r.chunks.map((c) => [c.kind, c.time, c.transport, c.c_seq, c.source]), [
    ['sip', '2020-09-13T12:26:40.123456Z', 'udp', '1 INVITE', { offset: 0 }],
    ['sip', '2020-09-13T12:26:40.500000Z', 'tcp', '1 INVITE', { offset: Buffer.byteLength(record({}, sip('INVITE sip:b@x SIP/2.0', 'c1@h', 'v=0\r\n'))) }],
  ]);
  assert.equal(r.chunks[0]!.raw.at(-1), 'v=0');
  assert.deepEqual(r.checkpoints.map((c) => c.offset), [r.chunks[1]!.source!.offset, Buffer.byteLength(text)]);
  assert.deepEqual(r.skips, {});
});

test('a body holding a | run ends where Content-Length says', async () => {
  const body = 'x=||||||||||||||||||||\n====================\ny=1\r\n';
  const r = await read(record({}, sip('MESSAGE sip:b@x SIP/2.0', 'c2@h', body)) + record({}, sip('SIP/2.0 202 Accepted', 'c2@h')));
  assert.equal(r.chunks.length, 2);
  assert.deepEqual(r.chunks[0]!.raw.slice(-3), ['x=||||||||||||||||||||', '====================', 'y=1']);
  assert.equal(r.chunks[0]!.flags, undefined);
  assert.equal(r.chunks[1]!.label, 'SIP/2.0 202 Accepted');
});

test('a wrong Content-Length is flagged, the message still framed by the | run', async () => {
  const msg = sip('INVITE sip:b@x SIP/2.0', 'c3@h', 'v=0\r\n').replace('Content-Length: 5', 'Content-Length: 50');
  const r = await read(record({}, msg));
  assert.equal(r.chunks.length, 1);
  assert.ok(r.chunks[0]!.flags?.some((f) => f === 'truncated-body' || f === 'content-length-mismatch'), String(r.chunks[0]!.flags));
});

test('garbage between records is a counted skip; a record cut at the end is kept, flagged', async () => {
  const text = 'some noise\n' + record({}, sip('OPTIONS sip:b@x SIP/2.0', 'c4@h')) + 'junk junk\n' + record({}, sip('BYE sip:b@x SIP/2.0', 'c5@h')).slice(0, -40);
  const r = await read(text, { pieceSize: 17 });
  assert.deepEqual(r.chunks.map((c) => [c['call-id'], c.flags?.[0]]), [['c4@h', undefined], ['c5@h', 'truncated']]);
  assert.deepEqual(r.skips, { 'not a sipdump record': 2 });
  // No checkpoint past the cut record: a later ingest reads it whole.
  assert.equal(r.checkpoints.at(-1)!.offset, 'some noise\n'.length + record({}, sip('OPTIONS sip:b@x SIP/2.0', 'c4@h')).length);
});

test('unknown local address (0.0.0.0 / ::2, port 0): --node-address, else undefined and flagged; IPv6 peers', async () => {
  const text = record({ proto: 'udp ipv6', srcip: '2001:db8::5', srcport: '5062', dstip: '::2', dstport: '0' }, sip('INVITE sip:b@x SIP/2.0', 'c6@h'));
  const a = await read(text);
  assert.deepEqual([a.chunks[0]!.src, a.chunks[0]!.dst, a.chunks[0]!.flags], ['[2001:db8::5]:5062', undefined, ['unknown-local-address']]);
  const b = await read(text, { nodeAddress: { host: '2001:db8::1', port: 5060 } });
  assert.deepEqual([b.chunks[0]!.dst, b.chunks[0]!.flags], ['[2001:db8::1]:5060', undefined]);
});

test('resuming at a checkpoint offset reads only the following records', async () => {
  const text = record({}, sip('INVITE sip:b@x SIP/2.0', 'r1@h')) + record({}, sip('SIP/2.0 180 Ringing', 'r1@h')) + record({}, sip('SIP/2.0 200 OK', 'r1@h'));
  const whole = await read(text);
  const cp = whole.checkpoints[0]!.offset;
  const rest = await read(Buffer.from(text).subarray(cp), { startOffset: cp });
  assert.deepEqual(rest.chunks, whole.chunks.slice(1));
});

test('the real sipdump file (Kamailio 5.6 sipdump module, fixtures/kamailio/make-fixture.sh)', async () => {
  const path = fixture('kamailio/kamailio-sipdump.data');
  const K = '127.0.0.1:15060', UAC = '127.0.0.1:15061', UAS = '127.0.0.1:15062';
  const expected = [
    ['INVITE sip:1000@127.0.0.1:15060 SIP/2.0', UAC, K], ['SIP/2.0 100 trying -- your call is important to us', K, UAC],
    ['INVITE sip:1000@127.0.0.1:15060 SIP/2.0', K, UAS], ['SIP/2.0 180 Ringing', UAS, K], ['SIP/2.0 180 Ringing', K, UAC],
    ['SIP/2.0 200 OK', UAS, K], ['SIP/2.0 200 OK', K, UAC], ['ACK sip:1000@127.0.0.1:15060 SIP/2.0', UAC, K],
    ['ACK sip:1000@127.0.0.1:15060 SIP/2.0', K, UAS], ['BYE sip:1000@127.0.0.1:15060 SIP/2.0', UAC, K],
    ['BYE sip:1000@127.0.0.1:15060 SIP/2.0', K, UAS], ['SIP/2.0 200 OK', UAS, K], ['SIP/2.0 200 OK', K, UAC],
    ['INVITE sip:403@127.0.0.1:15060 SIP/2.0', UAC, K], ['SIP/2.0 403 Forbidden', K, UAC], ['ACK sip:403@127.0.0.1:15060 SIP/2.0', UAC, K],
  ];
  for (const size of [65536, 333]) {
    const r = await runReader(readSipdump, fileStream(path, size), { parser: path });
    assert.deepEqual(r.chunks.map((c) => [c.label, c.src, c.dst]), expected, `piece size ${size}`);
    assert.deepEqual([...new Set(r.chunks.map((c) => c['call-id']))], ['1-27509@127.0.0.1', '1-27675@127.0.0.1']);
    assert.ok(r.chunks.every((c) => c.transport === 'udp' && c.flags === undefined), 'udp, no flags');
    assert.deepEqual(r.skips, {});
    assert.equal(r.checkpoints.at(-1)!.offset, readFileSync(path).length);
  }
});
