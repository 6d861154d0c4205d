// Bytes of the generated captures: pcap records of Ethernet/IPv4|IPv6/UDP frames, RTP packets
// and HEP3 packets (FORMATS.md §1.3, §2). Plain Buffer writes with explicit offsets.
import { isIPv6 } from 'node:net';
import type { Peer } from './material.js';

export function pcapGlobalHeader(linktype = 1): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0); // microsecond pcap, little-endian (d4 c3 b2 a1 on disk)
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(262144, 16);
  b.writeUInt32LE(linktype, 20);
  return b;
}

export function pcapRecord(t: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(16);
  const us = Math.round(t * 1e6);
  h.writeUInt32LE(Math.floor(us / 1e6), 0);
  h.writeUInt32LE(us % 1e6, 4);
  h.writeUInt32LE(frame.length, 8);
  h.writeUInt32LE(frame.length, 12);
  return Buffer.concat([h, frame]);
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.includes('::') ? ip.split('::') as [string, string] : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}

function ipv4Checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

let ipId = 1;

/** An Ethernet frame carrying one UDP datagram from src to dst (IPv4 or IPv6 by the addresses). */
export function udpFrame(src: Peer, dst: Peer, payload: Buffer): Buffer {
  const v6 = isIPv6(src.ip) || isIPv6(dst.ip);
  const udpLen = 8 + payload.length;
  const ipLen = v6 ? 40 : 20;
  const f = Buffer.alloc(14 + ipLen + udpLen);
  f.writeUIntBE(0x020000000002, 0, 6);
  f.writeUIntBE(0x020000000001, 6, 6);
  f.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  let o = 14;
  if (v6) {
    f.writeUInt32BE(0x60000000, o);
    f.writeUInt16BE(udpLen, o + 4);
    f[o + 6] = 17;
    f[o + 7] = 64;
    ipv6Bytes(isIPv6(src.ip) ? src.ip : '::ffff:0:0').copy(f, o + 8);
    ipv6Bytes(isIPv6(dst.ip) ? dst.ip : '::ffff:0:0').copy(f, o + 24);
  } else {
    f[o] = 0x45;
    f.writeUInt16BE(20 + udpLen, o + 2);
    f.writeUInt16BE(ipId = (ipId + 1) & 0xffff, o + 4);
    f[o + 8] = 64;
    f[o + 9] = 17;
    ipv4Bytes(src.ip).copy(f, o + 12);
    ipv4Bytes(dst.ip).copy(f, o + 16);
    f.writeUInt16BE(ipv4Checksum(f.subarray(o, o + 20)), o + 10);
  }
  o += ipLen;
  f.writeUInt16BE(src.port, o);
  f.writeUInt16BE(dst.port, o + 2);
  f.writeUInt16BE(udpLen, o + 4);
  payload.copy(f, o + 8);
  return f;
}

/** An RTP packet (RFC 3550): PCMU, 20 ms of audio. */
export function rtpPacket(seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0xff);
  b[0] = 0x80;
  b[1] = 0;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

function chunk(type: number, value: Buffer): Buffer {
  const h = Buffer.alloc(6);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt16BE(6 + value.length, 4);
  return Buffer.concat([h, value]);
}
const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };

/** A HEP3 packet with the generic chunks Kamailio's siptrace sends (FORMATS.md §1.3, §1.7). */
export function hep3Packet(t: number, src: Peer, dst: Peer, payload: Buffer, captureId: number, node?: string): Buffer {
  const v6 = isIPv6(src.ip) || isIPv6(dst.ip);
  const us = Math.round(t * 1e6);
  const parts = [
    chunk(0x0001, u8(v6 ? 10 : 2)),
    chunk(0x0002, u8(17)),
    v6 ? chunk(0x0005, ipv6Bytes(src.ip)) : chunk(0x0003, ipv4Bytes(src.ip)),
    v6 ? chunk(0x0006, ipv6Bytes(dst.ip)) : chunk(0x0004, ipv4Bytes(dst.ip)),
    chunk(0x0007, u16(src.port)),
    chunk(0x0008, u16(dst.port)),
    chunk(0x0009, u32(Math.floor(us / 1e6))),
    chunk(0x000a, u32(us % 1e6)),
    chunk(0x000b, u8(1)),
    chunk(0x000c, u32(captureId)),
    ...(node ? [chunk(0x0013, Buffer.from(node))] : []),
    chunk(0x000f, payload),
  ];
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(6);
  h.write('HEP3', 0, 'latin1');
  h.writeUInt16BE(6 + body.length, 4);
  return Buffer.concat([h, body]);
}
