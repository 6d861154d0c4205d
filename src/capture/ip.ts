// Network layer (FORMATS.md §5.1): IPv4 (options; payload trimmed to the total length because
// Ethernet pads short frames and FCS bytes may trail) and IPv6 (extension headers walked to the
// upper layer). Fragments are described here and reassembled in ip-fragments.ts. Tunnels are
// peeled by the caller: IP-in-IP (protocol 4/41) is just another IP packet; GRE is decoded here
// into the inner Ethernet frame (0x6558 bridging, ERSPAN I/II/III) or IP packet.
import { formatIpv4, formatIpv6Bytes } from '../model/address.js';

export const IPPROTO = { IPIP: 4, TCP: 6, UDP: 17, IPV6: 41, GRE: 47, SCTP: 132 } as const;

export interface IpFragment {
  /** Byte offset of this fragment's payload in the datagram. */
  offset: number;
  more: boolean;
  /** IPv4 identification (16 bits) or IPv6 fragment identification (32 bits). */
  id: number;
}

export interface IpPacket {
  version: 4 | 6;
  /** The packet from its first header byte; the addresses are read from it. */
  packet: Buffer;
  /** Upper-layer protocol (after IPv6 extension headers; for a fragment, the fragmented protocol). */
  protocol: number;
  /** The upper-layer bytes (of this fragment, when fragmented). */
  payload: Buffer;
  /** IPv4 identification, for capture-duplicate detection; -1 for IPv6. */
  ipId: number;
  fragment?: IpFragment;
  /** Fewer bytes were captured than the header's length says (snaplen). */
  truncated: boolean;
}

export type IpResult = IpPacket | { skip: string };

export function decodeIp(buf: Buffer): IpResult {
  if (buf.length < 1) return { skip: 'truncated ip header' };
  const v = buf[0]! >> 4;
  if (v === 4) return decodeIpv4(buf);
  if (v === 6) return decodeIpv6(buf);
  return { skip: 'not ipv4 or ipv6' };
}

function decodeIpv4(buf: Buffer): IpResult {
  if (buf.length < 20) return { skip: 'truncated ip header' };
  const ihl = (buf[0]! & 0x0f) * 4;
  if (ihl < 20 || buf.length < ihl) return { skip: 'bad ipv4 header length' };
  let total = buf.readUInt16BE(2);
  // Total length 0: TCP segmentation offload on the capturing sender; use what was captured.
  if (total === 0) total = buf.length;
  if (total < ihl) return { skip: 'bad ipv4 total length' };
  const truncated = total > buf.length;
  const end = Math.min(total, buf.length);
  const flagsOffset = buf.readUInt16BE(6);
  const fragOffset = (flagsOffset & 0x1fff) * 8;
  const more = (flagsOffset & 0x2000) !== 0;
  const ipId = buf.readUInt16BE(4);
  return {
    version: 4,
    packet: buf,
    protocol: buf[9]!,
    payload: buf.subarray(ihl, end),
    ipId,
    fragment: fragOffset !== 0 || more ? { offset: fragOffset, more, id: ipId } : undefined,
    truncated,
  };
}

const IPV6_EXT = new Set([0, 43, 60, 135, 139, 140]);

function decodeIpv6(buf: Buffer): IpResult {
  if (buf.length < 40) return { skip: 'truncated ip header' };
  let plen = buf.readUInt16BE(4);
  if (plen === 0) plen = buf.length - 40; // jumbogram (rare): use what was captured
  const truncated = 40 + plen > buf.length;
  const end = Math.min(40 + plen, buf.length);
  let nh = buf[6]!;
  let off = 40;
  let fragment: IpFragment | undefined;
  for (let depth = 0; depth < 16; depth++) {
    if (IPV6_EXT.has(nh)) {
      if (off + 8 > end) return { skip: 'truncated ipv6 extension header' };
      const next = buf[off]!;
      off += (buf[off + 1]! + 1) * 8;
      nh = next;
    } else if (nh === 51) {
      if (off + 8 > end) return { skip: 'truncated ipv6 extension header' };
      const next = buf[off]!;
      off += (buf[off + 1]! + 2) * 4;
      nh = next;
    } else if (nh === 44) {
      if (off + 8 > end) return { skip: 'truncated ipv6 extension header' };
      const next = buf[off]!;
      const fo = buf.readUInt16BE(off + 2);
      fragment = { offset: fo & 0xfff8, more: (fo & 1) !== 0, id: buf.readUInt32BE(off + 4) };
      off += 8;
      nh = next;
      // Headers after the fragment header belong to the reassembled datagram.
      if (fragment.offset !== 0 || fragment.more) break;
      fragment = undefined; // an atomic fragment (RFC 6946): not really fragmented
    } else if (nh === 59) {
      return { skip: 'ipv6 without upper layer' };
    } else {
      break;
    }
  }
  if (off > end) return { skip: 'truncated ipv6 extension header' };
  return { version: 6, packet: buf, protocol: nh, payload: buf.subarray(off, end), ipId: -1, fragment, truncated };
}

/** After IPv6 reassembly: skip extension headers that followed the fragment header. */
export function skipIpv6Extensions(nh: number, buf: Buffer): { protocol: number; payload: Buffer } | undefined {
  let off = 0;
  for (let depth = 0; depth < 16; depth++) {
    if (IPV6_EXT.has(nh) || nh === 51) {
      if (off + 8 > buf.length) return undefined;
      const next = buf[off]!;
      off += nh === 51 ? (buf[off + 1]! + 2) * 4 : (buf[off + 1]! + 1) * 8;
      nh = next;
    } else if (nh === 59) {
      return undefined;
    } else {
      return off <= buf.length ? { protocol: nh, payload: buf.subarray(off) } : undefined;
    }
  }
  return undefined;
}

export function srcHost(p: IpPacket): string {
  return p.version === 4 ? formatIpv4(p.packet, 12) : formatIpv6Bytes(p.packet, 8);
}

export function dstHost(p: IpPacket): string {
  return p.version === 4 ? formatIpv4(p.packet, 16) : formatIpv6Bytes(p.packet, 24);
}

/** A compact key of the address pair (latin1 of the raw bytes), for flow and fragment tables. */
export function addressKey(p: IpPacket): string {
  return p.version === 4 ? p.packet.toString('latin1', 12, 20) : p.packet.toString('latin1', 8, 40);
}

export type GreResult = { ethernet: Buffer } | { ip: Buffer } | { skip: string };

/** GRE (RFC 2784/2890, and RFC 1701's optional fields), ERSPAN type I, II and III. */
export function decodeGre(buf: Buffer): GreResult {
  if (buf.length < 4) return { skip: 'truncated gre header' };
  const flags = buf.readUInt16BE(0);
  const proto = buf.readUInt16BE(2);
  const version = flags & 0x7;
  let off = 4;
  if (flags & 0xc000) off += 4; // checksum (C) and/or routing (R): checksum + offset/reserved
  if (flags & 0x2000) off += 4; // key (K)
  const seq = (flags & 0x1000) !== 0;
  if (seq) off += 4; // sequence number (S)
  if (version === 1 && flags & 0x0080) off += 4; // enhanced GRE acknowledgment (PPTP)
  if (flags & 0x4000) return { skip: 'gre with source routing' };
  if (buf.length < off) return { skip: 'truncated gre header' };
  switch (proto) {
    case 0x0800: case 0x86dd: return { ip: buf.subarray(off) };
    case 0x6558: return { ethernet: buf.subarray(off) };
    case 0x88be: // ERSPAN type II (8-byte header), or type I (no header, no sequence number)
      return seq ? { ethernet: buf.subarray(off + 8) } : { ethernet: buf.subarray(off) };
    case 0x22eb: { // ERSPAN type III: 12 bytes, plus an 8-byte platform subheader when O is set
      if (buf.length < off + 12) return { skip: 'truncated erspan header' };
      const o = buf[off + 11]! & 0x01;
      return { ethernet: buf.subarray(off + 12 + (o ? 8 : 0)) };
    }
    default:
      return { skip: `unsupported gre protocol 0x${proto.toString(16).padStart(4, '0')}` };
  }
}
