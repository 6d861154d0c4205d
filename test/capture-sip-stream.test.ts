import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipStreamFramer, type FramedSip } from '../src/capture/sip-stream.js';
import { sipMessage } from './helpers/packets.js';

function framer() {
  const msgs: FramedSip[] = [];
  const skips: Record<string, number> = {};
  const f = new SipStreamFramer((r, n) => { skips[r] = (skips[r] ?? 0) + n; });
  const push = (b: Buffer | string) => f.push(Buffer.isBuffer(b) ? b : Buffer.from(b), (m) => msgs.push({ data: Buffer.from(m.data), flags: m.flags }));
  return { f, msgs, skips, push };
}

const INVITE = sipMessage('INVITE sip:b@x SIP/2.0', 'c1', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n');
const OK = sipMessage('SIP/2.0 200 OK', 'c1');

test('two messages in one segment, with keep-alive CRLFs between them', () => {
  const t = framer();
  t.push(Buffer.concat([Buffer.from('\r\n\r\n'), INVITE, Buffer.from('\r\n'), OK, Buffer.from('\n')]));
  assert.deepEqual(t.msgs.map((m) => m.data), [INVITE, OK]);
  assert.equal(t.f.buffered, 0);
});

test('one message over three segments; the body is counted in bytes (UTF-8)', () => {
  const body = 'subject=caf\u00e9 \u2603\r\n';
  const m = sipMessage('MESSAGE sip:b@x SIP/2.0', 'c2', body);
  const t = framer();
  t.push(m.subarray(0, 10));
  t.push(m.subarray(10, m.length - 5));
  assert.equal(t.msgs.length, 0);
  t.push(Buffer.concat([m.subarray(m.length - 5), OK.subarray(0, 20)]));
  assert.deepEqual(t.msgs.map((x) => x.data), [m]);
  t.push(OK.subarray(20));
  assert.equal(t.msgs.length, 2);
});

test('compact l: header, LF-only line ends', () => {
  const m = Buffer.from('NOTIFY sip:a@b SIP/2.0\ni: c3\nl: 5\n\nhello');
  const t = framer();
  t.push(Buffer.concat([m, m]));
  assert.deepEqual(t.msgs.map((x) => x.data.toString()), [m.toString(), m.toString()]);
});

test('a capture starting mid-message resyncs to the next start line and counts the skip', () => {
  const t = framer();
  t.push(Buffer.concat([INVITE.subarray(40), OK]));
  assert.deepEqual(t.msgs.map((x) => x.data), [OK]);
  assert.equal(t.skips['tcp bytes that are not sip (resync)'], 1);
  assert.ok(t.f.skippedBytes > 0);
});

test('resync waits for a start line split across segments', () => {
  const t = framer();
  t.push(Buffer.from('garbage line\r\nINVITE sip:b@x SI'));
  assert.equal(t.msgs.length, 0);
  t.push(INVITE.subarray('INVITE sip:b@x SI'.length));
  assert.deepEqual(t.msgs.map((x) => x.data), [INVITE]);
});

test('invalid Content-Length: the body runs to the next start line, flagged', () => {
  const bad = Buffer.from('INVITE sip:b@x SIP/2.0\r\nCall-ID: z\r\nContent-Length: bad\r\n\r\nbody\r\n');
  const t = framer();
  t.push(Buffer.concat([bad, OK]));
  assert.equal(t.msgs.length, 2);
  assert.deepEqual(t.msgs[0]!.data, bad);
  assert.deepEqual(t.msgs[0]!.flags, ['bad-content-length']);
  assert.deepEqual(t.msgs[1]!.data, OK);
});

test('a gap drops the partial message; finish counts a leftover', () => {
  const t = framer();
  t.push(INVITE.subarray(0, 30));
  t.f.gap();
  assert.equal(t.skips['sip message incomplete (tcp gap)'], 1);
  t.push(OK.subarray(0, 30));
  t.f.finish();
  assert.equal(t.skips['sip message incomplete at end of stream'], 1);
  assert.equal(t.msgs.length, 0);
});
