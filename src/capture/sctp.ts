// SCTP (RFC 4960; SIP over SCTP, RFC 4168; FORMATS.md §5.3): the 12-byte common header, then
// chunks (type, flags, length, padded to 4). DATA chunks (type 0) carry user messages; a
// message split into pieces has B on the first and E on the last, with consecutive TSNs, per
// association and stream. One SIP message per user message.
// Reassembly state is bounded (pieces per stream and streams); a TSN already delivered again
// is an SCTP retransmission and is dropped.

export interface SctpData {
  tsn: number;
  stream: number;
  ssn: number;
  ppid: number;
  unordered: boolean;
  begin: boolean;
  end: boolean;
  data: Buffer;
}

export interface SctpPacket {
  srcPort: number;
  dstPort: number;
  vtag: number;
  data: SctpData[];
}

export function decodeSctp(buf: Buffer): SctpPacket | { skip: string } {
  if (buf.length < 12) return { skip: 'truncated sctp header' };
  const pkt: SctpPacket = { srcPort: buf.readUInt16BE(0), dstPort: buf.readUInt16BE(2), vtag: buf.readUInt32BE(4), data: [] };
  let off = 12;
  while (off + 4 <= buf.length) {
    const type = buf[off]!;
    const flags = buf[off + 1]!;
    const len = buf.readUInt16BE(off + 2);
    if (len < 4) break;
    if (type === 0 && len >= 16 && off + len <= buf.length) {
      pkt.data.push({
        tsn: buf.readUInt32BE(off + 4),
        stream: buf.readUInt16BE(off + 8),
        ssn: buf.readUInt16BE(off + 10),
        ppid: buf.readUInt32BE(off + 12),
        unordered: (flags & 0x04) !== 0,
        begin: (flags & 0x02) !== 0,
        end: (flags & 0x01) !== 0,
        data: buf.subarray(off + 16, off + len),
      });
    }
    off += (len + 3) & ~3;
  }
  return pkt;
}

interface Piece { tsn: number; begin: boolean; end: boolean; data: Buffer }

const MAX_PIECES = 256;
const RECENT = 512;

export class SctpReassembler {
  /** Pieces waiting for the rest of their message, per association+stream key. */
  private readonly pieces = new Map<string, Piece[]>();
  /** TSNs recently delivered, per association direction: a repeat is a retransmission. */
  private readonly recent = new Map<string, { set: Set<number>; order: number[] }>();
  private readonly maxKeys = 4096;

  constructor(private readonly onDrop: (reason: string, count: number) => void = () => {}) {}

  /**
   * Add one DATA chunk of the association direction `assoc`; returns the user message when the
   * chunk completes one.
   */
  add(assoc: string, chunk: SctpData): Buffer | undefined {
    if (this.seen(assoc, chunk.tsn)) { this.onDrop('sctp retransmission', 1); return undefined; }
    if (chunk.begin && chunk.end) { this.remember(assoc, chunk.tsn); return chunk.data; }
    const key = `${assoc}/${chunk.stream}`;
    let list = this.pieces.get(key);
    if (!list) {
      if (this.pieces.size >= this.maxKeys) {
        const oldest = this.pieces.keys().next().value as string;
        this.onDrop('sctp fragments dropped (table full)', this.pieces.get(oldest)!.length);
        this.pieces.delete(oldest);
      }
      list = [];
      this.pieces.set(key, list);
    }
    if (list.some((p) => p.tsn === chunk.tsn)) { this.onDrop('sctp retransmission', 1); return undefined; }
    list.push({ tsn: chunk.tsn, begin: chunk.begin, end: chunk.end, data: Buffer.from(chunk.data) });
    list.sort((a, b) => ((a.tsn - b.tsn) | 0));
    if (list.length > MAX_PIECES) { this.onDrop('sctp fragments dropped (too many pieces)', 1); list.shift(); }
    // Find a run B … E of consecutive TSNs.
    for (let i = 0; i < list.length; i++) {
      if (!list[i]!.begin) continue;
      let j = i;
      while (!list[j]!.end && j + 1 < list.length && ((list[j + 1]!.tsn - list[j]!.tsn) | 0) === 1 && !list[j + 1]!.begin) j++;
      if (!list[j]!.end) continue;
      const run = list.splice(i, j - i + 1);
      for (const p of run) this.remember(assoc, p.tsn);
      if (list.length === 0) this.pieces.delete(key);
      return Buffer.concat(run.map((p) => p.data));
    }
    return undefined;
  }

  /** End of capture: count what never completed. */
  flush(): void {
    let n = 0;
    for (const list of this.pieces.values()) n += list.length;
    if (n) this.onDrop('sctp fragments incomplete at end of capture', n);
    this.pieces.clear();
  }

  private seen(assoc: string, tsn: number): boolean {
    return this.recent.get(assoc)?.set.has(tsn) ?? false;
  }

  private remember(assoc: string, tsn: number): void {
    let r = this.recent.get(assoc);
    if (!r) {
      if (this.recent.size >= this.maxKeys) this.recent.delete(this.recent.keys().next().value as string);
      r = { set: new Set(), order: [] };
      this.recent.set(assoc, r);
    }
    r.set.add(tsn);
    r.order.push(tsn);
    if (r.order.length > RECENT) r.set.delete(r.order.shift()!);
  }
}
