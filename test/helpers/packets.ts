// Byte-by-byte builders for capture tests: pcap/pcapng files, link headers, IPv4/IPv6 (with
// fragments), UDP, TCP, SCTP. Checksums are left zero (the dissectors ignore them, as offload
// makes them wrong in real captures anyway).

export function u16(n: number): Buffer { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; }
export function u32(n: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; }
export function ip4(text: string): Buffer { return Buffer.from(text.split('.').map(Number)); }
export function ip6(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const words = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t].map((w) => parseInt(w, 16));
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(w, 2 * i));
  return b;
}

export function ethernet(payload: Buffer, etherType = 0x0800, vlans: { tpid: number; id: number }[] = []): Buffer {
  const macs = Buffer.from('00112233445566778899aabb', 'hex');
  const tags = vlans.map((v, i) => Buffer.concat([u16(v.id), u16(i + 1 < vlans.length ? vlans[i + 1]!.tpid : etherType)]));
  const first = vlans.length ? vlans[0]!.tpid : etherType;
  return Buffer.concat([macs, u16(first), ...tags, payload]);
}

export function sll2(payload: Buffer, protocol = 0x0800, packetType = 4): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(protocol, 0);
  h.writeUInt32BE(3, 4); // interface index
  h.writeUInt16BE(1, 8); // ARPHRD_ETHER
  h[10] = packetType;
  h[11] = 6;
  return Buffer.concat([h, payload]);
}

export function sll(payload: Buffer, protocol = 0x0800, packetType = 0): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(packetType, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(protocol, 14);
  return Buffer.concat([h, payload]);
}

export interface Ipv4Options { id?: number; protocol?: number; fragOffset?: number; more?: boolean; options?: Buffer; totalLength?: number }

export function ipv4(src: string, dst: string, payload: Buffer, o: Ipv4Options = {}): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const ihl = 20 + opts.length;
  const h = Buffer.alloc(20);
  h[0] = 0x40 | (ihl / 4);
  h.writeUInt16BE(o.totalLength ?? ihl + payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE(((o.more ? 0x2000 : 0) | ((o.fragOffset ?? 0) / 8)) & 0xffff, 6);
  h[8] = 64;
  h[9] = o.protocol ?? 17;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  return Buffer.concat([h, opts, payload]);
}

/** IPv4 fragments of one datagram (payload = the upper-layer bytes), each carrying `size` bytes (a multiple of 8). */
export function ipv4Fragments(src: string, dst: string, payload: Buffer, size: number, id: number, protocol = 17): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    out.push(ipv4(src, dst, part, { id, protocol, fragOffset: off, more: off + size < payload.length }));
  }
  return out;
}

export function ipv6(src: string, dst: string, payload: Buffer, nextHeader = 17, ext: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(ext.length + payload.length, 4);
  h[6] = nextHeader;
  h[7] = 64;
  ip6(src).copy(h, 8);
  ip6(dst).copy(h, 24);
  return Buffer.concat([h, ext, payload]);
}

/** IPv6 fragments: a hop-by-hop header first (to exercise the extension walk), then the fragment header. */
export function ipv6Fragments(src: string, dst: string, payload: Buffer, size: number, id: number, protocol = 17): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, off + size);
    const more = off + size < payload.length;
    const hbh = Buffer.from([44, 0, 1, 4, 0, 0, 0, 0]); // next = fragment, len 0 → 8 bytes, PadN
    const frag = Buffer.concat([Buffer.from([protocol, 0]), u16(off | (more ? 1 : 0)), u32(id)]);
    out.push(ipv6(src, dst, part, 0, Buffer.concat([hbh, frag])));
  }
  return out;
}

export function udp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  return Buffer.concat([u16(srcPort), u16(dstPort), u16(8 + payload.length), u16(0), payload]);
}

export function tcp(srcPort: number, dstPort: number, seq: number, payload: Buffer, flags = 0x18): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, payload]);
}

export interface SctpDataChunk { tsn: number; stream?: number; ssn?: number; begin: boolean; end: boolean; unordered?: boolean; data: Buffer }

export function sctp(srcPort: number, dstPort: number, chunks: SctpDataChunk[], vtag = 0x11223344): Buffer {
  const parts: Buffer[] = [u16(srcPort), u16(dstPort), u32(vtag), u32(0)];
  for (const c of chunks) {
    const len = 16 + c.data.length;
    const flags = (c.unordered ? 4 : 0) | (c.begin ? 2 : 0) | (c.end ? 1 : 0);
    const h = Buffer.concat([Buffer.from([0, flags]), u16(len), u32(c.tsn), u16(c.stream ?? 0), u16(c.ssn ?? 0), u32(0)]);
    parts.push(h, c.data, Buffer.alloc((4 - (len % 4)) % 4));
  }
  return Buffer.concat(parts);
}

export interface PcapRecord { sec: number; frac: number; data: Buffer; origLen?: number }

export function pcapFile(records: PcapRecord[], o: { linkType?: number; littleEndian?: boolean; nanoseconds?: boolean } = {}): Buffer {
  const le = o.littleEndian ?? true;
  const w32 = (n: number) => { const b = Buffer.alloc(4); if (le) b.writeUInt32LE(n >>> 0); else b.writeUInt32BE(n >>> 0); return b; };
  const w16 = (n: number) => { const b = Buffer.alloc(2); if (le) b.writeUInt16LE(n); else b.writeUInt16BE(n); return b; };
  const magic = o.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts: Buffer[] = [w32(magic), w16(2), w16(4), w32(0), w32(0), w32(262144), w32(o.linkType ?? 1)];
  for (const r of records) parts.push(w32(r.sec), w32(r.frac), w32(r.data.length), w32(r.origLen ?? r.data.length), r.data);
  return Buffer.concat(parts);
}

// ---- pcapng ----

function pad4(b: Buffer): Buffer {
  return b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) : b;
}

export class PcapngWriter {
  private parts: Buffer[] = [];
  constructor(private le = true) {}

  private w32(n: number): Buffer { const b = Buffer.alloc(4); if (this.le) b.writeUInt32LE(n >>> 0); else b.writeUInt32BE(n >>> 0); return b; }
  private w16(n: number): Buffer { const b = Buffer.alloc(2); if (this.le) b.writeUInt16LE(n); else b.writeUInt16BE(n); return b; }

  block(type: number, body: Buffer): this {
    const b = pad4(body);
    const total = 12 + b.length;
    this.parts.push(this.w32(type), this.w32(total), b, this.w32(total));
    return this;
  }

  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.w16(code), this.w16(value.length), pad4(value)]);
  }

  /** Start a section (byte order chosen per section). */
  shb(le = this.le): this {
    this.le = le;
    const body = Buffer.concat([this.w32(0x1a2b3c4d), this.w16(1), this.w16(0), Buffer.alloc(8, 0xff)]);
    return this.block(0x0a0d0d0a, body);
  }

  idb(linkType: number, o: { tsresol?: number; tsoffset?: bigint; snaplen?: number } = {}): this {
    const opts: Buffer[] = [];
    if (o.tsresol !== undefined) opts.push(this.option(9, Buffer.from([o.tsresol])));
    if (o.tsoffset !== undefined) {
      const b = Buffer.alloc(8);
      if (this.le) b.writeBigInt64LE(o.tsoffset); else b.writeBigInt64BE(o.tsoffset);
      opts.push(this.option(14, b));
    }
    if (opts.length) opts.push(this.option(0, Buffer.alloc(0)));
    return this.block(1, Buffer.concat([this.w16(linkType), this.w16(0), this.w32(o.snaplen ?? 0), ...opts]));
  }

  epb(ifId: number, units: bigint, data: Buffer, origLen = data.length): this {
    const high = Number(units >> 32n), low = Number(units & 0xffffffffn);
    return this.block(6, Buffer.concat([this.w32(ifId), this.w32(high), this.w32(low), this.w32(data.length), this.w32(origLen), pad4(data)]));
  }

  spb(data: Buffer): this {
    return this.block(3, Buffer.concat([this.w32(data.length), pad4(data)]));
  }

  pb(ifId: number, units: bigint, data: Buffer): this {
    const high = Number(units >> 32n), low = Number(units & 0xffffffffn);
    return this.block(2, Buffer.concat([this.w16(ifId), this.w16(0), this.w32(high), this.w32(low), this.w32(data.length), this.w32(data.length), pad4(data)]));
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function sipMessage(startLine: string, callId: string, body = '', extra: string[] = []): Buffer {
  const lines = [startLine, 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>',
    `Call-ID: ${callId}`, `CSeq: 1 ${startLine.startsWith('SIP/') ? 'INVITE' : startLine.split(' ')[0]}`, ...extra, `Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body);
}

/** Run a source reader over pieces and collect chunks and skips. */
export async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

export async function* pieces(buf: Buffer, size = buf.length): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export interface TestContext {
  parser: string;
  startOffset: number;
  skips: Record<string, number>;
  checkpoints: number[];
  warnings: string[];
  skip(reason: string, count?: number): void;
  checkpoint(offset: number): void;
  progress(bytes: number): void;
  warn(message: string): void;
}

export function testContext(startOffset = 0, parser = '/captures/test.pcap'): TestContext {
  const ctx: TestContext = {
    parser, startOffset, skips: {}, checkpoints: [], warnings: [],
    skip(reason, count = 1) { ctx.skips[reason] = (ctx.skips[reason] ?? 0) + count; },
    checkpoint(offset) { ctx.checkpoints.push(offset); },
    progress() {},
    warn(message) { ctx.warnings.push(message); },
  };
  return ctx;
}
