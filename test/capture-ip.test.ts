import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGre, decodeIp, dstHost, skipIpv6Extensions, srcHost, type IpPacket } from '../src/capture/ip.js';
import { ethernet, ipv4, ipv6, ipv6Fragments, u16, u32, udp } from './helpers/packets.js';

function pkt(buf: Buffer): IpPacket {
  const r = decodeIp(buf);
  assert.ok(!('skip' in r), JSON.stringify(r));
  return r;
}

test('IPv4 with options; payload trimmed to the total length (Ethernet padding, FCS)', () => {
  const inner = udp(5060, 5060, Buffer.from('hi'));
  const opts = Buffer.from([0x94, 0x04, 0, 0]); // router alert
  const padded = Buffer.concat([ipv4('192.0.2.1', '198.51.100.2', inner, { options: opts, id: 0xbeef }), Buffer.alloc(12, 0xee)]);
  const p = pkt(padded);
  assert.equal(p.version, 4);
  assert.equal(p.protocol, 17);
  assert.deepEqual(p.payload, inner);
  assert.equal(p.ipId, 0xbeef);
  assert.equal(srcHost(p), '192.0.2.1');
  assert.equal(dstHost(p), '198.51.100.2');
  assert.equal(p.fragment, undefined);
  assert.equal(p.truncated, false);
});

test('IPv4 total length 0 (segmentation offload) uses the captured length; a short capture is truncated', () => {
  const inner = Buffer.alloc(30, 1);
  assert.equal(pkt(ipv4('1.1.1.1', '2.2.2.2', inner, { totalLength: 0 })).payload.length, 30);
  const full = ipv4('1.1.1.1', '2.2.2.2', inner);
  const p = pkt(full.subarray(0, 35));
  assert.equal(p.truncated, true);
  assert.equal(p.payload.length, 15);
  assert.deepEqual(decodeIp(Buffer.from([0x45, 0, 0])), { skip: 'truncated ip header' });
  assert.deepEqual(decodeIp(Buffer.from([0x25, 0, 0])), { skip: 'not ipv4 or ipv6' });
});

test('IPv4 fragment fields', () => {
  const p = pkt(ipv4('1.1.1.1', '2.2.2.2', Buffer.alloc(16), { id: 7, fragOffset: 1480, more: true }));
  assert.deepEqual(p.fragment, { offset: 1480, more: true, id: 7 });
});

test('IPv6: extension headers walked to the upper layer; RFC 5952 addresses', () => {
  const inner = udp(5060, 15060, Buffer.from('x'));
  const hbh = Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]); // → destination options
  const dst = Buffer.from([51, 0, 1, 4, 0, 0, 0, 0]); // → AH
  const ah = Buffer.concat([Buffer.from([17, 1]), Buffer.alloc(10)]); // (1+2)*4 = 12 bytes → UDP
  const p = pkt(ipv6('fd17:625c:f037:2:a00:27ff:feb9:1521', '2001:db8::1', inner, 0, Buffer.concat([hbh, dst, ah])));
  assert.equal(p.protocol, 17);
  assert.deepEqual(p.payload, inner);
  assert.equal(srcHost(p), 'fd17:625c:f037:2:a00:27ff:feb9:1521');
  assert.equal(dstHost(p), '2001:db8::1');
  assert.equal(p.ipId, -1);
});

test('IPv6 fragment header; skipIpv6Extensions after reassembly', () => {
  const frags = ipv6Fragments('::1', '::2', Buffer.alloc(100, 9), 48, 0xdeadbeef);
  const p = pkt(frags[1]!);
  assert.deepEqual(p.fragment, { offset: 48, more: true, id: 0xdeadbeef });
  assert.equal(p.protocol, 17);
  const last = pkt(frags[2]!);
  assert.equal(last.fragment!.more, false);
  const withDst = Buffer.concat([Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]), Buffer.from('udp!')]);
  assert.deepEqual(skipIpv6Extensions(60, withDst), { protocol: 17, payload: Buffer.from('udp!') });
});

test('GRE: key present + transparent Ethernet bridging (as in heplify__erspan_sip_ipv4_udp.pcapng), inner IP, ERSPAN II/III', () => {
  const inner = ipv4('10.0.0.1', '10.0.0.2', udp(1, 2, Buffer.from('z')));
  const eth = ethernet(inner);
  const teb = Buffer.concat([u16(0x2000), u16(0x6558), u32(0), eth]);
  assert.deepEqual(decodeGre(teb), { ethernet: eth });
  const ipGre = Buffer.concat([u16(0x8000), u16(0x0800), u32(0), inner]);
  assert.deepEqual(decodeGre(ipGre), { ip: inner });
  const erspan2 = Buffer.concat([u16(0x1000), u16(0x88be), u32(1), Buffer.alloc(8), eth]);
  assert.deepEqual(decodeGre(erspan2), { ethernet: eth });
  const erspan1 = Buffer.concat([u16(0x0000), u16(0x88be), eth]);
  assert.deepEqual(decodeGre(erspan1), { ethernet: eth });
  const hdr3 = Buffer.alloc(12); hdr3[11] = 0x01; // O flag → 8-byte platform subheader
  const erspan3 = Buffer.concat([u16(0x1000), u16(0x22eb), u32(1), hdr3, Buffer.alloc(8), eth]);
  assert.deepEqual(decodeGre(erspan3), { ethernet: eth });
  assert.deepEqual(decodeGre(Buffer.concat([u16(0), u16(0x880b)])), { skip: 'unsupported gre protocol 0x880b' });
});
