import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { readKamailioLog } from '../src/sources/kamailio/reader.js';
import { labelOf, parseHop, parseKazooLine } from '../src/sources/kamailio/kazoo-scheme.js';
import { parseAnnotation } from '../src/sources/kamailio/log-prefix.js';
import { corpusFile, corpusSkip, fixture } from './helpers/corpus.js';
import { brief, fileStream, runReader, type ReadOptions } from './helpers/kamailio.js';

const NODE = { host: '10.0.0.1', port: 5060 };
const read = (text: string | Buffer, opts: ReadOptions = {}) => runReader(readKamailioLog, text, { year: 2015, utcOffsetMinutes: 0, ...opts });
const line = (cid: string, tagText: string, time = 'Oct  4 20:58:22', pid = 7421) => `${time} wef kamailio[${pid}]: INFO: <script>: ${cid}|${tagText}\n`;

// ---- Kazoo scheme: line parsing and labels --------------------------------------------------

test('parseKazooLine: call-id, tag, text with | kept', () => {
  assert.deepEqual(parseKazooLine('INFO: <script>: abc@h|log|a|b|c'), { callId: 'abc@h', tag: 'log', text: 'a|b|c' });
  assert.deepEqual(parseKazooLine('<script>: abc|start|received udp request INVITE sip:x'), { callId: 'abc', tag: 'start', text: 'received udp request INVITE sip:x' });
  assert.equal(parseKazooLine('INFO: <script>: [KEEPALIVE]IP=10.0.0.1|RURI=sip:5.5.5.5|F=sip:x'), undefined);
  assert.equal(parseKazooLine('INFO: <script>: no bars here'), undefined);
  assert.equal(parseKazooLine('INFO: <core> [main.c:1]: x|log|y'), undefined);
});

test('labelOf: Kazoo rules, protocol as a word, both spellings of received', () => {
  assert.deepEqual(labelOf('received ws request REGISTER sip:a.example'), { label: 'REGISTER sip:a.example', transport: 'ws' });
  assert.deepEqual(labelOf('received wss request INVITE sip:b'), { label: 'INVITE sip:b', transport: 'wss' });
  assert.deepEqual(labelOf('recieved udp request OPTIONS sip:c'), { label: 'OPTIONS sip:c', transport: 'udp' });
  assert.deepEqual(labelOf('received internal reply 407 Proxy Authentication Required'), { label: '407 Proxy Authentication Required' });
  assert.deepEqual(labelOf('external reply 486 Busy Here'), { label: '486 Busy Here' });
  assert.deepEqual(labelOf('received failure reply 408 Request Timeout'), { label: '408 Request Timeout' });
  assert.deepEqual(labelOf('received external INVITE reply 200 OK source 1.2.3.4:5060'), { label: '200 OK', method: 'INVITE', source: '1.2.3.4:5060' });
  assert.deepEqual(labelOf('received something else'), { label: 'something else' });
  assert.deepEqual(labelOf('source 1.2.3.4:5'), {});
});

test('parseHop: a:p, a:p -> b:q, IPv6 bracketed and bare, socket and URI forms', () => {
  assert.deepEqual(parseHop('1.2.3.4:5060'), { left: { host: '1.2.3.4', port: 5060 } });
  assert.deepEqual(parseHop('1.2.3.4:5060 -> 5.6.7.8:5080'), { left: { host: '1.2.3.4', port: 5060 }, right: { host: '5.6.7.8', port: 5080 } });
  assert.deepEqual(parseHop('[2001:DB8::1]:5060 -> [::1]:5062'), { left: { host: '2001:db8::1', port: 5060 }, right: { host: '::1', port: 5062 } });
  assert.deepEqual(parseHop('2001:db8::1:5060'), { left: { host: '2001:db8::1', port: 5060 } });
  assert.deepEqual(parseHop('udp:127.0.0.1:15060 -> sip:127.0.0.1:15062;transport=udp'), { left: { host: '127.0.0.1', port: 15060 }, right: { host: '127.0.0.1', port: 15062 } });
});

// ---- transactions ----------------------------------------------------------------------------

test('a request transaction: start … pass, src from source, dst Kamailio, c_seq as written', async () => {
  const text = line('c1', 'start|received udp request INVITE sip:100@x', 'Oct  4 20:58:22')
    + line('c1', 'log|source 192.0.2.9:5062', 'Oct  4 20:58:23')
    + line('c1', 'log|cseq 7', 'Oct  4 20:58:23')
    + line('c1', 'pass|192.0.2.20:5060', 'Oct  4 20:58:24');
  const r = await read(text, { nodeAddress: NODE });
  assert.equal(r.chunks.length, 1);
  const c = r.chunks[0]!;
  assert.deepEqual(brief(c), { 'call-id': 'c1', label: 'INVITE sip:100@x', src: '192.0.2.9:5062', dst: '10.0.0.1:5060' });
  assert.deepEqual(c.raw, ['received udp request INVITE sip:100@x', 'source 192.0.2.9:5062', 'cseq 7', '192.0.2.20:5060']);
  assert.equal(c.kind, 'log');
  assert.equal(c.c_seq, '7');
  assert.equal(c.cseq_num, 7);
  assert.equal(c.method, 'INVITE');
  assert.equal(c.cseq_method, 'INVITE');
  assert.equal(c.transport, 'udp');
  // The start line's own time counts (KAZOO.md §8 item 29); a log's two clocks are one.
  assert.equal(c.time, '2015-10-04T20:58:22.000000Z');
  assert.equal(c.ts, c.ref_ts);
  assert.deepEqual(c.source, { offset: 0, line: 1 });
  assert.equal(c.flags, undefined);
});

test('internal reply: src Kamailio, dst the right-hand side of pass; cseq with method', async () => {
  const text = line('c2', 'start|received internal reply 407 Proxy Authentication Required')
    + line('c2', 'log|cseq 2 INVITE')
    + line('c2', 'pass|10.0.0.1:5060 -> [2001:db8::7]:5070');
  const r = await read(text, { nodeAddress: NODE });
  const c = r.chunks[0]!;
  assert.deepEqual(brief(c), { 'call-id': 'c2', label: '407 Proxy Authentication Required', src: '10.0.0.1:5060', dst: '[2001:db8::7]:5070' });
  assert.equal(c.status, 407);
  assert.equal(c.reason, 'Proxy Authentication Required');
  assert.equal(c.cseq_num, 2);
  assert.equal(c.cseq_method, 'INVITE');
  assert.equal(c.method, 'INVITE');
});

test('source a:p -> b:q: port not mangled; Kamailio side from the line when --node-address is absent', async () => {
  const text = line('c3', 'start|received tcp request REGISTER sip:r') + line('c3', 'log|source 198.51.100.4:40000 -> 203.0.113.1:5060') + line('c3', 'end|ok');
  const c = (await read(text)).chunks[0]!;
  assert.deepEqual(brief(c), { 'call-id': 'c3', label: 'REGISTER sip:r', src: '198.51.100.4:40000', dst: '203.0.113.1:5060' });
  assert.equal(c.flags, undefined);
});

test('without --node-address and no stated address: that side undefined, flagged', async () => {
  const c = (await read(line('c4', 'start|received udp request OPTIONS sip:o') + line('c4', 'log|source 192.0.2.1:5060') + line('c4', 'stop|replying to keep alive'))).chunks[0]!;
  assert.equal(c.src, '192.0.2.1:5060');
  assert.equal(c.dst, undefined);
  assert.deepEqual(c.flags, ['no-node-address']);
});

test('start while a transaction is pending emits it first; log|external emits at once', async () => {
  const text = line('c5', 'start|received udp request INVITE sip:a')
    + line('c5', 'start|received internal reply 100 Trying')
    + line('c5', 'log|external reply 180 Ringing')
    + line('c5', 'log|external reply 200 OK');
  const r = await read(text, { nodeAddress: NODE });
  assert.deepEqual(r.chunks.map((c) => c.label), ['INVITE sip:a', '100 Trying', '200 OK']);
  assert.deepEqual(r.chunks[1]!.raw, ['received internal reply 100 Trying', 'external reply 180 Ringing']);
  assert.deepEqual(r.chunks[2]!.flags, ['no-start']);
  assert.equal(r.chunks[2]!.src, '10.0.0.1:5060');
});

test('unknown tag: appended to the transaction, flagged, one warning with counts', async () => {
  const text = line('c6', 'start|received udp request BYE sip:b') + line('c6', 'debug|x') + line('c6', 'debug|y') + line('c6', 'end|done');
  const r = await read(text, { nodeAddress: NODE });
  assert.equal(r.chunks.length, 1);
  assert.deepEqual(r.chunks[0]!.raw, ['received udp request BYE sip:b', 'x', 'y', 'done']);
  assert.deepEqual(r.chunks[0]!.flags, ['unknown-tag']);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /debug: 2/);
});

test('two processes on one Call-ID keep their transactions apart', async () => {
  const text = line('c7', 'start|received udp request INVITE sip:a', undefined, 1)
    + line('c7', 'start|received udp request CANCEL sip:a', undefined, 2)
    + line('c7', 'pass|1.1.1.1:1', undefined, 1)
    + line('c7', 'pass|2.2.2.2:2', undefined, 2);
  const r = await read(text, { nodeAddress: NODE });
  assert.deepEqual(r.chunks.map((c) => [c.label, c.raw.length]), [['INVITE sip:a', 2], ['CANCEL sip:a', 2]]);
});

test('a transaction open at the end is emitted flagged truncated, and no checkpoint is past its start', async () => {
  const done = line('a', 'start|received udp request INVITE sip:x') + line('a', 'pass|1.2.3.4:5');
  const open = line('b', 'start|received udp request INVITE sip:y') + line('b', 'log|cseq 1');
  const r = await read(done + open, { nodeAddress: NODE });
  assert.deepEqual(r.chunks.map((c) => [c['call-id'], c.flags]), [['a', undefined], ['b', ['truncated']]]);
  const last = r.checkpoints.at(-1)!;
  assert.equal(last.offset, Buffer.byteLength(done));
  assert.deepEqual(last.context, { year: 2015, month: 10, last: String(Date.UTC(2015, 9, 4, 20, 58, 22) * 1e6), line: 3 });
});

// ---- line handling -----------------------------------------------------------------------------

test('CRLF line ends are removed; the same chunks as with LF', async () => {
  const lf = line('c8', 'start|received udp request INVITE sip:a') + line('c8', 'log|cseq 1 INVITE') + line('c8', 'pass|1.2.3.4:5');
  const a = await read(lf, { nodeAddress: NODE });
  const b = await read(lf.replace(/\n/g, '\r\n'), { nodeAddress: NODE });
  assert.deepEqual(b.chunks[0]!.raw, a.chunks[0]!.raw);
  assert.equal(b.chunks[0]!.c_seq, '1 INVITE');
  assert.equal(b.chunks[0]!.hash, a.chunks[0]!.hash);
});

test('missing final newline: the last line is read, its chunk flagged truncated, no checkpoint past it', async () => {
  const text = line('c9', 'start|received udp request INVITE sip:a') + line('c9', 'pass|1.2.3.4:5').trimEnd();
  const r = await read(text, { nodeAddress: NODE });
  assert.equal(r.chunks.length, 1);
  assert.deepEqual(r.chunks[0]!.raw, ['received udp request INVITE sip:a', '1.2.3.4:5']);
  assert.deepEqual(r.chunks[0]!.flags, ['truncated']);
  assert.equal(r.checkpoints.length, 0);
});

test('a binary blob in the middle is a counted skip; everything around it is read', async () => {
  const before = line('d1', 'start|received udp request INVITE sip:a') + line('d1', 'pass|1.2.3.4:5');
  const blob = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xc3, 0x28, 0x0a]);
  const after = line('d2', 'start|received udp request BYE sip:b') + line('d2', 'end|done');
  const r = await read(Buffer.concat([Buffer.from(before), blob, Buffer.from(after)]), { nodeAddress: NODE, pieceSize: 7 });
  assert.deepEqual(r.chunks.map((c) => c['call-id']), ['d1', 'd2']);
  assert.deepEqual(r.skips, { 'binary data': 2, 'invalid utf-8': 2 });
  assert.equal(r.chunks[1]!.source!.offset, Buffer.byteLength(before) + blob.length);
  assert.equal(r.chunks[1]!.source!.line, 7);
});

test('a line longer than 64 KiB is skipped without being buffered whole', async () => {
  const text = line('e1', 'start|received udp request INVITE sip:a') + 'x'.repeat(200_000) + '\n' + line('e1', 'pass|1.2.3.4:5');
  const r = await read(text, { nodeAddress: NODE, pieceSize: 4096 });
  assert.deepEqual(r.skips, { 'line too long': 1 });
  assert.deepEqual(r.chunks[0]!.raw, ['received udp request INVITE sip:a', '1.2.3.4:5']);
});

test('piece boundaries do not change the result', async () => {
  const text = line('f1', 'start|received udp request INVITE sip:ä') + line('f1', 'log|from sip:ü@x') + line('f1', 'pass|1.2.3.4:5');
  const whole = await read(text, { nodeAddress: NODE });
  for (const size of [1, 2, 3, 13]) {
    const split = await read(text, { nodeAddress: NODE, pieceSize: size });
    assert.deepEqual(split.chunks, whole.chunks, `piece size ${size}`);
  }
});

// ---- times -----------------------------------------------------------------------------------

test('RFC 3339 stamps: any fraction, Z and ±HH:MM applied', async () => {
  const t = (stamp: string) => `${stamp} kamailio[1]: INFO: <script>: x|start|received udp request OPTIONS sip:a\n${stamp} kamailio[1]: INFO: <script>: x|stop|done\n`;
  const times = [];
  for (const s of ['2015-03-03T23:44:07.812917+00:00', '2015-03-03T23:44:07.8Z', '2015-03-04T01:44:07.812917123+02:00', '2015-03-03T18:44:07-05:00']) {
    times.push((await read(t(s), { nodeAddress: NODE })).chunks[0]!.time);
  }
  assert.deepEqual(times, ['2015-03-03T23:44:07.812917Z', '2015-03-03T23:44:07.800000Z', '2015-03-03T23:44:07.812917123Z', '2015-03-03T23:44:07.000000Z']);
});

test('stderr lines without a time take the previous line\'s time, else the mtime, flagged no-time', async () => {
  const mtime = new Date('2020-05-05T05:05:05Z');
  const text = ' 4(10) INFO: <script>: s1|start|received udp request INVITE sip:a\n 4(10) INFO: <script>: s1|pass|1.2.3.4:5\n'
    + 'Oct  4 20:58:22 h kamailio[10]: INFO: <script>: s2|start|received udp request BYE sip:a\n 4(10) INFO: <script>: s2|end|x\n';
  const r = await read(text, { nodeAddress: NODE, fileMtime: mtime, year: undefined });
  assert.deepEqual(r.chunks.map((c) => [c['call-id'], c.time, c.flags]), [
    ['s1', '2020-05-05T05:05:05.000000Z', ['no-time']],
    ['s2', '2019-10-04T20:58:22.000000Z', ['no-time']],
  ]);
});

test('BSD year: from the mtime, previous year when the date would be after it, New Year rollover', async () => {
  const text = line('y1', 'start|received udp request INVITE sip:a', 'Dec 31 23:59:59') + line('y1', 'pass|1.2.3.4:5', 'Dec 31 23:59:59')
    + line('y2', 'start|received udp request BYE sip:a', 'Jan  1 00:00:01') + line('y2', 'pass|1.2.3.4:5', 'Jan  1 00:00:01');
  const r = await read(text, { nodeAddress: NODE, year: undefined, fileMtime: new Date('2021-01-01T00:10:00Z') });
  assert.deepEqual(r.chunks.map((c) => c.time), ['2020-12-31T23:59:59.000000Z', '2021-01-01T00:00:01.000000Z']);
  // --year wins over the mtime; the rollover still applies.
  const y = await read(text, { nodeAddress: NODE, year: 2009 });
  assert.deepEqual(y.chunks.map((c) => c.time), ['2009-12-31T23:59:59.000000Z', '2010-01-01T00:00:01.000000Z']);
});

test('BSD zero-padded day and --utc-offset', async () => {
  const text = line('z', 'start|received udp request INVITE sip:a', 'Sep 08 11:19:43') + line('z', 'pass|1.2.3.4:5', 'Sep 08 11:19:43');
  const r = await read(text, { nodeAddress: NODE, year: 2021, utcOffsetMinutes: 120 });
  assert.equal(r.chunks[0]!.time, '2021-09-08T09:19:43.000000Z');
});

// ---- annotations -----------------------------------------------------------------------------

test('parseAnnotation: log_prefix, bracket, core and JSON styles', () => {
  assert.deepEqual(parseAnnotation('DEBUG: {2 12 INVITE ab@c} tm [t_lookup.c:1]: t_reply_matching(): no matching transaction exists'),
    { callId: 'ab@c', style: 'log_prefix', event: 't_reply_matching(): no matching transaction exists', messageType: 2, cseqNum: 12, method: 'INVITE' });
  assert.deepEqual(parseAnnotation('INFO: [id@h][M=OPTIONS-1] <script>: [KEEPALIVE]IP=10.0.0.1|RURI=sip:5.5.5.5'),
    { callId: 'id@h', style: 'bracket', event: '[KEEPALIVE]IP=10.0.0.1|RURI=sip:5.5.5.5', method: 'OPTIONS', cseqNum: 1 });
  assert.equal(parseAnnotation('DEBUG: <core> [core/receive.c:246]: receive_msg(): --- received sip message - request - call-id: [q@w] - cseq: [3 BYE]')!.event, 'received sip request');
  const j = parseAnnotation('{"idx":1,"pid":18239,"level":"DEBUG","module":"maxfwd","file":"mf_funcs.c","line":74,"function":"is_maxfwd_present","logprefix":"{1 1 OPTIONS 715678756@192.168.188.20} ","message":"value = 70 "}')!;
  assert.deepEqual([j.callId, j.style, j.event, j.pid, j.method, j.cseqNum], ['715678756@192.168.188.20', 'json', 'is_maxfwd_present(): value = 70', 18239, 'OPTIONS', 1]);
  assert.equal(parseAnnotation('INFO: <core> [main.c:798]: sig_usr(): Signal 15 received'), undefined);
});

test('annotation lines group by Call-ID and process within a second', async () => {
  const p = (t: string, pid: number, body: string) => `Aug 11 00:06:${t} px kamailio: ${pid}(${pid}) DEBUG: ${body}\n`;
  const text = p('11', 1, '{2 5 INVITE A} tm [x.c:1]: one')
    + p('11', 1, '<core> [y.c:2]: get_hdr_field(): no call-id here')
    + p('11', 1, '{2 5 INVITE A} tm [x.c:1]: two')
    + p('11', 2, '{1 6 BYE B} tm [x.c:1]: other process')
    + p('12', 1, '{2 5 INVITE A} tm [x.c:1]: next second');
  const r = await read(text);
  assert.deepEqual(r.chunks.map((c) => [c['call-id'], c.label, c.raw.length, c.c_seq]), [
    ['A', 'one', 2, '5 INVITE'], ['B', 'other process', 1, '6 BYE'], ['A', 'next second', 1, '5 INVITE'],
  ]);
  assert.deepEqual(r.chunks[0]!.flags, ['annotation']);
  assert.equal(r.chunks[0]!.dst, undefined);
  assert.deepEqual(r.skips, { 'no call-id': 1 });
});

test('JSON log engine lines (bare, no syslog prefix) become annotations', async () => {
  const text = '{"idx":1,"pid":7,"level":"DEBUG","module":"maxfwd","function":"f","logprefix":"{1 1 OPTIONS j1@h} ","message":"value = 70 "}\n'
    + '{"idx":2,"pid":7,"level":"DEBUG","module":"core","function":"g","message":"no call id"}\n';
  const r = await read(text);
  assert.deepEqual(r.chunks.map((c) => [c['call-id'], c.label, c.flags]), [['j1@h', 'f(): value = 70', ['annotation', 'no-time']]]);
  assert.deepEqual(r.skips, { 'no call-id': 1 });
});

// ---- resume ----------------------------------------------------------------------------------

test('resuming at a checkpoint with its context gives the same chunks as one read', async () => {
  const text = line('r1', 'start|received udp request INVITE sip:a', 'Dec 31 23:59:59') + line('r1', 'pass|1.2.3.4:5', 'Dec 31 23:59:59')
    + line('r2', 'start|received udp request BYE sip:a', 'Jan  1 00:00:01') + line('r2', 'pass|1.2.3.4:5', 'Jan  1 00:00:02');
  const whole = await read(text, { nodeAddress: NODE, year: 2020 });
  const cp = whole.checkpoints.find((c) => c.offset > 0 && c.offset < text.length)!;
  const buf = Buffer.from(text);
  const first = await read(buf.subarray(0, cp.offset), { nodeAddress: NODE, year: 2020 });
  // The resumed run gets a wrong --year on purpose: the context's year wins.
  const rest = await read(buf.subarray(cp.offset), { nodeAddress: NODE, year: 1999, startOffset: cp.offset, resumeContext: cp.context });
  assert.deepEqual([...first.chunks, ...rest.chunks], whole.chunks);
  assert.equal(rest.chunks[0]!.time, '2021-01-01T00:00:01.000000Z');
});

// ---- corpus: every file, exact -----------------------------------------------------------------

const K = (name: string) => `kamailio/${name}`;
const corpusRead = (name: string, opts: ReadOptions = {}) => {
  const path = corpusFile(K(name));
  return runReader(readKamailioLog, fileStream(path, 512), { parser: path, fileMtime: statSync(path).mtime, year: 2015, utcOffsetMinutes: 0, ...opts });
};

const WS = 'kazoo-call_inspector-doc__kamailio_kazoo_format_register_ws.log';
test(`corpus ${WS}`, { skip: corpusSkip(K(WS)) }, async () => {
  const r = await corpusRead(WS, { nodeAddress: { host: '192.168.11.50', port: 5060 } });
  assert.deepEqual(r.chunks.map(brief), [
    { 'call-id': 'uncj0soi900etthorbq57j', src: '192.168.11.43:33278', dst: '192.168.11.50:5060' },
    { 'call-id': 'UNIX0soi900etthorbq57j', label: 'REGISTER sip:wefwefwefwef.2600hz.com', src: '192.168.11.50:5060', dst: '192.168.11.50:5060' },
  ]);
  assert.deepEqual(r.chunks.map((c) => [c.raw.length, c.c_seq, c.transport, c.flags, c.time]), [
    [9, '89', undefined, ['no-start'], '2015-10-04T20:58:22.000000Z'],
    [1, undefined, 'ws', ['truncated'], '2015-10-04T20:58:22.000000Z'],
  ]);
  assert.equal(r.chunks[0]!.cseq_num, 89);
  assert.equal(r.chunks[0]!.raw.at(-1), "successful registration with contact <sip:7l7upikd@192.168.11.43:33278;transport=ws;fs_path=<sip:192.168.11.50:5060;lr;received='sip:192.168.11.43:33278;transport=ws'>>");
  assert.deepEqual(r.skips, {});
});

const I2436 = 'kamailio-issue2436__excerpt_debug_log_prefix_reply_no_transaction.log';
test(`corpus ${I2436}`, { skip: corpusSkip(K(I2436)) }, async () => {
  const r = await corpusRead(I2436);
  assert.deepEqual(r.chunks.map(brief), [{ 'call-id': '4a681d8626b801ce1a8185472fda8e86@48.146.161.153:5060', label: 'received sip reply' }]);
  const c = r.chunks[0]!;
  assert.equal(c.raw.length, 5);
  assert.deepEqual([c.c_seq, c.cseq_num, c.method, c.flags, c.time], ['12375830 INVITE', 12375830, 'INVITE', ['annotation'], '2015-08-11T00:06:11.000000Z']);
  assert.match(c.raw.at(-1)!, /failure to match a transaction$/);
  assert.deepEqual(r.skips, { 'no call-id': 3 });
});

const I1395 = 'kamailio-issue1395__excerpt_debug_parse_msg_invite.log';
test(`corpus ${I1395}`, { skip: corpusSkip(K(I1395)) }, async () => {
  const r = await corpusRead(I1395);
  assert.equal(r.chunks.length, 0);
  assert.deepEqual(r.skips, { 'no call-id': 9, 'unrecognised line': 1 });
  assert.equal(r.checkpoints.at(-1)!.offset, statSync(corpusFile(K(I1395))).size);
});

const I4911 = 'kamailio-issue4911__excerpt_callid_bracket_prefix_options.log';
test(`corpus ${I4911}`, { skip: corpusSkip(K(I4911)) }, async () => {
  const r = await corpusRead(I4911);
  assert.deepEqual(r.chunks.map((c) => [c['call-id'], c.label, c.raw.length, c.c_seq, c.source!.line]), [
    ['163102186989202691943@edge-a1.fake.net', '[KEEPALIVE]IP=10.0.0.1|RURI=sip:5.5.5.5|F=sip:edge-a1.fake.net:5069|T=sip:5.5.5.5', 1, '1 OPTIONS', 1],
    ['182809288489202691943@edge-a2.fake.net', '[ISREQLEGIT]IP=10.0.0.2|RURI=sip:5.5.5.5|F=sip:edge-a2.fake.net:5069|T=sip:5.5.5.5', 2, '1 OPTIONS', 4],
    ['80769174489202691943@edge-a1.fake.net', '[ISREQLEGIT]IP=10.0.0.1|RURI=sip:5.5.5.5|F=sip:edge-a1.fake.net:5069|T=sip:5.5.5.5', 2, '1 OPTIONS', 2],
    ['115631775689202691943@edge-a2.fake.net', '[ISREQLEGIT]IP=10.0.0.2|RURI=sip:5.5.5.5|F=sip:edge-a2.fake.net:5069|T=sip:5.5.5.5', 2, '1 OPTIONS', 6],
  ]);
  assert.ok(r.chunks.every((c) => c.src === undefined && c.dst === undefined && c.time === '2015-09-08T11:19:43.000000Z'));
  assert.deepEqual(r.skips, {});
});

const L5 = 'learn-kamailio-issue5__excerpt_log_prefix_register.log';
test(`corpus ${L5}`, { skip: corpusSkip(K(L5)) }, async () => {
  const r = await corpusRead(L5);
  assert.deepEqual(r.chunks.map(brief), [
    { 'call-id': 'e5f4a465617525e4f7a159', label: 'receive_msg(): request-route executed in: 1514 usec' },
    { 'call-id': 'E3fNnAyni0_xvXIr3YHXrQ..', label: 'SIP request REGISTER received from 95.90.235.37:33534 via tcp - from sip:103@proxy1.omid.blog;transport=TCP to sip:103@…', src: '95.90.235.37:33534' },
  ]);
  assert.deepEqual(r.chunks.map((c) => [c.c_seq, c.transport]), [['3 REGISTER', undefined], ['1 REGISTER', 'tcp']]);
  assert.deepEqual(r.skips, {});
});

// ---- the real-Kamailio fixture (fixtures/kamailio/make-fixture.sh) ---------------------------

const FIXTURE_CHUNKS = [
  { 'call-id': '1-27509@127.0.0.1', label: 'INVITE sip:1000@127.0.0.1:15060', src: '127.0.0.1:15061', dst: '127.0.0.1:15060' },
  { 'call-id': '1-27509@127.0.0.1', label: '180 Ringing', src: '127.0.0.1:15062', dst: '127.0.0.1:15060' },
  { 'call-id': '1-27509@127.0.0.1', label: '200 OK', src: '127.0.0.1:15062', dst: '127.0.0.1:15060' },
  { 'call-id': '1-27509@127.0.0.1', label: 'ACK sip:1000@127.0.0.1:15060', src: '127.0.0.1:15061', dst: '127.0.0.1:15060' },
  { 'call-id': '1-27509@127.0.0.1', label: 'BYE sip:1000@127.0.0.1:15060', src: '127.0.0.1:15061', dst: '127.0.0.1:15060' },
  { 'call-id': '1-27509@127.0.0.1', label: '200 OK', src: '127.0.0.1:15062', dst: '127.0.0.1:15060' },
  { 'call-id': '1-27675@127.0.0.1', label: 'INVITE sip:403@127.0.0.1:15060', src: '127.0.0.1:15061', dst: '127.0.0.1:15060' },
  { 'call-id': '1-27675@127.0.0.1', label: '403 Forbidden', src: '127.0.0.1:15060', dst: '127.0.0.1:15061' },
];

test('real Kamailio log, RFC 3339 (rsyslog high precision)', async () => {
  const path = fixture('kamailio/kazoo-scheme-rfc3339.log');
  const r = await runReader(readKamailioLog, fileStream(path, 1000), { parser: path });
  assert.deepEqual(r.chunks.map(brief), FIXTURE_CHUNKS);
  assert.deepEqual(r.chunks.map((c) => c.c_seq), ['1 INVITE', '1 INVITE', '1 INVITE', '1 ACK', '2 BYE', '2 BYE', '1 INVITE', '1 INVITE']);
  assert.deepEqual(r.chunks.map((c) => c.status ?? c.method), ['INVITE', 180, 200, 'ACK', 'BYE', 200, 'INVITE', 403]);
  assert.equal(r.chunks[0]!.time, '2026-12-01T11:04:45.890265Z');
  assert.ok(r.chunks.every((c) => c.flags === undefined), 'no flags');
  assert.deepEqual(r.skips, { 'no call-id': 18 });
  // The same with --node-address: the log's own statement of Kamailio's address agrees.
  const n = await runReader(readKamailioLog, fileStream(path), { parser: path, nodeAddress: { host: '127.0.0.1', port: 15060 } });
  assert.deepEqual(n.chunks.map(brief), FIXTURE_CHUNKS);
});

test('real Kamailio log, BSD syslog: same chunks, times to the second in the given zone', async () => {
  const path = fixture('kamailio/kazoo-scheme-bsd.log');
  const r = await runReader(readKamailioLog, fileStream(path), { parser: path, year: 2026, utcOffsetMinutes: 0 });
  assert.deepEqual(r.chunks.map(brief), FIXTURE_CHUNKS);
  assert.deepEqual(r.chunks.map((c) => c.time.slice(0, 19)), ['2026-12-01T11:04:45', '2026-12-01T11:04:45', '2026-12-01T11:04:45', '2026-12-01T11:04:45', '2026-12-01T11:04:46', '2026-12-01T11:04:46', '2026-12-01T11:04:50', '2026-12-01T11:04:50']);
  assert.deepEqual(r.skips, { 'no call-id': 18 });
  // A copy modified on 2027-01-02 puts these December lines in 2026, not 2027.
  const m = await runReader(readKamailioLog, fileStream(path), { parser: path, utcOffsetMinutes: 0, fileMtime: new Date('2027-01-02T00:00:00Z') });
  assert.equal(m.chunks[0]!.time, '2026-12-01T11:04:45.000000Z');
});
