// The dialogue: the distinct SIP messages of a call (or of related legs), each merged from every
// capture point that saw it, placed on one corrected timeline. Produced by dialogue/build.ts,
// consumed by analysis/ and render/.
import type { Chunk } from '../model/chunk.js';
import type { Instant } from '../model/time.js';
import type { ChunkHead } from './head.js';

export interface DialogueMessage {
  /** 0-based position in the dialogue. */
  index: number;
  /** The representative observation (the one whose raw text is shown). */
  chunk: Chunk;
  /** Every observation merged into this message, the representative included. */
  observations: Chunk[];
  /** Time on the dialogue's common timeline (reference clock), nanoseconds since the Unix epoch. */
  time: Instant;
  src?: string;
  dst?: string;
  /** A retransmission of an earlier message of this dialogue (same bytes, same hop, later). */
  retransmissionOf?: number;
  /** Why this message was placed where it is, when the data could not decide (stable fallback). */
  note?: string;
}

export interface CapturePointClock {
  /** Chunk.parser of the capture point. */
  parser: string;
  /**
   * Estimated offset to add to this capture point's times to get reference time (ns). The
   * capture point's timeline is the frame time of a capture file, the line time of a log, and
   * for HEP the node's own header time (the arrival time when that time is not trusted).
   */
  offset: bigint;
  /** How many shared observations or causal constraints supported the estimate. */
  support: number;
  /** 'reference' | 'shared' (from messages seen by both) | 'causal' (from ordering bounds only) | 'none' */
  method: 'reference' | 'shared' | 'causal' | 'none';
  /** Number of chunks from this capture point in the dialogue. */
  chunks: number;
}

export interface Dialogue {
  callIds: string[];
  messages: DialogueMessage[];
  clocks: CapturePointClock[];
  /** Columns of a ladder: src then dst of each message in order, first appearances (KAZOO.md §2.4). */
  entities: string[];
  /** Observations dropped as capture duplicates of another observation of the same capture point. */
  duplicatesDropped: number;
  notes: string[];
  /**
   * The header scan of each SIP chunk made while building (dialogue/head.ts), for the analysis
   * view to reuse. Not enumerable, so never part of comparisons or output; absent on copies.
   */
  readonly heads?: ReadonlyMap<Chunk, ChunkHead>;
}

export interface DialogueOptions {
  /** Kazoo-compatible ordering (the original's reorder_dialog) instead of clock-corrected ordering. */
  kazoo?: boolean;
  /** Name a reference capture point instead of choosing one. */
  refParser?: string;
}
