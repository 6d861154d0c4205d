// A run of annotation lines (log_prefix, bracket, core, JSON styles) of one Call-ID and one
// process within one second → one log chunk flagged 'annotation': an event on the call's
// timeline, not a SIP hop (no dst; src only when a line states it).
import { formatEndpoint } from '../../model/address.js';
import { chunkId, md5hex, timeFields, type Chunk } from '../../model/chunk.js';
import type { Instant } from '../../model/time.js';
import type { Annotation } from './log-prefix.js';

export interface AnnotationLine {
  annotation: Annotation;
  /** The line after its syslog time/host/tag prefix, as written. */
  text: string;
  time: Instant;
  timeKnown: boolean;
  offset: number;
  lineNo: number;
  terminated: boolean;
}

export interface AnnotationGroup {
  callId: string;
  pid?: number;
  /** Whole second (ns / 1e9) of the group's first line: the grouping window. */
  second: bigint;
  lines: AnnotationLine[];
}

const MAX_LABEL = 120;

export function chunkFromAnnotations(g: AnnotationGroup, parser: string): Chunk {
  const first = g.lines[0]!;
  const a = g.lines.find((l) => l.annotation.method !== undefined)?.annotation ?? first.annotation;
  const flags = ['annotation'];
  if (g.lines.some((l) => !l.timeKnown)) flags.push('no-time');
  if (g.lines.some((l) => !l.terminated)) flags.push('truncated');
  let time = first.time;
  for (const l of g.lines) if (l.time < time) time = l.time;
  const raw = g.lines.map((l) => l.text);
  const hash = md5hex(`${g.callId}\n${raw.join('\n')}`).slice(0, 16);
  const event = first.annotation.event || raw[0]!;
  const label = event.length > MAX_LABEL ? event.slice(0, MAX_LABEL - 1) + '…' : event;
  const src = g.lines.find((l) => l.annotation.src)?.annotation.src;
  const transport = g.lines.find((l) => l.annotation.transport)?.annotation.transport;
  const cSeq = a.cseqNum !== undefined ? (a.method ? `${a.cseqNum} ${a.method}` : String(a.cseqNum)) : undefined;
  // A log has one clock, the node's: the collector time is the same instant (issue 2).
  return {
    'call-id': g.callId,
    ...timeFields(time, time),
    label,
    raw,
    src: src ? formatEndpoint(src) : undefined,
    parser,
    c_seq: cSeq,
    id: chunkId(parser, time, hash),
    kind: 'log',
    transport,
    method: a.method,
    cseq_num: a.cseqNum,
    cseq_method: a.method,
    hash,
    source: { offset: first.offset, line: first.lineNo > 0 ? first.lineNo : undefined },
    flags,
  };
}
