// Small readers over bytes for the capture dissectors (the node-postgres BufferReader idea):
// explicit offsets, explicit byte order, no parsing framework.
//
// - BufferReader: typed sequential reads over one Buffer, in the byte order of the file
//   (pcap and pcapng sections may be either; network headers are always big-endian).
// - ByteWindow: the unread tail of a chunked byte stream. Capture files arrive as
//   AsyncIterable<Buffer> pieces; a record may straddle two pieces. The window keeps only the
//   unconsumed bytes (at most one partial record plus the newest piece), never the whole file.

export class BufferReader {
  constructor(
    readonly buf: Buffer,
    public offset = 0,
    public littleEndian = false,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  has(n: number): boolean {
    return this.offset + n <= this.buf.length;
  }

  u8(): number {
    return this.buf[this.offset++]!;
  }

  u16(): number {
    const v = this.littleEndian ? this.buf.readUInt16LE(this.offset) : this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    const v = this.littleEndian ? this.buf.readUInt32LE(this.offset) : this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  i32(): number {
    const v = this.littleEndian ? this.buf.readInt32LE(this.offset) : this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** 64-bit unsigned as a BigInt: pcapng timestamps exceed 2^53 (FORMATS.md §3.1). */
  u64(): bigint {
    const v = this.littleEndian ? this.buf.readBigUInt64LE(this.offset) : this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  i64(): bigint {
    const v = this.littleEndian ? this.buf.readBigInt64LE(this.offset) : this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  bytes(n: number): Buffer {
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  skip(n: number): void {
    this.offset += n;
  }
}

/** Reads a u32 at `off` in the given byte order. */
export function readU32(buf: Buffer, off: number, littleEndian: boolean): number {
  return littleEndian ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
}

export function readU16(buf: Buffer, off: number, littleEndian: boolean): number {
  return littleEndian ? buf.readUInt16LE(off) : buf.readUInt16BE(off);
}

export class ByteWindow {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;

  /** Add the next piece of the stream. Only the unread tail is kept (copied once when a record straddles pieces). */
  append(piece: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.base += this.buf.length;
      this.buf = piece;
      this.pos = 0;
      return;
    }
    const tail = this.buf.subarray(this.pos);
    this.base += this.pos;
    this.buf = Buffer.concat([tail, piece]);
    this.pos = 0;
  }

  /** Unread bytes available. */
  get available(): number {
    return this.buf.length - this.pos;
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** The backing buffer and the index of the next unread byte in it (valid until the next append). */
  get buffer(): Buffer {
    return this.buf;
  }

  get index(): number {
    return this.pos;
  }

  consume(n: number): void {
    this.pos += n;
  }
}
