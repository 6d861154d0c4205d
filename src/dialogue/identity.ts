// The SIP identity of one observation: what tells two observations apart or makes them the same
// message (KAZOO.md §9.3). Pure, from the chunk's fields and raw lines; works for the original's
// nine-key chunks (re-derived from raw), our own chunks, and Kamailio log chunks (no raw SIP).
import type { Chunk } from '../model/chunk.js';
import { readHead, type ChunkHead } from './head.js';

export interface SipIdentity {
  callId?: string;
  cseqNum?: number;
  cseqMethod?: string;
  /** Request method, for requests. */
  method?: string;
  /** Status code, for responses. */
  status?: number;
  isRequest?: boolean;
  /** Via branches, top first (RFC 3261 §8.1.1.7): the top one names the hop's transaction. */
  vias: string[];
  src?: string;
  dst?: string;
  /** Content hash (the same whichever capture point saw the same bytes); undefined for log chunks. */
  hash?: string;
  kind: 'sip' | 'log';
  /** A log chunk without addresses: a remark about the call, not a message on a hop. */
  annotation: boolean;
  /** RSeq of a reliable provisional response, RAck of a PRACK (RFC 3262). */
  rseq?: number;
  rack?: { rseq: number; cseq: number; method: string };
}

const SIP_METHOD = /\b(INVITE|ACK|BYE|CANCEL|OPTIONS|REGISTER|PRACK|UPDATE|INFO|SUBSCRIBE|NOTIFY|REFER|MESSAGE|PUBLISH)\b/;
const STATUS_IN_LABEL = /(?:^|\bSIP\/2\.0 |\breply |\bresponse |\bsent |\breceived )(\d{3})\b/i;

/** Raw header values of a SIP chunk by lowercase names (long and compact forms). */
export function rawHeaderValues(c: Chunk, names: string[]): string[] {
  if (c.kind !== 'sip') return [];
  const out: string[] = [];
  for (const h of readHead(c.raw).headers) if (names.includes(h.lower)) out.push(h.rawValue);
  return out;
}

const BRANCH = /;\s*branch\s*=\s*([^;,\s]+)/i;

function branchesOf(value: string, out: string[]): void {
  for (const part of value.split(',')) {
    const m = BRANCH.exec(part);
    out.push(m ? m[1]! : `?${part.trim()}`);
  }
}

/** Every Via branch of a SIP chunk, top first; comma-separated Via values are split. */
export function viaBranches(c: Chunk): string[] {
  const out: string[] = [];
  for (const v of rawHeaderValues(c, ['via', 'v'])) branchesOf(v, out);
  return out;
}

/** Via branches, RSeq and RAck in one pass over the headers. */
function sipHeaderFields(head: ChunkHead): { vias: string[]; rseq?: string; rack?: string } {
  const vias: string[] = [];
  let rseq: string | undefined, rack: string | undefined;
  for (const h of head.headers) {
    const n = h.lower;
    if (n === 'via' || n === 'v') branchesOf(h.rawValue, vias);
    else if (n === 'rseq') rseq ??= h.rawValue;
    else if (n === 'rack') rack ??= h.rawValue;
  }
  return { vias, rseq, rack };
}

function cseqNumber(c: Chunk): number | undefined {
  if (c.cseq_num !== undefined) return c.cseq_num;
  const m = c.c_seq !== undefined ? /^\s*(\d+)/.exec(c.c_seq) : null;
  return m ? Number(m[1]) : undefined;
}

/** `head`: the chunk's head when already read (dialogue/head.ts). */
export function identityOf(c: Chunk, head?: ChunkHead): SipIdentity {
  const kind = c.kind;
  const cseqNum = cseqNumber(c);
  let cseqMethod = c.cseq_method ?? (c.c_seq ? /^\s*\d+\s+([A-Za-z]+)/.exec(c.c_seq)?.[1]?.toUpperCase() : undefined);
  let method: string | undefined, status: number | undefined;
  if (kind === 'sip') {
    status = c.status;
    method = status === undefined ? c.method : undefined;
  } else {
    // Kamailio log chunks carry a label such as "received ws request REGISTER …" or "sent reply 200 OK".
    status = c.status;
    if (status === undefined && c.label) {
      const s = STATUS_IN_LABEL.exec(c.label);
      if (s && !/request/i.test(c.label)) status = Number(s[1]);
    }
    method = status === undefined ? (c.method ?? (c.label ? SIP_METHOD.exec(c.label)?.[1] : undefined)) : undefined;
  }
  if (cseqMethod === undefined && method !== undefined) cseqMethod = method;
  const isRequest = status !== undefined ? false : method !== undefined ? true : undefined;
  let rseq: number | undefined, rack: SipIdentity['rack'];
  const fields = kind === 'sip' ? sipHeaderFields(head ?? readHead(c.raw)) : undefined;
  if (fields) {
    const r = fields.rseq;
    if (r !== undefined && /^\d+$/.test(r)) rseq = Number(r);
    const a = /^(\d+)\s+(\d+)\s+([A-Za-z]+)/.exec(fields.rack ?? '');
    if (a) rack = { rseq: Number(a[1]), cseq: Number(a[2]), method: a[3]!.toUpperCase() };
  }
  return {
    callId: c['call-id'],
    cseqNum,
    cseqMethod,
    method,
    status,
    isRequest,
    vias: fields ? fields.vias : [],
    src: c.src,
    dst: c.dst,
    hash: kind === 'sip' ? c.hash : undefined,
    kind,
    annotation: kind === 'log' && c.src === undefined && c.dst === undefined,
    rseq,
    rack,
  };
}

/**
 * Key of the same bytes on the same hop, wherever captured. The addresses are part of it: a
 * relay that rewrites only the IP layer forwards byte-identical SIP on its next hop
 * (heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap), and that copy is the next hop, not the same
 * message. (Hence a NAT between two capture points keeps their copies apart.)
 */
export function wireKey(id: SipIdentity): string | undefined {
  if (id.kind !== 'sip' || id.hash === undefined) return undefined;
  return [id.callId ?? '', id.hash, id.src ?? '', id.dst ?? ''].join('\u0000');
}

/**
 * Key of a message on a hop without its bytes: Call-ID, CSeq number and method, request method or
 * status, direction. This is how a log line ("relayed 200 to …") meets the packet it describes.
 */
export function hopKey(id: SipIdentity): string | undefined {
  if (id.annotation || id.callId === undefined || id.cseqNum === undefined || id.src === undefined || id.dst === undefined) return undefined;
  const what = id.status !== undefined ? `s${id.status}` : id.method !== undefined ? `m${id.method}` : undefined;
  if (what === undefined) return undefined;
  return [id.callId, id.cseqNum, id.cseqMethod ?? '', what, id.src, id.dst].join('\u0000');
}

/** What is missing for the message to be placed by SIP semantics (shown as a note). */
export function missingParts(id: SipIdentity): string[] {
  const out: string[] = [];
  if (id.annotation) return out;
  if (id.callId === undefined) out.push('Call-ID');
  if (id.cseqNum === undefined) out.push('CSeq');
  if (id.src === undefined || id.dst === undefined) out.push('addresses');
  if (id.isRequest === undefined) out.push('start line');
  return out;
}
