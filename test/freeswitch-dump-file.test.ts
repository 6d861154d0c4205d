// The sofia dump file (FORMATS.md §8.2 G) and the hand-made fixtures of the other gaps
// (rsyslog #012 forms, IPv6 and transports), plus their detection (FORMATS.md §11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectFormat } from '../src/sources/detect.js';
import { fixture } from './helpers/corpus.js';
import { NODE, runFs, sipMessage, TRYING } from './freeswitch-helpers.js';

const fx = (name: string) => readFileSync(fixture(`freeswitch/${name}`));

test('fixtures are detected as freeswitch (rsyslog #012 lines, dump file, IPv6 stamps)', () => {
  for (const name of ['rsyslog_old_layout_midnight.log', 'rsyslog_current_layout.log', 'current_layout_ipv6_transports.log', 'sofia_dump_file.dump']) {
    assert.equal(detectFormat(fx(name)).format, 'freeswitch', name);
  }
  assert.match(detectFormat(fx('sofia_dump_file.dump')).rule, /dump/);
});

test('dump file fixture: dump start date, recv/sent, \\v\\n inside a body framed by the byte count', async () => {
  const r = await runFs(fx('sofia_dump_file.dump'), { nodeAddress: NODE, fileMtime: new Date('2030-01-01T00:00:00Z') });
  assert.deepEqual(r.chunks.map((c) => [c.label, c.src, c.dst, c.time, c.flags]), [
    ['MESSAGE sip:2000@10.0.0.2 SIP/2.0', '[2001:db8::10]:5060', '10.0.0.2:5060', '2021-04-02T17:28:01.000001Z', undefined],
    ['SIP/2.0 202 Accepted', '10.0.0.2:5060', '[2001:db8::10]:5060', '2021-04-02T17:28:01.010000Z', undefined],
  ]);
  assert.deepEqual(r.chunks[0]!.raw.slice(-2), ['line one\x0b', 'line two']);
  assert.deepEqual(r.skips, {});
  assert.equal(r.checkpoint!.offset, fx('sofia_dump_file.dump').length);
});

const frame = (dir: 'recv' | 'sent', msg: string, tod: string, n = Buffer.byteLength(msg, 'latin1')) =>
  `${dir} ${n} bytes ${dir === 'recv' ? 'from' : 'to'} udp/[10.0.0.1]:5060 at ${tod}:\n${msg}\x0b\n`;
const HEAD = 'dump started at Fri Apr  2 17:28:00 2021\n\n\n';

test('dump file: a wrong byte count resynchronises on the next \\v\\n a stamp follows, flagged', async () => {
  const text = HEAD + frame('recv', TRYING, '17:28:01.000000', 40) + frame('sent', TRYING, '17:28:02.000000');
  const r = await runFs(text, { nodeAddress: NODE, pieceSize: 13 });
  assert.equal(r.chunks.length, 2);
  assert.deepEqual(r.chunks[0]!.flags, ['byte-count-mismatch']);
  assert.equal(r.chunks[0]!.label, 'SIP/2.0 100 Trying');
  assert.equal(r.chunks[1]!.flags, undefined);
  assert.equal(r.chunks[1]!.source!.offset, text.lastIndexOf('sent '));
});

test('dump file: a partial first frame (copytruncate) is skipped; a frame cut at EOF is flagged and re-read next time', async () => {
  const whole = frame('recv', TRYING, '17:28:01.000000');
  const partial = whole.slice(whole.indexOf('Call-ID'));
  const cut = frame('sent', TRYING, '17:28:02.000000').slice(0, 150);
  const text = partial + frame('recv', TRYING, '17:28:01.500000') + cut;
  const r = await runFs(text, { nodeAddress: NODE, date: '2021-04-02' });
  assert.deepEqual(r.skips, { 'frame cut at the start of the input': 1 });
  assert.equal(r.chunks.length, 2);
  assert.equal(r.chunks[0]!.flags, undefined);
  assert.ok(r.chunks[1]!.flags!.includes('truncated'));
  const at = text.lastIndexOf('sent ');
  assert.equal(r.checkpoint!.offset, at);
  // The grown file, resumed at the checkpoint, completes the frame.
  const grown = Buffer.from(text.slice(0, at) + frame('sent', TRYING, '17:28:02.000000'), 'latin1');
  const again = await runFs(grown.subarray(at), { nodeAddress: NODE, startOffset: at, resumeContext: r.checkpoint!.context });
  assert.equal(again.chunks.length, 1);
  assert.equal(again.chunks[0]!.flags, undefined);
  assert.equal(again.chunks[0]!.time, '2021-04-02T17:28:02.000000Z');
  assert.equal(again.chunks[0]!.source!.offset, at);
});

test('dump file: several messages in one stream frame are split by Content-Length', async () => {
  const opt = sipMessage('OPTIONS sip:10.0.0.2 SIP/2.0', ['Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-9', 'Call-ID: two@x', 'CSeq: 1 OPTIONS'], 'ab');
  const r = await runFs(HEAD + frame('recv', opt + TRYING, '17:28:01.000000'), { nodeAddress: NODE });
  assert.deepEqual(r.chunks.map((c) => c.label), ['OPTIONS sip:10.0.0.2 SIP/2.0', 'SIP/2.0 100 Trying']);
  assert.deepEqual(r.chunks[0]!.raw.slice(-2), ['', 'ab']);
});

test('rsyslog fixture, Kazoo deployment: RFC 3339 heads, "tag:  ", #012 dash line, old layout, midnight', async () => {
  const r = await runFs(fx('rsyslog_old_layout_midnight.log'), { nodeAddress: NODE, utcOffsetMinutes: 120 });
  assert.deepEqual(r.chunks.map((c) => [c.label, c.src, c.dst, c.time, c.flags]), [
    ['INVITE sip:2000@10.0.0.2:5060 SIP/2.0', '10.0.0.1:5060', '10.0.0.2:5060', '2015-06-12T21:59:59.800000Z', undefined],
    ['SIP/2.0 100 Trying', '10.0.0.2:5060', '10.0.0.1:5060', '2015-06-12T21:59:59.900000Z', undefined],
    ['SIP/2.0 200 OK', '10.0.0.2:5060', '10.0.0.1:5060', '2015-06-12T22:00:00.100000Z', undefined],
    ['ACK sip:2000@10.0.0.2:5060 SIP/2.0', '10.0.0.1:5060', '10.0.0.2:5060', '2015-06-12T22:00:00.300000Z', undefined],
  ]);
  assert.ok(r.chunks.every((c) => c['call-id'] === 'fixture-rsyslog-1@10.0.0.1'));
  assert.equal(r.chunks[0]!.raw[1], 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1');
  // Without a configured zone the heads' own +02:00 is used.
  const own = await runFs(fx('rsyslog_old_layout_midnight.log'), { nodeAddress: NODE, utcOffsetMinutes: undefined });
  assert.deepEqual(own.chunks.map((c) => c.time), r.chunks.map((c) => c.time));
  assert.deepEqual(r.skips, {});
});

test('rsyslog fixture, current layout in one record with #012; BSD heads with --year', async () => {
  const r = await runFs(fx('rsyslog_current_layout.log'), { nodeAddress: NODE, year: 2022 });
  assert.deepEqual(r.chunks.map((c) => [c.label, c.src, c.dst, c.transport, c.time, c.flags]), [
    ['OPTIONS sip:10.0.0.2:5060;transport=tcp SIP/2.0', '192.0.2.10:5070', '10.0.0.2:5060', 'tcp', '2022-03-03T10:00:00.500000Z', undefined],
    ['SIP/2.0 200 OK', '10.0.0.2:5060', '192.0.2.10:5070', 'tcp', '2022-03-03T10:00:00.501000Z', undefined],
  ]);
  assert.deepEqual(r.skips, {});
});

test('IPv6 / transports fixture: flowinfo, sigcomp, udp tcp tls ws wss sctp, idle-% and uuid log lines', async () => {
  const r = await runFs(fx('current_layout_ipv6_transports.log'), { nodeAddress: NODE });
  assert.deepEqual(r.chunks.map((c) => [c.transport, c.src, c.dst, c.flags]), [
    ['udp', '[2001:db8::10]:5060', '10.0.0.2:5060', undefined],
    ['tcp', '10.0.0.2:5060', '[2001:db8::10]:5060', undefined],
    ['tls', '[2001:db8::10]:5061', '10.0.0.2:5060', ['sigcomp']],
    ['ws', '10.0.0.2:5060', '198.51.100.7:443', undefined],
    ['wss', '10.0.0.2:5060', '198.51.100.7:443', undefined],
    ['sctp', '198.51.100.8:5060', '10.0.0.2:5060', undefined],
  ]);
  assert.ok(r.chunks.every((c) => c.time.startsWith('2024-02-29T12:00:0')));
  assert.deepEqual(r.skips, {});
});
