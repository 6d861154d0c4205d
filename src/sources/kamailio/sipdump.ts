// Kamailio sipdump module text files (format 'kamailio-sipdump', FORMATS.md §10.4): records of
//   ====================\n  key: value lines (tag, pid, process, time, date, proto, srcip, …)
//   ~~~~~~~~~~~~~~~~~~~~\n  <the SIP message, verbatim>||||||||||||||||||||\n
// Each record is one full SIP message with an epoch time and both addresses: a real capture
// point, turned into chunks by chunkFromSip. Streaming with a bounded buffer: a record that
// does not end within MAX_RECORD_BYTES is skipped and the reader resyncs on the next record.
import { parseEndpoint, type Endpoint } from '../../model/address.js';
import type { Chunk } from '../../model/chunk.js';
import { NS_PER_MS, NS_PER_S, type Instant } from '../../model/time.js';
import { chunkFromSip } from '../../sip/chunk-builder.js';
import { findHeaderEnd, headerValue, parseSipMessage } from '../../sip/message.js';
import type { SourceContext } from '../source.js';

export const MAX_RECORD_BYTES = 1024 * 1024;

const START = Buffer.from('====================\n');
const SEPARATOR = Buffer.from('~~~~~~~~~~~~~~~~~~~~\n');
const END = Buffer.from('||||||||||||||||||||\n');

export interface SipdumpHeader {
  tag?: string;
  pid?: number;
  process?: number;
  time?: Instant;
  transport?: string;
  family?: string;
  src?: Endpoint;
  dst?: Endpoint;
}

/** "1600000000.123456" → exact nanoseconds. */
export function parseEpoch(text: string): Instant | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  return BigInt(m[1]!) * NS_PER_S + BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
}

export function parseRecordHeader(text: string): SipdumpHeader {
  const f = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) f.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const num = (k: string) => (f.has(k) && /^\d+$/.test(f.get(k)!) ? Number(f.get(k)) : undefined);
  const ep = (ip: string, port: string): Endpoint | undefined => {
    const host = f.get(ip);
    if (!host) return undefined;
    const e = parseEndpoint(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
    if (!e) return undefined;
    const p = num(port);
    return p !== undefined ? { host: e.host, port: p } : e;
  };
  const [transport, family] = (f.get('proto') ?? '').split(/\s+/);
  return {
    tag: f.get('tag'), pid: num('pid'), process: num('process'),
    time: f.has('time') ? parseEpoch(f.get('time')!) : undefined,
    transport: transport ? transport.toLowerCase() : undefined, family,
    src: ep('srcip', 'srcport'), dst: ep('dstip', 'dstport'),
  };
}

/** The local side of a record whose bind address Kamailio did not know (0.0.0.0 or ::2, port 0). */
function isUnknownLocal(e: Endpoint | undefined): boolean {
  return e !== undefined && (e.host === '0.0.0.0' || e.host === '::2') && (e.port ?? 0) === 0;
}

interface Framed {
  /** Offset (in buf) just past the record. */
  next: number;
  header: string;
  message: Buffer;
  flags: string[];
}

/**
 * Frame the record at buf[0] (which starts with START). Undefined when more bytes are needed.
 * The message ends where Content-Length says, when the `|` run is there (a body may itself hold
 * `|` runs); else at the first `|` run followed by the next record or the end of the input.
 */
function frameRecord(buf: Buffer, eof: boolean): Framed | 'bad' | undefined {
  const sep = buf.indexOf(SEPARATOR, START.length);
  if (sep < 0) return eof || buf.length > MAX_RECORD_BYTES ? 'bad' : undefined;
  const header = buf.toString('utf8', START.length, sep).replace(/\r/g, '');
  if (header.includes('====================')) return 'bad';
  const bodyStart = sep + SEPARATOR.length;
  const headerEnd = findHeaderEnd(buf, bodyStart);
  if (headerEnd > 0) {
    const cl = /\r?\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(buf.toString('latin1', bodyStart, headerEnd));
    if (cl) {
      const at = headerEnd + Number(cl[1]);
      if (buf.length >= at + END.length && buf.subarray(at, at + END.length).equals(END)) {
        return { next: at + END.length, header, message: buf.subarray(bodyStart, at), flags: [] };
      }
    }
  }
  for (let at = buf.indexOf(END, bodyStart); at >= 0; at = buf.indexOf(END, at + 1)) {
    const next = at + END.length;
    const followed = buf.length >= next + START.length ? buf.subarray(next, next + START.length).equals(START) : undefined;
    if (followed === true || (followed === undefined && eof && (buf.length === next || START.subarray(0, buf.length - next).equals(buf.subarray(next))))) {
      return { next, header, message: buf.subarray(bodyStart, at), flags: [] };
    }
    if (followed === undefined && !eof) return undefined; // need the bytes after the run
  }
  if (buf.length > MAX_RECORD_BYTES) return 'bad';
  if (eof) return { next: buf.length, header, message: buf.subarray(bodyStart), flags: ['truncated'] };
  return undefined;
}

/** The input stream starts at ctx.startOffset, a record boundary (resume mode 'seek'). */
export async function* readSipdump(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  let buf = Buffer.alloc(0);
  let bufStart = ctx.startOffset; // file offset of buf[0]
  let records = 0;

  function* drain(eof: boolean): Generator<Chunk> {
    for (;;) {
      if (buf.length === 0) return;
      // Resync on a record start at the beginning of a line.
      let start = buf.indexOf(START);
      while (start > 0 && buf[start - 1] !== 0x0a) start = buf.indexOf(START, start + 1);
      if (start < 0) {
        if (!eof && buf.length < MAX_RECORD_BYTES) return;
        // Keep a tail that may be the beginning of a record start.
        const keep = eof ? 0 : START.length - 1;
        if (buf.subarray(0, buf.length - keep).toString('latin1').trim() !== '') ctx.skip('not a sipdump record');
        bufStart += buf.length - keep;
        buf = buf.subarray(buf.length - keep);
        return;
      }
      if (start > 0) {
        if (buf.subarray(0, start).toString('latin1').trim() !== '') ctx.skip('not a sipdump record');
        bufStart += start;
        buf = buf.subarray(start);
      }
      const framed = frameRecord(buf, eof);
      if (framed === undefined) return;
      if (framed === 'bad') {
        ctx.skip('bad sipdump record');
        // Drop this record start and resync on the next one.
        bufStart += START.length;
        buf = buf.subarray(START.length);
        continue;
      }
      const offset = bufStart;
      yield recordChunk(framed, offset, ctx);
      records++;
      bufStart += framed.next;
      buf = buf.subarray(framed.next);
      if (!framed.flags.includes('truncated')) ctx.checkpoint(bufStart);
    }
  }

  for await (const piece of input) {
    ctx.progress(piece.length);
    buf = buf.length ? Buffer.concat([buf, piece]) : Buffer.from(piece);
    yield* drain(false);
  }
  yield* drain(true);
  if (records === 0 && bufStart === ctx.startOffset) ctx.warn('no sipdump record found');
}

function recordChunk(r: Framed, offset: number, ctx: SourceContext): Chunk {
  const h = parseRecordHeader(r.header);
  const flags = [...r.flags];
  let time = h.time;
  if (time === undefined) {
    time = BigInt((ctx.fileMtime ?? new Date()).getTime()) * NS_PER_MS;
    flags.push('no-time');
  }
  if (h.tag && h.tag !== 'rcv' && h.tag !== 'snd') flags.push(`sipdump-tag:${h.tag}`);
  let src = h.src;
  let dst = h.dst;
  // The side Kamailio itself is on may be unknown: rcv → dst, snd → src.
  if (isUnknownLocal(src)) { src = ctx.nodeAddress; if (!src) flags.push('unknown-local-address'); }
  if (isUnknownLocal(dst)) { dst = ctx.nodeAddress; if (!dst) flags.push('unknown-local-address'); }
  const msg = parseSipMessage(Buffer.from(r.message));
  const declared = headerValue(msg, 'content-length');
  if (declared !== undefined && /^\d+$/.test(declared.trim()) && msg.body.length !== Number(declared.trim()) && !msg.flags.includes('truncated-body')) {
    flags.push('content-length-mismatch');
  }
  return chunkFromSip(msg, {
    parser: ctx.parser,
    nodeTime: time,
    src, dst,
    transport: h.transport,
    source: { offset },
    flags: flags.length ? [...new Set(flags)] : undefined,
  });
}
