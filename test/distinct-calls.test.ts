import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistinctCalls } from '../src/ingest/distinct-calls.js';
import { hash53 } from '../src/model/text.js';

test('counts each Call-ID once, over a million similar ones without a collision', () => {
  const calls = new DistinctCalls(2_000_000);
  const n = 1_000_000;
  for (let i = 0; i < n; i++) calls.add(`b${i % 1000}-${Math.floor(i / 1000)}@10.0.0.1`);
  for (let i = 0; i < n; i += 7) assert.equal(calls.add(`b${i % 1000}-${Math.floor(i / 1000)}@10.0.0.1`), false);
  assert.equal(calls.size, n);
  assert.equal(calls.estimated, false);
});

test('past the exact limit the count is estimated within 2 %, repeats not counted, in a fixed sketch', () => {
  for (const [limit, n] of [[1000, 5000], [1 << 19, 3_000_000], [100, 40_000]] as const) {
    const calls = new DistinctCalls(limit);
    for (let i = 0; i < n; i++) calls.add(`${i.toString(36)}-7f3a@10.1.${i % 250}.9`);
    // the same calls again (a second capture point): the estimate does not move
    const once = calls.size;
    for (let i = 0; i < n; i += 3) calls.add(`${i.toString(36)}-7f3a@10.1.${i % 250}.9`);
    assert.equal(calls.size, once);
    assert.ok(calls.estimated);
    assert.ok(Math.abs(once - n) / n < 0.02, `${n} calls estimated as ${once}`);
  }
  // exactly at the limit: still exact
  const at = new DistinctCalls(1000);
  for (let i = 0; i < 1000; i++) at.add(`c${i}`);
  assert.equal(at.size, 1000);
  assert.equal(at.estimated, false);
});

test('hash53 is a safe integer and depends on every character', () => {
  for (const s of ['', 'a', 'a@b', 'x'.repeat(500), '\u00e9\u4e2d']) assert.ok(Number.isSafeInteger(hash53(s)) && hash53(s) >= 0);
  assert.notEqual(hash53('abc@x'), hash53('abd@x'));
  assert.notEqual(hash53('ab'), hash53('ba'));
});
