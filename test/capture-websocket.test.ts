import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, deflateRawSync, createDeflateRaw } from 'node:zlib';
import { isWebSocketHandshake, startsHttp, WebSocketFramer, type WebSocketMessage } from '../src/capture/websocket.js';
import { sipMessage } from './helpers/packets.js';

function frame(payload: Buffer, o: { opcode?: number; fin?: boolean; mask?: Buffer; rsv1?: boolean; len64?: boolean } = {}): Buffer {
  const b0 = (o.fin === false ? 0 : 0x80) | (o.rsv1 ? 0x40 : 0) | (o.opcode ?? 1);
  const maskBit = o.mask ? 0x80 : 0;
  let head: Buffer;
  if (o.len64) { head = Buffer.alloc(10); head[1] = maskBit | 127; head.writeBigUInt64BE(BigInt(payload.length), 2); }
  else if (payload.length >= 126) { head = Buffer.alloc(4); head[1] = maskBit | 126; head.writeUInt16BE(payload.length, 2); }
  else { head = Buffer.alloc(2); head[1] = maskBit | payload.length; }
  head[0] = b0;
  if (!o.mask) return Buffer.concat([head, payload]);
  const masked = Buffer.from(payload.map((x, i) => x ^ o.mask![i & 3]!));
  return Buffer.concat([head, o.mask, masked]);
}

const GET = 'GET / HTTP/1.1\r\nHost: proxy\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
const RESP = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
const SIP = sipMessage('REGISTER sip:x SIP/2.0', 'ws-1');
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

function run(bytes: Buffer[], expectHttp = true) {
  const msgs: WebSocketMessage[] = [];
  const skips: string[] = [];
  const f = new WebSocketFramer(expectHttp, (r) => skips.push(r));
  for (const b of bytes) f.push(b, (m) => msgs.push({ ...m, data: Buffer.from(m.data) }));
  return { f, msgs, skips };
}

test('handshake detection', () => {
  assert.equal(startsHttp(Buffer.from(GET)), true);
  assert.equal(startsHttp(Buffer.from('HTTP/1.1 101')), true);
  assert.equal(startsHttp(Buffer.from('INVITE sip')), false);
  assert.equal(isWebSocketHandshake(GET), true);
  assert.equal(isWebSocketHandshake(RESP), true);
  assert.equal(isWebSocketHandshake('GET /index.html HTTP/1.1\r\nHost: x\r\n'), false);
});

test('client frames masked after the GET, in the same segment and split byte by byte', () => {
  const all = Buffer.concat([Buffer.from(GET), frame(SIP, { mask: MASK })]);
  assert.deepEqual(run([all]).msgs.map((m) => m.data), [SIP]);
  const bytes = [...all].map((x) => Buffer.from([x]));
  assert.deepEqual(run(bytes).msgs.map((m) => m.data), [SIP]);
});

test('server frames unmasked after the 101; 16- and 64-bit lengths; binary opcode', () => {
  const big = sipMessage('INVITE sip:b@x SIP/2.0', 'ws-2', 'a='.padEnd(300, 'x') + '\r\n');
  const r = run([Buffer.from(RESP), frame(big), frame(SIP, { len64: true }), frame(SIP, { opcode: 2 })]);
  assert.deepEqual(r.msgs.map((m) => [m.data.length, m.opcode]), [[big.length, 1], [SIP.length, 1], [SIP.length, 2]]);
});

test('continuation frames are joined until FIN; a ping between them is ignored', () => {
  const a = SIP.subarray(0, 20), b = SIP.subarray(20, 50), c = SIP.subarray(50);
  const r = run([Buffer.from(RESP), frame(a, { fin: false }), frame(Buffer.from('hi'), { opcode: 9 }), frame(b, { opcode: 0, fin: false, mask: MASK }), frame(c, { opcode: 0 })]);
  assert.deepEqual(r.msgs.map((m) => m.data), [SIP]);
});

test('permessage-deflate (RSV1): raw inflate, with context takeover across messages', () => {
  // One compressor for the whole direction, flushed per message (RFC 7692 §7.2.1).
  const z = createDeflateRaw();
  const compress = (m: Buffer) => new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    const on = (d: Buffer) => chunks.push(d);
    z.on('data', on);
    z.write(m);
    z.flush(constants.Z_SYNC_FLUSH, () => { z.off('data', on); const all = Buffer.concat(chunks); resolve(all.subarray(0, all.length - 4)); });
  });
  return (async () => {
    const c1 = await compress(SIP);
    const c2 = await compress(SIP); // refers back to the first message
    assert.ok(c2.length < c1.length / 2, 'the second message is encoded against the first');
    const r = run([Buffer.from(RESP), frame(c1, { rsv1: true }), frame(c2, { rsv1: true })]);
    assert.deepEqual(r.msgs.map((m) => m.data), [SIP, SIP]);
    assert.deepEqual(r.msgs[0]!.flags, ['ws-deflate']);
    const single = deflateRawSync(SIP, { finishFlush: constants.Z_SYNC_FLUSH });
    assert.deepEqual(run([frame(single, { rsv1: true })], false).msgs.map((m) => m.data), [SIP]);
  })();
});

test('an HTTP exchange that is not an upgrade, and garbage that does not inflate', () => {
  const r = run([Buffer.from('GET /x HTTP/1.1\r\nHost: y\r\n\r\n'), frame(SIP)]);
  assert.equal(r.f.state, 'not-websocket');
  assert.equal(r.msgs.length, 0);
  const g = run([frame(Buffer.from([1, 2, 3, 4, 5]), { rsv1: true })], false);
  assert.deepEqual(g.skips, ['websocket message does not inflate']);
});
