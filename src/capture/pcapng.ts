// pcapng (FORMATS.md §3): blocks of `type, total length, body, total length`. Byte order is
// per section (each SHB); interface ids restart in each section. Packets come from EPB, SPB
// and the obsolete PB; every other block is skipped by its length.
// Timestamps are 64-bit counts of if_tsresol units (10^-n or 2^-n s) plus if_tsoffset seconds,
// handled as BigInt end to end (the 2^53 pitfall, FORMATS.md §3.1).
import { BufferReader, ByteWindow } from './buffer-reader.js';
import type { Frame, FrameDecoder } from './frame.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const PB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const MAX_BLOCK = 256 * 1024 * 1024;

export interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** if_tsresol byte: top bit 0 → 10^-n s, 1 → 2^-n s. Default 6 (µs). */
  tsresol: number;
  /** if_tsoffset in seconds. */
  tsoffset: bigint;
  name?: string;
}

/** Units of an interface's timestamps → ns since the epoch. */
export function pcapngTime(units: bigint, iface: Pick<PcapngInterface, 'tsresol' | 'tsoffset'>): bigint {
  const n = iface.tsresol & 0x7f;
  let ns: bigint;
  if (iface.tsresol & 0x80) {
    const sec = units >> BigInt(n);
    const rem = units & ((1n << BigInt(n)) - 1n);
    ns = sec * 1_000_000_000n + ((rem * 1_000_000_000n) >> BigInt(n));
  } else if (n === 9) {
    ns = units;
  } else if (n < 9) {
    ns = units * 10n ** BigInt(9 - n);
  } else {
    ns = units / 10n ** BigInt(n - 9);
  }
  return ns + iface.tsoffset * 1_000_000_000n;
}

/** Parse an IDB body (after the 8-byte block header, before the trailing length). */
export function parseIdb(r: BufferReader, end: number): PcapngInterface {
  const linkType = r.u16();
  r.skip(2);
  const snaplen = r.u32();
  const iface: PcapngInterface = { linkType, snaplen, tsresol: 6, tsoffset: 0n };
  while (r.offset + 4 <= end) {
    const code = r.u16();
    const len = r.u16();
    if (code === 0 || r.offset + len > end) break;
    const valueAt = r.offset;
    if (code === 9 && len >= 1) iface.tsresol = r.buf[valueAt]!;
    else if (code === 14 && len >= 8) iface.tsoffset = r.i64();
    else if (code === 2) iface.name = r.buf.toString('utf8', valueAt, valueAt + len);
    r.offset = valueAt + ((len + 3) & ~3);
  }
  return iface;
}

export class PcapngDecoder implements FrameDecoder {
  private readonly window = new ByteWindow();
  private littleEndian?: boolean;
  private interfaces: PcapngInterface[] = [];
  private sections = 0;
  private frames = 0;
  private lastTime = 0n;
  private stopped?: string;

  constructor(private readonly skip: (reason: string) => void = () => {}) {}

  push(piece: Buffer): void {
    this.window.append(piece);
  }

  get consumed(): number {
    return this.window.offset;
  }

  get sectionCount(): number {
    return this.sections;
  }

  next(): Frame | undefined {
    const w = this.window;
    for (;;) {
      if (this.stopped || w.available < 12) return undefined;
      const buf = w.buffer, at = w.index;
      const typeBE = buf.readUInt32BE(at);
      if (typeBE === SHB) {
        // The byte order magic is readable before the byte order is known.
        const magic = buf.readUInt32BE(at + 8);
        if (magic === BYTE_ORDER_MAGIC) this.littleEndian = false;
        else if (magic === 0x4d3c2b1a) this.littleEndian = true;
        else { this.stop('corrupt pcapng section header (byte order magic)'); return undefined; }
      } else if (this.littleEndian === undefined) {
        this.stop('not a pcapng file (no section header block)');
        return undefined;
      }
      const le = this.littleEndian;
      const type = le ? buf.readUInt32LE(at) : typeBE;
      const total = le ? buf.readUInt32LE(at + 4) : buf.readUInt32BE(at + 4);
      if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK) { this.stop('corrupt pcapng block length'); return undefined; }
      if (w.available < total) return undefined;
      const offset = w.offset;
      const trailer = le ? buf.readUInt32LE(at + total - 4) : buf.readUInt32BE(at + total - 4);
      w.consume(total);
      if (trailer !== total) { this.stop('corrupt pcapng block (trailing length differs)'); return undefined; }
      const bodyEnd = at + total - 4;
      const r = new BufferReader(buf, at + 8, le);
      switch (type) {
        case SHB:
          this.sections++;
          this.interfaces = []; // interface ids restart in each section
          continue;
        case IDB:
          if (total < 20) { this.skip('corrupt pcapng interface block'); continue; }
          this.interfaces.push(parseIdb(r, bodyEnd));
          continue;
        case EPB:
        case PB: {
          if (total < 32) { this.skip('corrupt pcapng packet block'); continue; }
          let ifId: number;
          if (type === EPB) ifId = r.u32();
          else { ifId = r.u16(); r.skip(2); }
          const high = r.u32(), low = r.u32();
          const caplen = r.u32(), origlen = r.u32();
          const iface = this.interfaces[ifId];
          if (!iface) { this.skip('pcapng packet on an undeclared interface'); continue; }
          if (r.offset + caplen > bodyEnd) { this.skip('corrupt pcapng packet block (captured length)'); continue; }
          const time = pcapngTime((BigInt(high) << 32n) | BigInt(low), iface);
          this.lastTime = time;
          return this.frame(iface, ifId, buf.subarray(r.offset, r.offset + caplen), origlen, time, offset, total);
        }
        case SPB: {
          const iface = this.interfaces[0];
          if (!iface) { this.skip('pcapng packet on an undeclared interface'); continue; }
          const origlen = r.u32();
          let caplen = Math.min(origlen, bodyEnd - r.offset);
          if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
          const f = this.frame(iface, 0, buf.subarray(r.offset, r.offset + caplen), origlen, this.lastTime, offset, total);
          f.noTimestamp = true;
          return f;
        }
        default:
          // NRB, ISB, DSB, custom and unknown blocks carry no packets.
          continue;
      }
    }
  }

  private frame(iface: PcapngInterface, ifId: number, data: Buffer, origlen: number, time: bigint, offset: number, total: number): Frame {
    return {
      time, linkType: iface.linkType, data, frame: ++this.frames,
      capturedLength: data.length, originalLength: origlen, interface: ifId,
      offset, end: offset + total,
    };
  }

  finish(): string | undefined {
    if (this.stopped) return this.stopped;
    if (this.window.available > 0) return 'pcapng block cut at end of file';
    if (this.sections === 0) return 'pcapng file without a section header';
    return undefined;
  }

  private stop(reason: string): void {
    this.stopped = reason;
  }
}
