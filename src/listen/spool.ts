// The listener's overflow: when the chunk builders and the store writer fall behind (the disk
// writing back, a burst above what the machine sustains), accepted packets are appended to spool
// files in <store>/.spool instead of being dropped, and handed back to the builders, oldest
// first, as the queue empties. An append is a sequential write through a 1 MB buffer (no file
// creation per call, unlike the store), so the receiving thread keeps up with rates the store
// cannot take for a while. Files are segments of ~16 MB, removed once replayed; a segment left
// by a killed listener is taken over by the next `listen` on the store (or can be ingested: the
// format is a pcap, spool-records.ts). Memory stays bounded: one write buffer, the writes in
// flight (capped) and the one segment being replayed.
import { promises as fsp, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../store/runtime.js';
import type { ReceivedPacket } from './collector.js';
import { decodeSpool, encodeSpoolRecord, SPOOL_FILE_HEADER, spoolRecordSize } from './spool-records.js';

export const SPOOL_DIR = '.spool';

export interface SpoolOptions {
  /** Spooled bytes not yet replayed, at most (beyond: dropped, 'spool full'). */
  maxBytes: number;
  segmentBytes?: number;
  /** Bytes handed to the disk and not yet written, at most (beyond: dropped, 'spool disk too slow'). */
  maxUnwritten?: number;
}

/** Packets lost on the way through the spool, by reason (the listener counts them as dropped). */
export type SpoolLoss = (packets: number, reason: string) => void;

const WRITE_BUFFER = 1 << 20;
/** A partly filled segment is closed for replay at most this often (each costs a file). */
const SEAL_INTERVAL_MS = 100;

interface Segment {
  path: string;
  bytes: number;
  /** Records in the file; unknown (-1) for a segment taken over from a dead listener. */
  packets: number;
  /** Of those, the ones whose write failed (counted lost when it did). */
  failed: { packets: number };
  /** Resolves once every write is done and the file is closed. */
  done: Promise<void>;
}

class SegmentWriter {
  readonly path: string;
  bytes = SPOOL_FILE_HEADER.length;
  packets = 0;
  readonly failed = { packets: 0 };
  private buf = Buffer.allocUnsafe(WRITE_BUFFER);
  private used = 0;
  private bufPackets = 0;
  private chain: Promise<void>;
  private readonly file: Promise<fsp.FileHandle>;

  constructor(path: string, private readonly spool: { unwritten: number; lost: SpoolLoss }) {
    this.path = path;
    this.file = fsp.open(path, 'wx');
    this.chain = this.file.then(() => undefined, () => undefined);
    this.buf.set(SPOOL_FILE_HEADER, 0);
    this.used = SPOOL_FILE_HEADER.length;
  }

  append(p: ReceivedPacket, size: number): void {
    if (this.used + size > this.buf.length) this.writeBuffer();
    if (size > this.buf.length) this.buf = Buffer.allocUnsafe(size);
    this.used += encodeSpoolRecord(p, this.buf, this.used);
    this.bufPackets++;
    this.packets++;
    this.bytes += size;
  }

  /** Hands the filled part of the buffer to the disk, one write at a time, in order. */
  private writeBuffer(): void {
    if (this.used === 0) return;
    const bytes = this.buf.subarray(0, this.used);
    const packets = this.bufPackets;
    this.buf = Buffer.allocUnsafe(WRITE_BUFFER);
    this.used = 0;
    this.bufPackets = 0;
    this.spool.unwritten += bytes.length;
    this.chain = this.chain.then(async () => {
      try {
        const fh = await this.file;
        for (let off = 0; off < bytes.length;) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
      } catch (e) {
        this.failed.packets += packets;
        this.spool.lost(packets, `spool write failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      } finally {
        this.spool.unwritten -= bytes.length;
      }
    });
  }

  seal(): Segment {
    this.writeBuffer();
    const done = this.chain.then(async () => {
      try { await (await this.file).close(); } catch { /* not opened: its writes were counted lost */ }
    });
    return { path: this.path, bytes: this.bytes, packets: this.packets, failed: this.failed, done };
  }
}

export class PacketSpool {
  /** Packets spooled and not yet handed back (segments taken over count once read). */
  backlog = 0;
  /** Bytes of spool files not yet replayed, the write buffer included. */
  bytes = 0;
  unwritten = 0;
  readonly lost: SpoolLoss;
  private writer: SegmentWriter | undefined;
  private readonly sealed: Segment[] = [];
  private replay: { packets: ReceivedPacket[]; pos: number; segment: Segment } | undefined;
  private loading = false;
  private lastSeal = 0;
  private seq = 0;
  private readonly segmentBytes: number;
  private readonly maxUnwritten: number;

  constructor(readonly dir: string, private readonly opts: SpoolOptions, lost: SpoolLoss) {
    this.lost = lost;
    this.segmentBytes = opts.segmentBytes ?? 16 << 20;
    this.maxUnwritten = opts.maxUnwritten ?? 64 << 20;
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Takes over the segments of listeners that are no longer running (killed before their spool
   * was replayed): renamed to this process's name, which only one taker can do, and queued first.
   */
  adoptLeftovers(): number {
    let names: string[];
    try { names = readdirSync(this.dir).filter((n) => /^\d+-\d+\.pcap$/.test(n)).sort(byPidSeq); } catch { return 0; }
    let adopted = 0;
    for (const name of names) {
      const pid = Number(name.slice(0, name.indexOf('-')));
      if (pid === process.pid || isAlive(pid)) continue;
      const path = join(this.dir, this.nextName());
      try { renameSync(join(this.dir, name), path); } catch { continue; /* taken by another listener */ }
      this.sealed.push({ path, bytes: 0, packets: -1, failed: { packets: 0 }, done: Promise.resolve() });
      adopted++;
    }
    return adopted;
  }

  private nextName(): string {
    return `${process.pid}-${String(this.seq++).padStart(6, '0')}.pcap`;
  }

  /** True while anything is spooled: new packets then go to the spool too, to keep their order. */
  get active(): boolean {
    return this.backlog > 0 || this.sealed.length > 0 || this.replay !== undefined || this.loading;
  }

  /** Appends a packet; false (and counted as lost) when the spool is full or the disk too slow. */
  add(p: ReceivedPacket): boolean {
    const size = spoolRecordSize(p);
    if (size === undefined) { this.lost(1, 'too large for the spool'); return false; }
    if (this.bytes + size > this.opts.maxBytes) { this.lost(1, 'spool full'); return false; }
    if (this.unwritten > this.maxUnwritten) { this.lost(1, 'spool disk too slow'); return false; }
    if (!this.writer) {
      this.writer = new SegmentWriter(join(this.dir, this.nextName()), this);
      this.bytes += SPOOL_FILE_HEADER.length;
    }
    this.writer.append(p, size);
    this.backlog++;
    this.bytes += size;
    if (this.writer.bytes >= this.segmentBytes) this.seal();
    return true;
  }

  private seal(): void {
    if (!this.writer || this.writer.packets === 0) return;
    this.sealed.push(this.writer.seal());
    this.writer = undefined;
    this.lastSeal = Date.now();
  }

  /**
   * Up to `max` of the oldest spooled packets; fewer or none while the next segment is being
   * read (call again later). A partly filled segment is closed for reading when nothing older is left.
   */
  take(max: number): ReceivedPacket[] {
    const r = this.replay;
    if (r) {
      const out = r.packets.slice(r.pos, r.pos + max);
      r.pos += out.length;
      this.backlog -= out.length;
      if (r.pos >= r.packets.length) {
        this.replay = undefined;
        this.bytes -= r.segment.bytes;
        void fsp.unlink(r.segment.path).catch(() => { /* already gone: nothing to replay twice */ });
      }
      return out;
    }
    if (this.loading) return [];
    if (this.sealed.length === 0 && this.writer && Date.now() - this.lastSeal >= SEAL_INTERVAL_MS) this.seal();
    const next = this.sealed.shift();
    if (next) this.load(next);
    return [];
  }

  /** Closes a partly filled segment now, whatever the interval (at stop). */
  flushForStop(): void {
    if (this.sealed.length === 0 && !this.replay && !this.loading) this.seal();
  }

  private load(segment: Segment): void {
    this.loading = true;
    void segment.done
      .then(() => fsp.readFile(segment.path))
      .then((file) => {
        const d = decodeSpool(file);
        if ('error' in d) {
          // Not ours to delete: a foreign file in .spool is left where it is.
          const unaccounted = segment.packets - segment.failed.packets;
          if (unaccounted > 0) this.lost(unaccounted, `spool unreadable: ${d.error}`);
          this.settle(segment);
          return;
        }
        if (d.tornBytes > 0 || d.badRecords > 0) this.lost(d.badRecords + (d.tornBytes > 0 ? 1 : 0), 'spool record damaged');
        if (segment.packets < 0) {
          // A taken-over segment: its packets join the backlog now that they are known.
          segment.bytes = file.length;
          this.bytes += file.length;
          this.backlog += d.packets.length;
        } else if (d.packets.length < segment.packets) {
          // Records whose write failed were counted lost already; a record lost otherwise was
          // counted as damaged above.
          this.backlog -= segment.packets - d.packets.length;
        }
        this.replay = { packets: d.packets, pos: 0, segment };
        if (d.packets.length === 0) this.take(0);
      })
      .catch((e: NodeJS.ErrnoException) => {
        // Packets whose write failed were counted then (the file may not even exist).
        const unaccounted = segment.packets - segment.failed.packets;
        if (unaccounted > 0) this.lost(unaccounted, `spool read failed: ${e.code ?? e.message}`);
        this.settle(segment);
      })
      .finally(() => { this.loading = false; });
  }

  /** A segment given up on: its packets leave the backlog (counted lost by the caller). */
  private settle(segment: Segment): void {
    if (segment.packets > 0) this.backlog -= segment.packets;
    if (segment.packets >= 0) this.bytes -= segment.bytes;
  }

  /** Waits for the writes in flight (at stop, once everything was taken). */
  async close(): Promise<void> {
    this.seal();
    await Promise.all(this.sealed.map((s) => s.done));
  }
}

function byPidSeq(a: string, b: string): number {
  const [pa, sa] = a.replace('.pcap', '').split('-').map(Number) as [number, number];
  const [pb, sb] = b.replace('.pcap', '').split('-').map(Number) as [number, number];
  return pa - pb || sa - sb;
}
