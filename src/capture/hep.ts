// HEP (Homer Encapsulation Protocol) v1, v2 and v3 decoding: bytes of one HEP packet → a plain
// HepPacket. Pure: no sockets, no clock (the caller gives the reference time: frame time for a
// capture file, receive time for `listen`). Layouts and quirks: FORMATS.md §1.
// Malformed input is a value ({ok:false, reason}) or a flag on the packet, never an exception
// (Kazoo's listener crashed on each of these, KAZOO.md §8 items 16-25).
import { inflateRawSync, inflateSync, gunzipSync } from 'node:zlib';
import { formatIpv4, formatIpv6Bytes, type Endpoint } from '../model/address.js';
import { NS_PER_MS, NS_PER_S, NS_PER_US, type Instant } from '../model/time.js';
import { looksLikeSip } from '../sip/message.js';

export { hepToChunk, hepCapturePoint } from './hep-chunk.js';
export { HepStreamFramer } from './hep-stream.js';

export type HepTimeSource = 'hep' | 'hep-ms-quirk' | 'receiver';

export interface HepPacket {
  version: 1 | 2 | 3;
  /** Address family as sent (2 IPv4; 10, 24, 28, 30 IPv6), when the packet says. */
  family?: number;
  /** Inner IP protocol: 17 UDP, 6 TCP, 132 SCTP, 22 (sofia-sip's fake value for TLS). */
  ipProtocol?: number;
  /** Inner (captured) addresses; absent when the packet carries none. */
  src?: Endpoint;
  dst?: Endpoint;
  /** The node's capture time; absent when the packet has none we can trust (timeSource 'receiver'). */
  time?: Instant;
  timeSource: HepTimeSource;
  /** Capture agent id as read (v2: 16-bit in the byte order chosen for the time; v3: u32 BE). */
  captureId?: number;
  /** The capture id bytes as sent: some agents byte-swap or truncate it (FORMATS.md §1.8). */
  captureIdRaw?: Buffer;
  authKey?: string;
  correlationId?: string;
  nodeName?: string;
  vlan?: number;
  /** Chunk 0x000b; v1/v2 carry SIP only and get 1. */
  payloadType: number;
  payload: Buffer;
  /** Notes about this packet: receiver-time, hep-ms-quirk, hep-length-mismatch, … */
  flags: string[];
  /** The other generic chunks of REV 37, by name (keep-alive timer, MACs, TOS, MOS, …). */
  extra: Record<string, number | string>;
  /** Chunks skipped by length: vendor chunks and unknown generic types. */
  skippedChunks: number;
}

export type HepDecodeResult = { ok: true; packet: HepPacket } | { ok: false; reason: string };

const HEP3_MAGIC = 0x48455033; // "HEP3"
/** How far a v2 time may lie from the reference time and still be believed (FORMATS.md §1.2 step 3). */
const V2_PLAUSIBLE_NS = 366n * 86400n * NS_PER_S;
/** A µs field disagreeing with the reference by more than this, while below 1000, is suspected to hold ms. */
const MS_QUIRK_THRESHOLD_NS = 5n * NS_PER_MS;
/**
 * …and the ms reading must then land near the reference (corpus hep.pcap: within 50 ms). A node
 * whose clock is seconds off writes µs below 1000 for one packet in a thousand; "closer" alone
 * took those as ms and dated them by the collector (seen in the topology test under faketime).
 */
const MS_QUIRK_MAX_NS = 250n * NS_PER_MS;
/** Inflated payloads larger than this are refused (a HEP packet is at most 64 kB; zip bombs). */
const MAX_INFLATED = 1024 * 1024;

function isIpv6Family(f: number): boolean {
  // Linux AF_INET6 = 10; the BSDs and macOS use 24, 28 or 30 (FORMATS.md §1.2).
  return f === 10 || f === 24 || f === 28 || f === 30;
}

/** Header size of v1 (and offset of the v2 time block) for a family, or undefined. */
function v12AddressEnd(family: number): number | undefined {
  if (family === 2) return 16;
  if (isIpv6Family(family)) return 40;
  return undefined;
}

/**
 * Where the SIP payload of a v1/v2 packet starts, or -1. v2 may carry 1-2 NUL bytes, and some
 * senders wrote a 10-byte time header, so offsets 26-30 are searched too (FORMATS.md §1.2 step 5).
 */
function v12PayloadStart(buf: Buffer, version: number, addrEnd: number): number {
  if (version === 1) return looksLikeSip(buf, addrEnd) ? addrEnd : -1;
  const nominal = addrEnd + 12;
  if (buf.length < nominal) return -1;
  let p = nominal;
  while (p < buf.length && p < nominal + 2 && buf[p] === 0) p++;
  if (looksLikeSip(buf, p)) return tokenStart(buf, p, addrEnd + 10);
  for (let q = addrEnd + 10; q <= addrEnd + 14 && q < buf.length; q++) {
    if (looksLikeSip(buf, q)) return q;
  }
  return -1;
}

/** Move a start found inside a method token back to the token's first letter ("VITE" of "INVITE" at 28 when the sender wrote a 10-byte time header). */
function tokenStart(buf: Buffer, p: number, floor: number): number {
  let q = p;
  while (q > floor && buf[q - 1]! >= 0x41 && buf[q - 1]! <= 0x5a) q--;
  // Only the known 10-byte variant: a stray capital in the pad bytes must not extend the method.
  return q === floor && looksLikeSip(buf, q) ? q : p;
}

/** HEP3 magic, or a v1/v2 header whose family, size and SIP payload check out (FORMATS.md §1.1). */
export function isHepPayload(buf: Buffer): boolean {
  if (buf.length >= 6 && buf.readUInt32BE(0) === HEP3_MAGIC) return true;
  if (buf.length < 16) return false;
  const version = buf[0]!;
  if (version !== 1 && version !== 2) return false;
  const addrEnd = v12AddressEnd(buf[2]!);
  if (addrEnd === undefined || buf.length < addrEnd + (version === 2 ? 12 : 0)) return false;
  return v12PayloadStart(buf, version, addrEnd) >= 0;
}

export function decodeHep(buf: Buffer, refTime: Instant): HepDecodeResult {
  if (buf.length >= 4 && buf.readUInt32BE(0) === HEP3_MAGIC) return decodeHep3(buf, refTime);
  if (buf.length > 0 && (buf[0] === 1 || buf[0] === 2)) return decodeHep12(buf, refTime);
  return { ok: false, reason: 'not hep' };
}

function emptyPacket(version: 1 | 2 | 3): HepPacket {
  return { version, timeSource: 'receiver', payloadType: 1, payload: Buffer.alloc(0), flags: [], extra: {}, skippedChunks: 0 };
}

function addressPair(buf: Buffer, family: number, at: number): { src: Endpoint; dst: Endpoint } {
  const v6 = isIpv6Family(family);
  const n = v6 ? 16 : 4;
  const fmt = v6 ? formatIpv6Bytes : formatIpv4;
  return {
    src: { host: fmt(buf, at), port: buf.readUInt16BE(4) },
    dst: { host: fmt(buf, at + n), port: buf.readUInt16BE(6) },
  };
}

// ---- v1 / v2 (FORMATS.md §1.2) ----

function decodeHep12(buf: Buffer, refTime: Instant): HepDecodeResult {
  const version = buf[0] as 1 | 2;
  if (buf.length < 4) return { ok: false, reason: `hep v${version}: too short` };
  const family = buf[2]!;
  // hp_l (byte 1) is never trusted: Kamailio and sofia-sip disagree on it, old sngrep wrote garbage.
  const addrEnd = v12AddressEnd(family);
  if (addrEnd === undefined) return { ok: false, reason: `hep v${version}: address family ${family}` };
  const headerEnd = version === 2 ? addrEnd + 12 : addrEnd;
  if (buf.length < headerEnd) return { ok: false, reason: `hep v${version}: shorter than its ${headerEnd}-byte header` };
  const start = v12PayloadStart(buf, version, addrEnd);
  if (start < 0) return { ok: false, reason: `hep v${version}: payload is not SIP` };
  const p = emptyPacket(version);
  p.family = family;
  p.ipProtocol = buf[3];
  Object.assign(p, addressPair(buf, family, 8));
  p.payload = buf.subarray(start);
  if (start !== headerEnd) p.flags.push('hep-payload-offset');
  if (version === 1) {
    // v1 carries no time at all (a root cause of ordering complaints, sipcapture/homer#311).
    p.flags.push('receiver-time');
    return { ok: true, packet: p };
  }
  // v2's time block is a raw host-order C struct (LE on x86) in Kamailio and sofia-sip; others
  // read it BE (Kazoo's byte-swapped years 2001-2096, KAZOO.md §10.6). Try both, LE first.
  const t = addrEnd;
  const readings: { le: boolean; time: Instant }[] = [];
  for (const le of [true, false]) {
    const sec = le ? buf.readUInt32LE(t) : buf.readUInt32BE(t);
    const usec = le ? buf.readUInt32LE(t + 4) : buf.readUInt32BE(t + 4);
    if (usec >= 1_000_000) continue;
    const time = BigInt(sec) * NS_PER_S + BigInt(usec) * NS_PER_US;
    const d = time - refTime;
    if (d > V2_PLAUSIBLE_NS || d < -V2_PLAUSIBLE_NS) continue;
    readings.push({ le, time });
  }
  const chosen = readings[0];
  const le = chosen ? chosen.le : true;
  p.captureIdRaw = Buffer.from(buf.subarray(t + 8, t + 10));
  p.captureId = le ? buf.readUInt16LE(t + 8) : buf.readUInt16BE(t + 8);
  if (chosen) {
    p.time = chosen.time;
    p.timeSource = 'hep';
    if (!chosen.le) p.flags.push('hep-v2-be-time');
  } else {
    p.flags.push('receiver-time');
  }
  return { ok: true, packet: p };
}

// ---- v3 (FORMATS.md §1.3, §1.8) ----

/** An integer chunk value read BE at whatever width it has (FORMATS.md §1.8), or undefined. */
function readUint(buf: Buffer, at: number, len: number): number | undefined {
  if (len >= 1 && len <= 6) return buf.readUIntBE(at, len);
  if (len === 8) {
    const v = buf.readBigUInt64BE(at);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  }
  return undefined;
}

/** Names of the generic integer chunks kept in `extra` (REV 37 table). */
const EXTRA_INT: Record<number, string> = {
  0x000d: 'keep_alive_s', 0x0016: 'eth_type', 0x0017: 'tcp_flags', 0x0018: 'ip_tos',
  0x0020: 'mos', 0x0021: 'r_factor', 0x0023: 'jitter', 0x0027: 'tag_type', 0x0028: 'event_type',
};
/** Names of the generic octet-string chunks kept in `extra`. */
const EXTRA_TEXT: Record<number, string> = {
  0x0022: 'geo_location', 0x0024: 'transaction_type', 0x0025: 'payload_json_keys',
  0x0026: 'tag_values', 0x0029: 'group_id',
};

function inflatePayload(raw: Buffer): Buffer | undefined {
  // REV 37 says "gzip/deflate"; the corpus has zlib (78 9c). Order per FORMATS.md §1.4.
  const opts = { maxOutputLength: MAX_INFLATED };
  try { return inflateSync(raw, opts); } catch { /* not zlib */ }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try { return gunzipSync(raw, opts); } catch { /* not gzip */ }
  }
  try { return inflateRawSync(raw, opts); } catch { /* not raw deflate */ }
  return undefined;
}

function decodeHep3(buf: Buffer, refTime: Instant): HepDecodeResult {
  if (buf.length < 6) return { ok: false, reason: 'hep3: shorter than its 6-byte header' };
  const p = emptyPacket(3);
  p.payloadType = 0;
  const total = buf.readUInt16BE(4);
  // Kazoo demanded an exact match and crashed otherwise; we decode what is there and flag it.
  let end = buf.length;
  if (total !== buf.length) {
    p.flags.push('hep-length-mismatch');
    if (total >= 6) end = Math.min(total, buf.length);
  }
  let v4src: string | undefined, v4dst: string | undefined, v6src: string | undefined, v6dst: string | undefined;
  let srcPort: number | undefined, dstPort: number | undefined;
  let sec: number | undefined, usec: number | undefined;
  let plain: Buffer | undefined, compressed: Buffer | undefined;
  let sawType = false;
  let off = 6;
  while (off + 6 <= end) {
    const vendor = buf.readUInt16BE(off);
    const type = buf.readUInt16BE(off + 2);
    const len = buf.readUInt16BE(off + 4);
    if (len < 6) { p.flags.push('hep-bad-chunk-length'); break; } // the cursor could not advance
    if (off + len > end) { p.flags.push('hep-chunk-overrun'); break; }
    const at = off + 6;
    const n = len - 6;
    off += len;
    if (vendor !== 0) { p.skippedChunks++; continue; }
    const int = () => {
      const v = readUint(buf, at, n);
      if (v === undefined) p.flags.push('hep-odd-int-chunk');
      return v;
    };
    const text = () => buf.toString('utf8', at, at + n);
    switch (type) {
      case 0x0001: p.family = int(); break;
      case 0x0002: p.ipProtocol = int(); break;
      case 0x0003: if (n === 4) v4src = formatIpv4(buf, at); else p.flags.push('hep-bad-address'); break;
      case 0x0004: if (n === 4) v4dst = formatIpv4(buf, at); else p.flags.push('hep-bad-address'); break;
      case 0x0005: if (n === 16) v6src = formatIpv6Bytes(buf, at); else p.flags.push('hep-bad-address'); break;
      case 0x0006: if (n === 16) v6dst = formatIpv6Bytes(buf, at); else p.flags.push('hep-bad-address'); break;
      case 0x0007: srcPort = int(); break;
      case 0x0008: dstPort = int(); break;
      case 0x0009: sec = int(); break;
      case 0x000a: usec = int(); break;
      case 0x000b: { const v = int(); if (v !== undefined) { p.payloadType = v; sawType = true; } break; }
      case 0x000c: p.captureId = int(); p.captureIdRaw = Buffer.from(buf.subarray(at, at + n)); break;
      case 0x000e: p.authKey = text(); break;
      case 0x000f: plain = buf.subarray(at, at + n); break;
      case 0x0010: compressed = buf.subarray(at, at + n); break;
      case 0x0011: p.correlationId = text(); break;
      // The spec says u16; Kazoo accepted only 1 byte. Any width is read BE.
      case 0x0012: p.vlan = int(); break;
      case 0x0013: p.nodeName = text(); break;
      case 0x0014: case 0x0015:
        p.extra[type === 0x0014 ? 'src_mac' : 'dst_mac'] = buf.toString('hex', at, at + n);
        break;
      default:
        if (EXTRA_INT[type] !== undefined) { const v = int(); if (v !== undefined) p.extra[EXTRA_INT[type]!] = v; }
        else if (EXTRA_TEXT[type] !== undefined) p.extra[EXTRA_TEXT[type]!] = text();
        else p.skippedChunks++;
    }
  }
  if (off < end && !p.flags.some((f) => f === 'hep-bad-chunk-length' || f === 'hep-chunk-overrun')) p.flags.push('hep-trailing-bytes');
  if (!sawType) p.flags.push('hep-no-payload-type');

  // Addresses: when the family chunk disagrees with the address chunks, trust the addresses.
  const hasV4 = v4src !== undefined || v4dst !== undefined;
  const hasV6 = v6src !== undefined || v6dst !== undefined;
  let useV6 = hasV6 && (!hasV4 || (p.family !== undefined && isIpv6Family(p.family)));
  if (p.family !== undefined && ((useV6 && !isIpv6Family(p.family)) || (!useV6 && hasV4 && p.family !== 2))) p.flags.push('hep-family-mismatch');
  const srcHost = useV6 ? v6src : v4src;
  const dstHost = useV6 ? v6dst : v4dst;
  if (srcHost !== undefined) p.src = srcPort !== undefined ? { host: srcHost, port: srcPort } : { host: srcHost };
  if (dstHost !== undefined) p.dst = dstPort !== undefined ? { host: dstHost, port: dstPort } : { host: dstHost };

  // Payload: 0x000f as is; 0x0010 inflated. Both present: the spec is silent; prefer 0x000f.
  if (plain !== undefined) {
    p.payload = plain;
    if (compressed !== undefined) p.flags.push('hep-both-payloads');
  } else if (compressed !== undefined) {
    const inflated = inflatePayload(compressed);
    if (inflated) { p.payload = inflated; p.flags.push('hep-inflated'); }
    else { p.payload = compressed; p.flags.push('hep-inflate-failed'); }
  } else {
    p.flags.push('hep-no-payload');
  }

  setHep3Time(p, sec, usec, refTime);
  return { ok: true, packet: p };
}

function setHep3Time(p: HepPacket, sec: number | undefined, usec: number | undefined, refTime: Instant): void {
  if (sec === undefined) { p.flags.push('receiver-time'); return; }
  const base = BigInt(sec) * NS_PER_S;
  if (usec === undefined) { p.time = base; p.timeSource = 'hep'; p.flags.push('hep-no-usec'); return; }
  if (usec >= 1_000_000) { p.time = base; p.timeSource = 'hep'; p.flags.push('hep-bad-usec'); return; }
  const asUs = base + BigInt(usec) * NS_PER_US;
  // hepgen.js / hep-js write milliseconds into the µs chunk (FORMATS.md §1.3; 100…927 in
  // corpus hep.pcap). Judged per packet: a value below 1000 whose µs reading is more than a
  // few ms from the reference, while the ms reading is closer, is taken as ms and flagged.
  // (A genuine µs value below 1000 from a skewed clock is the rare false positive.)
  if (usec < 1000) {
    const dUs = abs(asUs - refTime);
    if (dUs > MS_QUIRK_THRESHOLD_NS) {
      const asMs = base + BigInt(usec) * NS_PER_MS;
      const dMs = abs(asMs - refTime);
      if (dMs < dUs && dMs <= MS_QUIRK_MAX_NS) {
        p.time = asMs;
        p.timeSource = 'hep-ms-quirk';
        p.flags.push('hep-ms-quirk');
        return;
      }
    }
  }
  p.time = asUs;
  p.timeSource = 'hep';
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}
