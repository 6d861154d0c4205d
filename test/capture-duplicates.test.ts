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
