import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatShortest, fromGregorian, parseDuration, parseRfc3339, parseTimeArg, toGregorian, toIso } from '../src/model/time.js';

test('Gregorian seconds round-trip exactly to the digits given', () => {
  const t = fromGregorian('63601204677.88179');
  assert.equal(t, (63601204677n - 62167219200n) * 1_000_000_000n + 881790000n);
  assert.equal(formatShortest(toGregorian(t)), '63601204677.88179');
  assert.equal(formatShortest(63657429461), '63657429461.0');
  assert.equal(fromGregorian(63657429461), (63657429461n - 62167219200n) * 1_000_000_000n);
});

test('ISO output keeps microseconds, nanoseconds when present', () => {
  assert.equal(toIso(1433985477881790000n), '2015-06-11T01:17:57.881790Z');
  assert.equal(toIso(1433985477881790123n), '2015-06-11T01:17:57.881790123Z');
});

test('RFC 3339 with any fraction and offsets applied', () => {
  assert.equal(parseRfc3339('2015-03-03T23:44:07.812917+00:00'), 1425426247812917000n);
  assert.equal(parseRfc3339('2015-03-04T01:44:07.8129+02:00'), 1425426247812900000n);
  assert.equal(parseRfc3339('2015-03-03T18:44:07Z'), 1425408247000000000n);
  assert.equal(parseRfc3339('2015-03-03T18:44:07-05:00'), 1425426247000000000n);
  assert.equal(parseRfc3339('not a time'), undefined);
});

test('durations and time arguments', () => {
  assert.equal(parseDuration('7d'), 7n * 86400n * 1_000_000_000n);
  assert.equal(parseDuration('500ms'), 500_000_000n);
  assert.equal(parseDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseDuration('soon'), undefined);
  const now = 1_700_000_000_000_000_000n;
  assert.equal(parseTimeArg('1d', now), now - 86400n * 1_000_000_000n);
  assert.equal(parseTimeArg('2023-11-14', now), 1699920000000000000n);
  assert.equal(parseTimeArg('1700000000', now), now);
});
