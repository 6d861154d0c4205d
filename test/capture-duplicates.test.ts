import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateFilter } from '../src/capture/capture-duplicates.js';

const MS = 1_000_000n;
const P = Buffer.from('INVITE sip:b@x SIP/2.0\r\n\r\n');

test('same bytes, same hop, same IP id within 50 ms: a capture duplicate', () => {
  const f = new DuplicateFilter();
  assert.equal(f.check('udp a b', 7, P, 1000n * MS), 'new');
  assert.equal(f.check('udp a b', 7, P, 1000n * MS + 260_000n), 'duplicate'); // 0.26 ms later
  assert.equal(f.duplicates, 1);
});

test('another IP id, another hop, or other bytes: not a duplicate', () => {
  const f = new DuplicateFilter();
  f.check('udp a b', 7, P, 0n);
  assert.equal(f.check('udp a b', 8, P, 1n * MS), 'new');
  assert.equal(f.check('udp b c', 7, P, 1n * MS), 'new');
  assert.equal(f.check('udp a b', 7, Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'), 1n * MS), 'new');
});

test('the same bytes on the same hop ≥ T1/2 later: a SIP retransmission, kept and flagged', () => {
  const f = new DuplicateFilter();
  f.check('udp a b', 1, P, 0n);
  assert.equal(f.check('udp a b', 2, P, 500n * MS), 'retransmission'); // T1
  assert.equal(f.check('udp a b', 3, P, 1500n * MS), 'retransmission'); // 2*T1 later
  assert.equal(f.check('udp a b', 4, P, 1600n * MS), 'new', '100 ms: neither a copy nor a timer retransmission');
  assert.equal(f.retransmissions, 2);
});

test('entries expire with capture time (bounded memory)', () => {
  const f = new DuplicateFilter({ horizonNs: 1000n * MS });
  for (let i = 0; i < 100; i++) f.check('udp a b', i, Buffer.from(`m${i}`), BigInt(i) * MS);
  assert.equal(f.size, 100);
  f.check('udp a b', 0, Buffer.from('late'), 5000n * MS);
  assert.equal(f.size, 1);
});

test('at most maxEntries are remembered: the oldest sighting goes first', () => {
  const f = new DuplicateFilter({ maxEntries: 10 });
  for (let i = 0; i < 20; i++) assert.equal(f.check('udp a b', 7, Buffer.from(`m${i}`), BigInt(i) * 1000n), 'new');
  assert.equal(f.size, 10);
  assert.equal(f.check('udp a b', 7, Buffer.from('m19'), 20_000n), 'duplicate', 'the newest are kept');
  assert.equal(f.check('udp a b', 7, Buffer.from('m0'), 21_000n), 'new', 'the oldest was forgotten');
});

test('a full filter of a busy capture stays small (200,000 entries)', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const f = new DuplicateFilter();
  const payload = Buffer.alloc(600, 0x41);
  for (let i = 0; i < 200_000; i++) {
    payload.writeUInt32BE(i, 0);
    // 10,000 packets/s from 65,536 sources: 20 s of capture, inside the 64 s horizon.
    f.check(`udp 10.0.${(i >> 8) & 255}.${i & 255} 5060 10.1.0.1 5060`, i & 0xffff, payload, BigInt(i) * 100_000n);
  }
  gc();
  assert.equal(f.size, 200_000);
  const grown = process.memoryUsage().heapUsed - before;
  // Strings and records per entry took 76 MB here; numbers and typed arrays take ~11 MB.
  assert.ok(grown < 25 * 1024 * 1024, `the filter holds ${grown} bytes`);
});

test('what was seen survives the filter growing its room', () => {
  const f = new DuplicateFilter({ maxEntries: 5000, horizonNs: 10_000n * MS });
  for (let i = 0; i < 3000; i++) f.check('udp a b', 1, Buffer.from(`m${i}`), BigInt(i) * 1000n);
  assert.equal(f.size, 3000);
  assert.equal(f.check('udp a b', 1, Buffer.from('m0'), 3_000_000n), 'duplicate');
  assert.equal(f.check('udp a b', 1, Buffer.from('m1500'), 3_000_000n), 'duplicate');
  assert.equal(f.check('udp a b', 1, Buffer.from('m2999'), 3_000_000n), 'duplicate');
  assert.equal(f.check('udp a b', 1, Buffer.from('m0'), 600n * MS), 'retransmission');
  f.check('udp a b', 1, Buffer.from('late'), 20_000n * MS);
  assert.equal(f.size, 1, 'all expired in order after the growth');
});
