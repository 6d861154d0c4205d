import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineClock, parsePrefix } from '../src/sources/kamailio/syslog-prefix.js';
import { toIso } from '../src/model/time.js';

test('parsePrefix: BSD, zero-padded day, full-path tag, rank(pid), RFC 3339 without host, stderr', () => {
  const a = parsePrefix('Oct  4 20:58:22 wef kamailio[7421]: INFO: <script>: x|log|y');
  assert.deepEqual([a.timeKind, a.bsd, a.host, a.tag, a.pid, a.rest], ['bsd', { month: 10, day: 4, hour: 20, minute: 58, second: 22 }, 'wef', 'kamailio', 7421, 'INFO: <script>: x|log|y']);
  const b = parsePrefix('Sep 08 11:19:43 core-rbx-1 kamailio[237295]: INFO: [c][M=OPTIONS-1] <script>:');
  assert.deepEqual([b.bsd?.day, b.pid, b.rest], [8, 237295, 'INFO: [c][M=OPTIONS-1] <script>:']);
  const c = parsePrefix('Jan 12 12:52:20 kamailio-alone /usr/sbin/kamailio[797]: DEBUG: <core> [parser/msg_parser.c:606]: parse_msg(): SIP Request:');
  assert.deepEqual([c.tag, c.pid, c.rest.slice(0, 6)], ['/usr/sbin/kamailio', 797, 'DEBUG:']);
  const d = parsePrefix('Aug 11 00:06:11 c4-proxy-1 kamailio: 20(1926) DEBUG: <core> x');
  assert.deepEqual([d.tag, d.pid, d.rest], ['kamailio', 1926, 'DEBUG: <core> x']);
  const e = parsePrefix('2015-03-03T23:44:07.812917+00:00 kamailio[19136]: INFO: <script>: a|log|b');
  assert.deepEqual([e.timeKind, e.rfc3339, e.host, e.tag, e.pid], ['rfc3339', { text: '2015-03-03T23:44:07.812917+00:00', local: false }, undefined, 'kamailio', 19136]);
  const f = parsePrefix('2015-03-03T23:44:07Z INFO: <script>: a|log|b');
  assert.deepEqual([f.tag, f.rest], [undefined, 'INFO: <script>: a|log|b']);
  const g = parsePrefix(' 4(10) ERROR: <core> [core/parser/msg_parser.c:681]: parse_msg(): message');
  assert.deepEqual([g.timeKind, g.pid, g.recognised, g.rest.slice(0, 6)], ['none', 10, true, 'ERROR:']);
  const h = parsePrefix('J');
  assert.deepEqual([h.recognised, h.rest], [false, 'J']);
});

test('LineClock: zone-less RFC 3339 in the given offset; fallback is the last time, else the mtime', () => {
  const clock = new LineClock({ utcOffsetMinutes: -300, fileMtime: new Date('2019-01-01T00:00:00Z') });
  assert.equal(toIso(clock.fallback()), '2019-01-01T00:00:00.000000Z');
  const t = clock.resolve(parsePrefix('2015-03-03T18:44:07.5 kamailio[1]: INFO: x'))!;
  assert.equal(toIso(t), '2015-03-03T23:44:07.500000Z');
  assert.equal(clock.fallback(), t);
});

test('LineClock: a month one step back is disorder, not a New Year; the context resumes the year', () => {
  const clock = new LineClock({ year: 2020, utcOffsetMinutes: 0 });
  const at = (s: string) => toIso(clock.resolve(parsePrefix(`${s} h kamailio[1]: INFO: x`))!).slice(0, 19);
  assert.equal(at('Jan 31 23:59:59'), '2020-01-31T23:59:59');
  assert.equal(at('Feb  1 00:00:00'), '2020-02-01T00:00:00');
  assert.equal(at('Jan 31 23:59:59'), '2020-01-31T23:59:59');
  assert.equal(at('Dec 31 23:00:00'), '2020-12-31T23:00:00');
  assert.equal(at('Jan  1 00:00:00'), '2021-01-01T00:00:00');
  const resumed = new LineClock({ year: 1999, utcOffsetMinutes: 0, resume: clock.context() });
  assert.equal(toIso(resumed.resolve(parsePrefix('Jan  2 00:00:00 h kamailio[1]: INFO: x'))!).slice(0, 10), '2021-01-02');
});
