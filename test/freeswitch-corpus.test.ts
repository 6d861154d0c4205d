// Every file of corpus/freeswitch through the reader: the exact chunks (CORPUS.md entries 23-28).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { corpusFile, corpusSkip } from './helpers/corpus.js';
import { NODE, runFs } from './freeswitch-helpers.js';

const F = (name: string) => `freeswitch/${name}`;
const read = (name: string) => readFileSync(corpusFile(F(name)));
const brief = (c: { label?: string; src?: string; dst?: string; flags?: string[]; time: string; transport?: string }) =>
  [c.label, c.src, c.dst, c.transport, c.time, (c.flags ?? []).join(',')];

const JKOZIK = 'jkozik-cluecon24__fs_cli_siptrace_tcp_register.log';
test(`corpus ${JKOZIK}: current layout, fs_cli noise and prompts, date from the Date header`, { skip: corpusSkip(F(JKOZIK)) }, async () => {
  const r = await runFs(read(JKOZIK), { nodeAddress: NODE, fileMtime: statSync(corpusFile(F(JKOZIK))).mtime });
  assert.deepEqual(r.chunks.map((c) => c['call-id']), ['4tmRZhmm70Bu3Bcvd-S3zQ..', '4tmRZhmm70Bu3Bcvd-S3zQ..']);
  assert.deepEqual(r.chunks.map(brief), [
    ['REGISTER sip:192.168.100.128:5060;transport=TCP SIP/2.0', '192.168.100.106:60065', '10.0.0.2:5060', 'tcp', '2024-08-30T19:39:37.410129Z', ''],
    ['SIP/2.0 200 OK', '10.0.0.2:5060', '192.168.100.106:60065', 'tcp', '2024-08-30T19:39:37.423456Z', ''],
  ]);
  assert.deepEqual(r.chunks.map((c) => c.source), [{ offset: 374, line: 13 }, { offset: 1377, line: 30 }]);
  assert.equal(r.chunks[1]!.raw.length, 11);
  assert.deepEqual(r.skips, {});
});

const SIPIFY = '2600hz-community-scripts__sipify_callid_prefixed.log';
test(`corpus ${SIPIFY}: Call-ID prefix, old layout, cut at EOF before the body`, { skip: corpusSkip(F(SIPIFY)) }, async () => {
  const r = await runFs(read(SIPIFY), { nodeAddress: NODE, date: '2015-06-01' });
  assert.equal(r.chunks.length, 1);
  const c = r.chunks[0]!;
  assert.equal(c['call-id'], '46a1fe62-20f73e9-1c6e7dbc@10.26.0.199');
  assert.deepEqual(brief(c), ['INVITE sip:*97@kanderson.dev.2600hz.com;user=phone SIP/2.0', '10.26.0.81:5060', '10.0.0.2:5060', 'udp', '2015-06-01T19:34:41.657063Z', 'truncated,no-header-end,truncated-body']);
  assert.equal(c.raw.length, 17);
  assert.equal(c.raw.at(-1), 'X-AUTH-IP: 10.26.0.199');
  assert.ok(c.raw.every((l) => !l.startsWith('46a1fe62') && !l.startsWith(' ')));
  assert.deepEqual(r.skips, {});
  assert.equal(r.checkpoint!.offset, 0, 'the cut block is read again when the file grows');
});

const GOSIP = 'gosip__echo_test_sofia_trace.log';
test(`corpus ${GOSIP}: old layout, 6 blocks, all byte counts match, ASCII-art body kept`, { skip: corpusSkip(F(GOSIP)) }, async () => {
  const r = await runFs(read(GOSIP), { nodeAddress: NODE, date: '2009-03-10' });
  assert.equal(r.chunks.length, 6);
  assert.ok(r.chunks.every((c) => c['call-id'] === '87704115-03b8-122e-08b5-001bfcce6bdf'));
  const P = '10.11.34.37:5060', N = '10.0.0.2:5060';
  assert.deepEqual(r.chunks.map((c) => [c.label, c.src, c.dst, c.c_seq]), [
    ['INVITE sip:10.11.34.37 SIP/2.0', N, P, '133097268 INVITE'],
    ['SIP/2.0 100 Trying', P, N, '133097268 INVITE'],
    ['SIP/2.0 200 OK', P, N, '133097268 INVITE'],
    ['ACK sip:10.11.34.37 SIP/2.0', N, P, '133097268 ACK'],
    ['BYE sip:10.11.34.37 SIP/2.0', N, P, '133097269 BYE'],
    ['SIP/2.0 200 OK', P, N, '133097269 BYE'],
  ]);
  // The byte count check (FORMATS.md §8.1): every rebuilt size equals N, so nothing is flagged.
  assert.deepEqual(r.chunks.map((c) => c.flags), [undefined, undefined, undefined, undefined, undefined, undefined]);
  const stamps = read(GOSIP).toString('latin1').split('\n').filter((l) => / bytes (from|to) /.test(l)).map((l) => Number(/ (\d+) bytes/.exec(l)![1]));
  assert.deepEqual(stamps, [765, 282, 668, 296, 1017, 353]);
  const bye = r.chunks[4]!;
  const body = bye.raw.slice(bye.raw.indexOf('') + 1);
  assert.equal(body[0], '          .--.                              .--.');
  assert.equal(Buffer.byteLength(body.join('\r\n'), 'latin1'), 671, 'Content-Length 671: the last art line has no line end');
  assert.deepEqual(r.chunks.map((c) => c.time.slice(11)), ['15:46:48.569658Z', '15:46:48.570890Z', '15:46:48.571844Z', '15:46:48.572320Z', '15:46:53.048617Z', '15:46:53.049140Z']);
  assert.deepEqual(r.skips, {});
});

const I1144 = 'signalwire-freeswitch-issue1144__excerpt_fs_to_kamailio_b2bua.log';
test(`corpus ${I1144}: starts mid-message, DEBUG line after a body, masked hosts, cut final block`, { skip: corpusSkip(F(I1144)) }, async () => {
  const r = await runFs(read(I1144), { nodeAddress: NODE });
  assert.equal(r.chunks.length, 1);
  const c = r.chunks[0]!;
  assert.equal(c['call-id'], '1d393ec9824cf660c6b71a4ff8c37.b2bua');
  assert.deepEqual(brief(c), ['SIP/2.0 100 Trying', 'XX.XX.XX.XXX2:5064', '10.0.0.2:5060', 'udp', '2021-04-02T17:28:11.113313Z', 'byte-count-mismatch']);
  assert.equal(c.c_seq, '34134853 INVITE');
  assert.deepEqual(r.skips, { 'message cut at the start of the input': 1, 'block cut at the end of the input before its first line': 1 });
  assert.equal(r.checkpoint!.offset, read(I1144).indexOf('recv 411'));
});

const I323 = 'signalwire-freeswitch-issue323__excerpt_sofia_loglevel9_ack.log';
test(`corpus ${I323}: sofia-sip debug lines around the block`, { skip: corpusSkip(F(I323)) }, async () => {
  const r = await runFs(read(I323), { nodeAddress: NODE, date: '2019-12-20' });
  assert.equal(r.chunks.length, 1);
  const c = r.chunks[0]!;
  assert.equal(c['call-id'], '6479510b-c776-1238-aabe-f403434a73d0');
  assert.deepEqual(brief(c), ['ACK sip:1004@192.168.100.157:5060;gr=00507A45-1D4B-EA11-AF85-787FC359E795 SIP/2.0', '10.0.0.2:5060', '192.168.100.157:5060', 'udp', '2019-12-20T14:37:05.523603Z', '']);
  assert.equal(c.raw.length, 9);
  assert.deepEqual(r.skips, {});
});

const BLOG = 'codestudyblog__excerpt_numbered_invite_yate_via_fs.log';
test(`corpus ${BLOG}: "1-> " prefix, NOTICE line glued after the body dates the block`, { skip: corpusSkip(F(BLOG)) }, async () => {
  const r = await runFs(read(BLOG), { nodeAddress: NODE, fileMtime: new Date('2030-01-01T00:00:00Z') });
  assert.equal(r.chunks.length, 1);
  const c = r.chunks[0]!;
  assert.equal(c['call-id'], '1808150176@192.168.7.101');
  assert.deepEqual(brief(c), ['INVITE sip:1000@192.168.7.101 SIP/2.0', '192.168.7.101:52110', '10.0.0.2:5060', 'udp', '2021-05-23T20:07:57.811303Z', '']);
  assert.equal(c.raw.at(-1), 'a=ptime:30');
  assert.equal(c.raw.length, 33);
  assert.deepEqual(r.skips, {});
});
