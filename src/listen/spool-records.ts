// The listener's spool file format: a plain pcap (nanosecond stamps, LINKTYPE_RAW), one record
// per accepted HEP packet, as an IP/UDP datagram from the HEP sender whose payload is the HEP
// packet and whose time is the receive time. A standard format so that a spool left behind by a
// killed listener is also readable by `call-inspector ingest` (same capture point `hep:<sender>`,
// same collector time) and by tshark; pure encode/decode here, files in spool.ts.
import { ipv6Bytes, formatIpv4, formatIpv6Bytes } from '../model/address.js';
import type { ReceivedPacket } from './collector.js';

const PCAP_NS_MAGIC = 0xa1b23c4d;
const LINKTYPE_RAW = 101;
const RECORD_HEADER = 16;
const UDP_HEADER = 8;
/** The collector port written as the datagrams' destination (the real one is not kept per packet). */
const HEP_PORT = 9060;
const NS = 1_000_000_000n;

export const SPOOL_FILE_HEADER: Buffer = (() => {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(PCAP_NS_MAGIC, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16); // snaplen
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
})();

function isIpv4(sender: string): boolean {
  return !sender.includes(':');
}

/** Bytes the packet takes in a spool file; undefined when it cannot be one datagram (> 64 KB). */
export function spoolRecordSize(p: ReceivedPacket): number | undefined {
  const ipHeader = isIpv4(p.sender) ? 20 : 40;
  // IPv4's total length and IPv6's payload length are 16-bit fields.
  const ipLength = isIpv4(p.sender) ? ipHeader + UDP_HEADER + p.buf.length : UDP_HEADER + p.buf.length;
  if (ipLength > 0xffff) return undefined;
  return RECORD_HEADER + ipHeader + UDP_HEADER + p.buf.length;
}

/** Writes the packet's record at `off` (room checked by the caller with spoolRecordSize); returns its size. */
export function encodeSpoolRecord(p: ReceivedPacket, out: Buffer, off: number): number {
  const v4 = isIpv4(p.sender);
  const ipHeader = v4 ? 20 : 40;
  const frame = ipHeader + UDP_HEADER + p.buf.length;
  out.writeUInt32LE(Number(p.refTime / NS), off);
  out.writeUInt32LE(Number(p.refTime % NS), off + 4);
  out.writeUInt32LE(frame, off + 8);
  out.writeUInt32LE(frame, off + 12);
  const ip = off + RECORD_HEADER;
  if (v4) {
    out.fill(0, ip, ip + 20);
    out[ip] = 0x45;
    out.writeUInt16BE(frame, ip + 2);
    out.writeUInt16BE(0x4000, ip + 6); // don't fragment
    out[ip + 8] = 64;
    out[ip + 9] = 17;
    const parts = p.sender.split('.');
    for (let i = 0; i < 4; i++) out[ip + 12 + i] = Number(parts[i]) & 255;
    out.writeUInt16BE(ipv4Checksum(out, ip), ip + 10);
  } else {
    out.fill(0, ip, ip + 40);
    out[ip] = 0x60;
    out.writeUInt16BE(UDP_HEADER + p.buf.length, ip + 4);
    out[ip + 6] = 17;
    out[ip + 7] = 64;
    out.set(ipv6Bytes(p.sender), ip + 8);
  }
  const udp = ip + ipHeader;
  out.writeUInt16BE(0, udp); // the sender's port is not kept
  out.writeUInt16BE(HEP_PORT, udp + 2);
  out.writeUInt16BE(UDP_HEADER + p.buf.length, udp + 4);
  out.writeUInt16BE(0, udp + 6); // no checksum
  out.set(p.buf, udp + UDP_HEADER);
  return RECORD_HEADER + frame;
}

function ipv4Checksum(b: Buffer, off: number): number {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface DecodedSpool {
  packets: ReceivedPacket[];
  /** Bytes at the end that do not make a whole record: the last write of a killed listener. */
  tornBytes: number;
  /** Records that are not the datagrams this format writes (a foreign or damaged file). */
  badRecords: number;
}

/** A spool file's packets, each in its own exactly sized buffer (they are posted to threads). */
export function decodeSpool(file: Buffer): DecodedSpool | { error: string } {
  if (file.length < 24 || file.readUInt32LE(0) !== PCAP_NS_MAGIC || file.readUInt32LE(20) !== LINKTYPE_RAW) {
    return { error: 'not a listen spool file' };
  }
  const packets: ReceivedPacket[] = [];
  let badRecords = 0;
  let off = 24;
  while (off + RECORD_HEADER <= file.length) {
    const len = file.readUInt32LE(off + 8);
    if (off + RECORD_HEADER + len > file.length) break;
    const refTime = BigInt(file.readUInt32LE(off)) * NS + BigInt(file.readUInt32LE(off + 4));
    const ip = off + RECORD_HEADER;
    off += RECORD_HEADER + len;
    const version = len > 0 ? file[ip]! >> 4 : 0;
    const ipHeader = version === 4 ? 20 : version === 6 ? 40 : 0;
    if (ipHeader === 0 || len < ipHeader + UDP_HEADER) { badRecords++; continue; }
    const sender = version === 4 ? formatIpv4(file, ip + 12) : formatIpv6Bytes(file, ip + 8);
    packets.push({ buf: new Uint8Array(file.subarray(ip + ipHeader + UDP_HEADER, ip + len)), sender, refTime });
  }
  return { packets, tornBytes: file.length - off, badRecords };
}
