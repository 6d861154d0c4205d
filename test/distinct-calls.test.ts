import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistinctCalls, hash53 } from '../src/ingest/distinct-calls.js';

test('counts each Call-ID once, over a million similar ones without a collision', () => {
  const calls = new DistinctCalls();
  const n = 1_000_000;
  for (let i = 0; i < n; i++) calls.add(`b${i % 1000}-${Math.floor(i / 1000)}@10.0.0.1`);
  for (let i = 0; i < n; i += 7) assert.equal(calls.add(`b${i % 1000}-${Math.floor(i / 1000)}@10.0.0.1`), false);
  assert.equal(calls.size, n);
});

test('hash53 is a safe integer and depends on every character', () => {
  for (const s of ['', 'a', 'a@b', 'x'.repeat(500), '\u00e9\u4e2d']) assert.ok(Number.isSafeInteger(hash53(s)) && hash53(s) >= 0);
  assert.notEqual(hash53('abc@x'), hash53('abd@x'));
  assert.notEqual(hash53('ab'), hash53('ba'));
});
