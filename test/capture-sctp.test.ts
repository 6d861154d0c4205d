import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSctp, SctpReassembler, type SctpPacket } from '../src/capture/sctp.js';
import { sctp } from './helpers/packets.js';

test('decodeSctp: common header and DATA chunks with B/E/U flags (padding respected)', () => {
  const p = decodeSctp(sctp(57098, 5060, [
    { tsn: 10, begin: true, end: false, unordered: true, data: Buffer.from('abcde') },
    { tsn: 11, begin: false, end: true, unordered: true, data: Buffer.from('fg') },
  ])) as SctpPacket;
  assert.equal(p.srcPort, 57098);
  assert.equal(p.vtag, 0x11223344);
  assert.deepEqual(p.data.map((d) => [d.tsn, d.begin, d.end, d.unordered, d.data.toString()]), [[10, true, false, true, 'abcde'], [11, false, true, true, 'fg']]);
  assert.deepEqual(decodeSctp(Buffer.alloc(8)), { skip: 'truncated sctp header' });
});

test('B … E pieces reassemble by TSN, in any arrival order; streams are separate', () => {
  const r = new SctpReassembler();
  const d = (tsn: number, begin: boolean, end: boolean, text: string, stream = 0) =>
    ({ tsn, stream, ssn: 0, ppid: 0, unordered: false, begin, end, data: Buffer.from(text) });
  assert.equal(r.add('a', d(3, false, true, 'C')), undefined);
  assert.equal(r.add('a', d(1, true, false, 'A')), undefined);
  assert.equal(r.add('a', d(7, true, true, 'other', 1))?.toString(), 'other');
  assert.equal(r.add('a', d(2, false, false, 'B'))?.toString(), 'ABC');
});

test('a repeated TSN is an SCTP retransmission; incomplete messages are counted at the end', () => {
  const drops: Record<string, number> = {};
  const r = new SctpReassembler((reason, n) => { drops[reason] = (drops[reason] ?? 0) + n; });
  const d = (tsn: number, begin: boolean, end: boolean) => ({ tsn, stream: 0, ssn: 0, ppid: 0, unordered: false, begin, end, data: Buffer.from('x') });
  assert.ok(r.add('a', d(5, true, true)));
  assert.equal(r.add('a', d(5, true, true)), undefined);
  assert.equal(drops['sctp retransmission'], 1);
  r.add('a', d(9, true, false));
  r.flush();
  assert.equal(drops['sctp fragments incomplete at end of capture'], 1);
});
