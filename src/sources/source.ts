// What every input reader (log files, capture files, chunk JSON) gets and gives. A reader is an
// async generator over the input's bytes: it yields chunks and reports skips and checkpoints
// through the context. Bad input is a counted skip with a reason, never an exception.
import type { Endpoint } from '../model/address.js';
import type { Chunk } from '../model/chunk.js';

export type InputFormat =
  | 'kamailio'          // Kamailio syslog / stderr logs (Kazoo scheme, log_prefix styles)
  | 'kamailio-sipdump'  // sipdump module .data files
  | 'freeswitch'        // sofia siptrace in console / freeswitch.log
  | 'pcap'              // classic libpcap (plain SIP or HEP inside)
  | 'pcapng'
  | 'hep'               // a raw stream of HEP3 packets
  | 'chunks';           // chunk JSON: the original's callid_details array, our json/ndjson

export interface SourceOptions {
  /** The capture point name given to every chunk (Chunk.parser). */
  parser: string;
  /** The address of the node that wrote a log, for the side of src/dst the log does not name. */
  nodeAddress?: Endpoint;
  /** A date (YYYY-MM-DD) for stamps that carry only a time of day. */
  date?: string;
  /** Year for BSD syslog stamps that carry none. */
  year?: number;
  /** Modification time of the input file (year/date inference). */
  fileMtime?: Date;
  /** Interpret zone-less local times in this offset from UTC, in minutes (default: the machine's zone). */
  utcOffsetMinutes?: number;
  /** Byte offset in the file the reader starts at (incremental ingest). */
  startOffset: number;
}

export interface SourceContext extends SourceOptions {
  /** Count a skipped unit (line, block, packet) with a short reason. */
  skip(reason: string, count?: number): void;
  /**
   * Declare that everything before `offset` has been fully turned into chunks: a later
   * incremental ingest may resume there.
   */
  checkpoint(offset: number, context?: unknown): void;
  /** The context given with the checkpoint this run resumes from (e.g. the last date seen). */
  resumeContext?: unknown;
  /** Report bytes consumed so far (progress). */
  progress(bytes: number): void;
  /** A diagnostic for the user (stderr), e.g. a detection note. */
  warn(message: string): void;
}

export type SourceReader = (input: AsyncIterable<Buffer>, ctx: SourceContext) => AsyncGenerator<Chunk, void, undefined>;
