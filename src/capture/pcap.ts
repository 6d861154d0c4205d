// Classic libpcap files (FORMATS.md §2): a 24-byte global header, then records of a 16-byte
// header (24 in Kuznetzov's "modified" variant) and incl_len bytes of frame data.
// The magic fixes the byte order and whether the fraction counts µs or ns; ts_sec is unsigned
// (corpus heplify__sip_ipv6_udp.pcap has stamps above 2^31).
import { ByteWindow, readU32 } from './buffer-reader.js';
import type { Frame, FrameDecoder } from './frame.js';

const GLOBAL_HEADER = 24;
/** Larger incl_len values mean a corrupt file (a real frame never comes near this). */
const MAX_RECORD = 256 * 1024 * 1024;

export interface PcapHeader {
  littleEndian: boolean;
  nanoseconds: boolean;
  /** Record header size: 16, or 24 for the Kuznetzov modified format. */
  recordHeader: number;
  major: number;
  minor: number;
  snaplen: number;
  linkType: number;
}

/** Parse the global header; undefined when the magic is not a pcap one. */
export function parsePcapHeader(buf: Buffer, off = 0): PcapHeader | undefined {
  if (buf.length - off < GLOBAL_HEADER) return undefined;
  const magic = buf.readUInt32BE(off);
  let littleEndian: boolean, nanoseconds = false, recordHeader = 16;
  switch (magic) {
    case 0xd4c3b2a1: littleEndian = true; break;
    case 0xa1b2c3d4: littleEndian = false; break;
    case 0x4d3cb2a1: littleEndian = true; nanoseconds = true; break;
    case 0xa1b23c4d: littleEndian = false; nanoseconds = true; break;
    case 0x34cdb2a1: littleEndian = true; recordHeader = 24; break;
    case 0xa1b2cd34: littleEndian = false; recordHeader = 24; break;
    default: return undefined;
  }
  const u16 = (o: number) => (littleEndian ? buf.readUInt16LE(off + o) : buf.readUInt16BE(off + o));
  return {
    littleEndian, nanoseconds, recordHeader,
    major: u16(4),
    minor: u16(6),
    snaplen: readU32(buf, off + 16, littleEndian),
    // The upper 4 bits carry FCS information, not the link type.
    linkType: readU32(buf, off + 20, littleEndian) & 0x0fffffff,
  };
}

export class PcapDecoder implements FrameDecoder {
  private readonly window = new ByteWindow();
  header?: PcapHeader;
  private frames = 0;
  private stopped?: string;

  constructor(private readonly skip: (reason: string) => void = () => {}) {}

  push(piece: Buffer): void {
    this.window.append(piece);
  }

  get consumed(): number {
    return this.window.offset;
  }

  next(): Frame | undefined {
    if (this.stopped) return undefined;
    const w = this.window;
    if (!this.header) {
      if (w.available < GLOBAL_HEADER) return undefined;
      this.header = parsePcapHeader(w.buffer, w.index);
      if (!this.header) { this.stop('not a pcap file (bad magic)'); return undefined; }
      w.consume(GLOBAL_HEADER);
    }
    const h = this.header;
    if (w.available < h.recordHeader) return undefined;
    const buf = w.buffer, at = w.index, le = h.littleEndian;
    const sec = readU32(buf, at, le);
    const frac = readU32(buf, at + 4, le);
    const incl = readU32(buf, at + 8, le);
    const orig = readU32(buf, at + 12, le);
    if (incl > MAX_RECORD) { this.stop('corrupt pcap record (captured length too large)'); return undefined; }
    if (w.available < h.recordHeader + incl) return undefined;
    if (frac >= (h.nanoseconds ? 1_000_000_000 : 1_000_000)) this.skip('pcap timestamp fraction out of range (kept)');
    const offset = w.offset;
    const dataAt = at + h.recordHeader;
    w.consume(h.recordHeader + incl);
    return {
      time: BigInt(sec) * 1_000_000_000n + BigInt(h.nanoseconds ? frac : frac * 1000),
      linkType: h.linkType,
      data: buf.subarray(dataAt, dataAt + incl),
      frame: ++this.frames,
      capturedLength: incl,
      originalLength: orig,
      interface: 0,
      offset,
      end: offset + h.recordHeader + incl,
    };
  }

  finish(): string | undefined {
    if (this.stopped) return this.stopped;
    if (!this.header) return this.window.available > 0 || this.frames === 0 ? 'pcap file shorter than its header' : undefined;
    if (this.window.available > 0) return 'pcap record cut at end of file';
    return undefined;
  }

  private stop(reason: string): void {
    this.stopped = reason;
  }
}
