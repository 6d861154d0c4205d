import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FragmentReassembler } from '../src/capture/ip-fragments.js';

const S = 1_000_000_000n;
const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));

test('fragments in any order, last one first: completion time is the completing fragment', () => {
  const r = new FragmentReassembler();
  assert.equal(r.add('k', 17, 2400, false, data.subarray(2400), 10n * S, 3), undefined);
  assert.equal(r.add('k', 17, 0, true, data.subarray(0, 1200), 11n * S, 1), undefined);
  const done = r.add('k', 17, 1200, true, data.subarray(1200, 2400), 12n * S, 2);
  assert.ok(done);
  assert.deepEqual(done.payload, data);
  assert.equal(done.time, 12n * S);
  assert.equal(done.firstTime, 10n * S);
  assert.equal(done.fragments, 3);
  assert.equal(done.conflict, false);
  assert.equal(r.openSets, 0);
});

test('duplicates and consistent overlaps are absorbed; conflicting overlaps keep the first bytes and flag', () => {
  const r = new FragmentReassembler();
  r.add('a', 17, 0, true, data.subarray(0, 1600), 1n, 1);
  r.add('a', 17, 0, true, data.subarray(0, 1600), 2n, 2); // duplicate
  r.add('a', 17, 800, true, data.subarray(800, 2400), 3n, 3); // overlap, same bytes
  const done = r.add('a', 17, 2400, false, data.subarray(2400), 4n, 4);
  assert.ok(done);
  assert.deepEqual(done.payload, data);
  assert.equal(done.conflict, false);

  const c = new FragmentReassembler();
  c.add('b', 17, 0, true, data.subarray(0, 1600), 1n, 1);
  const evil = Buffer.from(data.subarray(800, 3000));
  evil.fill(0, 0, 800); // disagrees with the first copy on 800..1600
  const done2 = c.add('b', 17, 800, false, evil, 2n, 2);
  assert.ok(done2);
  assert.equal(done2.conflict, true);
  assert.deepEqual(done2.payload.subarray(0, 1600), data.subarray(0, 1600), 'first bytes received win');
});

test('separate keys do not mix; protocol comes from the first fragment', () => {
  const r = new FragmentReassembler();
  r.add('x', 6, 0, true, data.subarray(0, 8), 1n, 1);
  r.add('y', 17, 8, false, data.subarray(8, 16), 1n, 2);
  assert.equal(r.openSets, 2);
  const done = r.add('x', 6, 8, false, data.subarray(8, 16), 2n, 3);
  assert.equal(done?.protocol, 6);
});

test('incomplete sets time out after 30 s of capture time; the table is bounded', () => {
  const drops: Record<string, number> = {};
  const onDrop = (reason: string, n: number) => { drops[reason] = (drops[reason] ?? 0) + n; };
  const r = new FragmentReassembler({ onDrop, maxSets: 3 });
  r.add('old', 17, 0, true, data.subarray(0, 8), 0n, 1);
  r.add('new', 17, 0, true, data.subarray(0, 8), 31n * S, 2);
  assert.equal(drops['ip fragments timed out'], 1);
  assert.equal(r.add('old', 17, 8, false, data.subarray(8, 16), 31n * S, 3), undefined, 'a late fragment starts a new, incomplete set');
  r.add('c', 17, 0, true, data.subarray(0, 8), 32n * S, 4);
  r.add('d', 17, 0, true, data.subarray(0, 8), 32n * S, 5);
  assert.equal(drops['ip fragment table full (oldest datagram dropped)'], 1);
  assert.equal(r.openSets, 3);
  r.add('e', 17, 65000, true, Buffer.alloc(1000), 33n * S, 6);
  assert.equal(drops['ip fragment beyond 64 KiB'], 1);
  assert.equal(r.flush(), 3);
});
