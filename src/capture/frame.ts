// What the file-format layer (pcap.ts, pcapng.ts) hands to the link layer: one captured frame.
import type { Instant } from '../model/time.js';

export interface Frame {
  /** Capture time (exact: BigInt nanoseconds, FORMATS.md §3.1). */
  time: Instant;
  /** LINKTYPE_* value of the interface (low 28 bits of the pcap header field). */
  linkType: number;
  /** The captured bytes. A view into the reader's window: copy what you keep beyond this frame. */
  data: Buffer;
  /** 1-based number of the packet record in the file (as tshark numbers frames). */
  frame: number;
  capturedLength: number;
  originalLength: number;
  /** Interface id within its pcapng section (0 for pcap). */
  interface: number;
  /** File offset of the record's first byte. */
  offset: number;
  /** File offset just past the record. */
  end: number;
  /** The record carries no time of its own (pcapng SPB): `time` is the previous packet's. */
  noTimestamp?: boolean;
}

/** A push decoder of a capture file format: feed pieces, pull frames, ask at the end what was left over. */
export interface FrameDecoder {
  push(piece: Buffer): void;
  /** The next complete frame, or undefined when more bytes are needed (or decoding stopped). */
  next(): Frame | undefined;
  /** Call at the end of input: a skip reason when bytes of an incomplete record remain. */
  finish(): string | undefined;
  /** File offset just past the last record fully consumed (a safe resume point). */
  readonly consumed: number;
}
