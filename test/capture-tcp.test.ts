import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTcp, seqDiff, TcpReassembler, TCP_FIN, TCP_SYN, type TcpSegment } from '../src/capture/tcp.js';
import { tcp } from './helpers/packets.js';

function harness(opts = {}) {
  const got: { key: string; text: string; gap: boolean }[] = [];
  const drops: Record<string, number> = {};
  const closed: string[] = [];
  const r = new TcpReassembler<{ n: number }>({
    open: () => ({ n: 0 }),
    data: (s, b, gap) => got.push({ key: s.key, text: b.toString(), gap }),
    close: (s) => closed.push(s.key),
  }, { onDrop: (reason, n) => { drops[reason] = (drops[reason] ?? 0) + n; }, ...opts });
  const seg = (key: string, seq: number, text: string, flags = 0x18, t = 0n) => {
    const s = decodeTcp(tcp(1000, 5060, seq, Buffer.from(text), flags)) as TcpSegment;
    r.segment(key, s, t);
  };
  const text = (key = 'a') => got.filter((g) => g.key === key).map((g) => g.text).join('');
  return { r, got, drops, closed, seg, text };
}

test('decodeTcp: header length, flags, sequence number', () => {
  const s = decodeTcp(tcp(5060, 40000, 0xfffffff0, Buffer.from('abc'), TCP_SYN)) as TcpSegment;
  assert.equal(s.srcPort, 5060);
  assert.equal(s.seq, 0xfffffff0);
  assert.equal(s.flags, TCP_SYN);
  assert.equal(s.payload.toString(), 'abc');
  assert.deepEqual(decodeTcp(Buffer.alloc(10)), { skip: 'truncated tcp header' });
  assert.equal(seqDiff(5, 0xfffffffb), 10);
});

test('in order after SYN; retransmissions dropped; partial overlap trimmed', () => {
  const h = harness();
  h.seg('a', 100, '', TCP_SYN);
  h.seg('a', 101, 'hello ');
  h.seg('a', 101, 'hello '); // retransmission
  h.seg('a', 104, 'lo world'); // partial overlap
  assert.equal(h.text(), 'hello world');
  assert.equal(h.drops['tcp retransmission'], 1);
});

test('out-of-order segments are buffered until the hole fills; directions are separate', () => {
  const h = harness();
  h.seg('a', 1, 'AAA');
  h.seg('a', 7, 'CCC');
  h.seg('b', 50, 'other');
  h.seg('a', 10, 'DDD');
  assert.equal(h.text(), 'AAA');
  h.seg('a', 4, 'BBB');
  assert.equal(h.text(), 'AAABBBCCCDDD');
  assert.equal(h.text('b'), 'other');
});

test('sequence numbers wrap around 2^32', () => {
  const h = harness();
  h.seg('a', 0xfffffffd, 'abc');
  h.seg('a', 3, 'ghi');
  h.seg('a', 0, 'def');
  assert.equal(h.text(), 'abcdefghi');
});

test('mid-stream start: the first segment seen starts the stream', () => {
  const h = harness();
  h.seg('a', 123456, 'tail of a message');
  assert.equal(h.text(), 'tail of a message');
});

test('a hole the capture never fills is skipped after the gap timeout, flagged as a gap', () => {
  const h = harness({ gapTimeoutNs: 1_000n });
  h.seg('a', 1, 'one', 0x18, 0n);
  h.seg('a', 10, 'three', 0x18, 10n);
  assert.equal(h.text(), 'one');
  h.seg('a', 20, 'four', 0x18, 5_000n);
  assert.deepEqual(h.got.map((g) => [g.text, g.gap]), [['one', false], ['three', true]], "'four' waits: its hole is fresh");
  h.r.finish();
  assert.deepEqual(h.got.map((g) => [g.text, g.gap]), [['one', false], ['three', true], ['four', true]]);
  assert.equal(h.drops['tcp bytes missing from capture (gap)'], 2);
});

test('finish delivers what waited behind a hole and closes every stream; idle streams are evicted', () => {
  const h = harness({ idleNs: 100n });
  h.seg('a', 1, 'x');
  h.seg('a', 5, 'late');
  h.r.finish();
  assert.deepEqual(h.closed, ['a']);
  assert.equal(h.text(), 'xlate');
  const e = harness({ idleNs: 100n });
  e.seg('old', 1, 'x', 0x18, 0n);
  for (let i = 0; i < 4096; i++) e.seg('new', 1 + i, 'y', 0x18, 1_000n);
  assert.deepEqual(e.closed, ['old']);
  assert.equal(e.drops['tcp stream evicted (idle)'], 1);
});

test('a new SYN on a closed 4-tuple starts a new stream', () => {
  const h = harness();
  h.seg('a', 10, '', TCP_SYN);
  h.seg('a', 11, 'first', 0x18);
  h.seg('a', 16, '', TCP_FIN);
  h.seg('a', 900, '', TCP_SYN);
  h.seg('a', 901, 'second');
  assert.equal(h.text(), 'firstsecond');
  assert.deepEqual(h.closed, ['a']);
});
