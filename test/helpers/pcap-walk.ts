// Test-only: a minimal walk over the UDP payloads of a pcap or pcapng file (Ethernet, SLL,
// raw IPv4/IPv6; no fragments, no TCP), with each frame's time. Enough to feed HEP datagrams
// to the decoder in tests without depending on the real capture reader.
import { readFileSync } from 'node:fs';
import { formatIpv4, formatIpv6Bytes } from '../../src/model/address.js';

export interface UdpFrame {
  frame: number;
  /** Frame time, ns since the Unix epoch. */
  time: bigint;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

export function udpFrames(path: string): UdpFrame[] {
  const b = readFileSync(path);
  const out: UdpFrame[] = [];
  const magic = b.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) walkPcapng(b, out);
  else walkPcap(b, out);
  return out;
}

function walkPcap(b: Buffer, out: UdpFrame[]): void {
  const m = b.readUInt32LE(0);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  const ns = m === 0xa1b23c4d || m === 0x4d3cb2a1;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const link = u32(20);
  let off = 24;
  let frame = 0;
  while (off + 16 <= b.length) {
    const sec = BigInt(u32(off));
    const frac = BigInt(u32(off + 4));
    const incl = u32(off + 8);
    frame++;
    const time = sec * 1_000_000_000n + (ns ? frac : frac * 1000n);
    linkPayload(link, b.subarray(off + 16, off + 16 + incl), frame, time, out);
    off += 16 + incl;
  }
}

function walkPcapng(b: Buffer, out: UdpFrame[]): void {
  let off = 0;
  let le = true;
  const ifaces: { link: number; tsresol: bigint }[] = [];
  let frame = 0;
  while (off + 12 <= b.length) {
    const type = b.readUInt32LE(off);
    if (type === 0x0a0d0d0a) {
      le = b.readUInt32LE(off + 8) === 0x1a2b3c4d;
      ifaces.length = 0;
    }
    const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const len = u32(off + 4);
    if (type === 1) {
      let tsresol = 1_000_000n;
      let o = off + 16;
      while (o + 4 <= off + len - 4) {
        const code = u16(o), olen = u16(o + 2);
        if (code === 0) break;
        if (code === 9) {
          const v = b[o + 4]!;
          tsresol = v & 0x80 ? 2n ** BigInt(v & 0x7f) : 10n ** BigInt(v);
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ link: u16(off + 8), tsresol });
    } else if (type === 6) {
      const iface = ifaces[u32(off + 8)]!;
      const ts = (BigInt(u32(off + 12)) << 32n) | BigInt(u32(off + 16));
      const cap = u32(off + 20);
      frame++;
      const time = (ts * 1_000_000_000n) / iface.tsresol;
      linkPayload(iface.link, b.subarray(off + 28, off + 28 + cap), frame, time, out);
    }
    off += len;
  }
}

function linkPayload(link: number, f: Buffer, frame: number, time: bigint, out: UdpFrame[]): void {
  let ip: Buffer;
  if (link === 1) {
    let et = f.readUInt16BE(12), o = 14;
    while (et === 0x8100) { et = f.readUInt16BE(o + 2); o += 4; }
    ip = f.subarray(o);
  } else if (link === 113) ip = f.subarray(16);
  else if (link === 101 || link === 228 || link === 229) ip = f;
  else return;
  let proto: number, srcIp: string, dstIp: string, l4: Buffer;
  if (ip[0]! >> 4 === 4) {
    const ihl = (ip[0]! & 15) * 4;
    proto = ip[9]!;
    srcIp = formatIpv4(ip, 12);
    dstIp = formatIpv4(ip, 16);
    l4 = ip.subarray(ihl, ip.readUInt16BE(2));
  } else if (ip[0]! >> 4 === 6) {
    proto = ip[6]!;
    srcIp = formatIpv6Bytes(ip, 8);
    dstIp = formatIpv6Bytes(ip, 24);
    l4 = ip.subarray(40, 40 + ip.readUInt16BE(4));
  } else return;
  if (proto !== 17 || l4.length < 8) return;
  out.push({
    frame, time, srcIp, dstIp,
    srcPort: l4.readUInt16BE(0), dstPort: l4.readUInt16BE(2),
    payload: Buffer.from(l4.subarray(8, l4.readUInt16BE(4))),
  });
}
