// Running the FreeSWITCH reader on bytes in memory, collecting chunks, skips and checkpoints.
import type { Endpoint } from '../src/model/address.js';
import type { Chunk } from '../src/model/chunk.js';
import { readFreeswitchLog } from '../src/sources/freeswitch/reader.js';
import type { SourceContext } from '../src/sources/source.js';

export interface RunResult {
  chunks: Chunk[];
  skips: Record<string, number>;
  checkpoint?: { offset: number; context: unknown };
}

export interface RunOptions {
  nodeAddress?: Endpoint;
  date?: string;
  year?: number;
  utcOffsetMinutes?: number;
  fileMtime?: Date;
  startOffset?: number;
  resumeContext?: unknown;
  /** Split the input into pieces of this many bytes (stream boundaries). */
  pieceSize?: number;
}

export async function runFs(input: string | Buffer, opts: RunOptions = {}): Promise<RunResult> {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const skips: Record<string, number> = {};
  let checkpoint: RunResult['checkpoint'];
  const ctx: SourceContext = {
    parser: '/var/log/freeswitch/freeswitch.log',
    nodeAddress: opts.nodeAddress,
    date: opts.date,
    year: opts.year,
    fileMtime: opts.fileMtime ?? new Date('2021-04-02T12:00:00Z'),
    utcOffsetMinutes: 'utcOffsetMinutes' in opts ? opts.utcOffsetMinutes : 0,
    startOffset: opts.startOffset ?? 0,
    resumeContext: opts.resumeContext,
    skip(reason, n = 1) { skips[reason] = (skips[reason] ?? 0) + n; },
    checkpoint(offset, context) { checkpoint = { offset, context }; },
    progress() {},
    warn() {},
  };
  const size = opts.pieceSize ?? 65536;
  const pieces = async function* () {
    for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
  };
  const chunks: Chunk[] = [];
  for await (const c of readFreeswitchLog(pieces(), ctx)) chunks.push(c);
  return { chunks, skips, checkpoint };
}

export const NODE: Endpoint = { host: '10.0.0.2', port: 5060 };
export const DASHES = '-'.repeat(72);

/** A CRLF SIP message with a correct Content-Length, and its byte size. */
export function sipMessage(start: string, headers: string[], body = ''): string {
  return [start, ...headers, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', ''].join('\r\n') + body;
}

/** The trace text of a message in the current layout (A): stamp, one dash line, LF lines. */
export function currentBlock(dir: 'recv' | 'send', msg: string, peer: string, tod: string, proto = 'udp'): string {
  const n = Buffer.byteLength(msg, 'latin1');
  const lines = msg.split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return `${dir} ${n} bytes ${dir === 'recv' ? 'from' : 'to'} ${proto}/[${peer.replace(/:(\d+)$/, ']:$1')} at ${tod}:\n${DASHES}\n${lines.join('\n')}\n`;
}

/** The old indented layout (B): every line indented 3 spaces, blank lines bare, closing dashes. */
export function indentedBlock(dir: 'recv' | 'send', msg: string, peer: string, tod: string, proto = 'udp'): string {
  const n = Buffer.byteLength(msg, 'latin1');
  const lines = msg.split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const body = lines.map((l) => (l === '' ? '' : `   ${l}`)).join('\n');
  return `${dir} ${n} bytes ${dir === 'recv' ? 'from' : 'to'} ${proto}/[${peer.replace(/:(\d+)$/, ']:$1')} at ${tod}:\n   ${DASHES}\n${body}\n   ${DASHES}\n`;
}

export const INVITE = sipMessage('INVITE sip:2000@10.0.0.2 SIP/2.0', [
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1', 'From: <sip:1000@10.0.0.1>;tag=a', 'To: <sip:2000@10.0.0.2>',
  'Call-ID: unit-1@10.0.0.1', 'CSeq: 1 INVITE', 'Content-Type: application/sdp',
], 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n');
export const TRYING = sipMessage('SIP/2.0 100 Trying', [
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1', 'From: <sip:1000@10.0.0.1>;tag=a', 'To: <sip:2000@10.0.0.2>',
  'Call-ID: unit-1@10.0.0.1', 'CSeq: 1 INVITE',
]);
