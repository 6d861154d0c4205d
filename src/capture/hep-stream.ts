// HEP3 over a byte stream (TCP, TLS after termination): packets back to back with no delimiter,
// framed by the 16-bit total length (FORMATS.md §1.6). v1/v2 carry no length and cannot be
// framed on a stream. One framer per connection; the buffer never holds more than one packet
// (≤ 65535 bytes) plus what the last push brought.

const MAGIC = Buffer.from('HEP3', 'latin1');

export class HepStreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes dropped because they did not belong to a HEP3 packet. */
  garbageBytes = 0;
  /** How many times the framer had to scan for the next `HEP3`. */
  resyncs = 0;
  packets = 0;

  /** Feed bytes; returns the whole packets they complete, in order. */
  push(data: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    const out: Buffer[] = [];
    let off = 0;
    const b = this.buf;
    for (;;) {
      if (b.length - off < 6) break;
      if (b.compare(MAGIC, 0, 4, off, off + 4) !== 0) {
        const next = b.indexOf(MAGIC, off + 1);
        this.resyncs++;
        if (next < 0) {
          // Keep a tail that could be the start of a split magic.
          const keep = Math.min(3, b.length - off);
          this.garbageBytes += b.length - off - keep;
          off = b.length - keep;
          break;
        }
        this.garbageBytes += next - off;
        off = next;
        continue;
      }
      const total = b.readUInt16BE(off + 4);
      if (total < 6) {
        // A length that cannot be right: drop the magic and look for the next packet.
        this.garbageBytes += 4;
        this.resyncs++;
        off += 4;
        continue;
      }
      if (b.length - off < total) break;
      // Copy: the caller may keep the packet while the big buffer is released.
      out.push(Buffer.from(b.subarray(off, off + total)));
      this.packets++;
      off += total;
    }
    this.buf = off === 0 ? b : Buffer.from(b.subarray(off));
    return out;
  }

  /** Bytes waiting for the rest of their packet. */
  get buffered(): number {
    return this.buf.length;
  }
}
