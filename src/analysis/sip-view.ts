// The SIP facts the rules look at, read once per dialogue message from its raw lines: Via stack,
// Contact, Request-URI, routes, Max-Forwards, and the SDP body (RFC 4566) when there is one.
import type { Dialogue, DialogueMessage } from '../dialogue/types.js';
import { parseCSeq, parseSipMessage, splitHeaderList, type SipMessage, type Via } from '../sip/message.js';
import { chunkHead } from '../dialogue/head.js';
import { parseSdp, type Sdp } from './sdp.js';
import { splitLines, trimLineEnds } from './lines.js';

export interface SipView {
  index: number;
  m: DialogueMessage;
  msg: SipMessage;
  isRequest: boolean;
  method?: string;
  status?: number;
  reason?: string;
  callId?: string;
  cseqNum?: number;
  cseqMethod?: string;
  fromTag?: string;
  toTag?: string;
  vias: Via[];
  /** Host:port (or host) of the top Via sent-by, lowercased. */
  topVia?: string;
  branch?: string;
  requestUri?: string;
  contact?: string;
  maxForwards?: number;
  recordRoute: string[];
  route: string[];
  sdp?: Sdp;
  time: bigint;
  src?: string;
  dst?: string;
}

// As sip/message.ts reads a start line.
const REQUEST_LINE = /^([A-Za-z][A-Za-z0-9.!%*_+`'~-]*) (\S+) SIP\/2\.0\s*$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3})(?: (.*))?$/;

/**
 * What parseSipMessage gives for the chunk's lines joined with CRLF, built from the header scan
 * the dialogue already made (dialogue/head.ts) when the lines are plain; other text (CR or LF
 * inside a line, a blank first line, lone surrogates) takes the byte round trip as before.
 */
function messageOf(c: DialogueMessage['chunk'], heads: Dialogue['heads']): SipMessage {
  const raw = c.raw;
  const h = chunkHead(c, heads);
  if (!h.plain) {
    const sep = raw.indexOf('');
    const head = sep >= 0 ? raw.slice(0, sep) : raw;
    const body = sep >= 0 ? raw.slice(sep + 1) : [];
    return parseSipMessage(Buffer.from(head.join('\r\n') + '\r\n\r\n' + body.join('\r\n'), 'utf8'));
  }
  const flags: string[] = [];
  const startLine = raw[0]!.trimEnd();
  const msg: SipMessage = { kind: 'unknown', startLine, headers: [], body: EMPTY, lines: raw.slice(0, h.sep), flags };
  let m = STATUS_LINE.exec(startLine);
  if (m) {
    msg.kind = 'response';
    msg.status = Number(m[1]);
    msg.reason = (m[2] ?? '').trim();
  } else if ((m = REQUEST_LINE.exec(startLine)) && /^[A-Z]/.test(startLine)) {
    msg.kind = 'request';
    msg.method = m[1]!.toUpperCase();
    msg.requestUri = m[2];
  } else {
    flags.push('no-start-line');
  }
  if (h.badLine) flags.push('bad-header-line');
  for (const x of h.headers) msg.headers.push({ name: x.name, key: x.key, value: x.value });
  let body = h.sep < raw.length - 1 ? Buffer.from(raw.slice(h.sep + 1).join('\r\n'), 'utf8') : EMPTY;
  const clText = firstValue(msg, 'content-length');
  if (clText !== undefined) {
    if (/^\d+$/.test(clText)) {
      const cl = Number(clText);
      if (cl < body.length) {
        if (body.subarray(cl).toString('latin1').trim() !== '') flags.push('extra-bytes');
        body = body.subarray(0, cl);
      } else if (cl > body.length) {
        flags.push('truncated-body');
      }
    } else {
      flags.push('bad-content-length');
    }
  }
  msg.body = body;
  if (body.length > 0) msg.lines.push('', ...splitLines(trimLineEnds(body.toString('utf8'))));
  return msg;
}

const EMPTY = Buffer.alloc(0);

function firstValue(msg: SipMessage, key: string): string | undefined {
  for (const h of msg.headers) if (h.key === key) return h.value;
  return undefined;
}

/** headerValues of sip/message.ts: a value without a comma is one item. */
function allValues(msg: SipMessage, key: string): string[] {
  const out: string[] = [];
  for (const h of msg.headers) {
    if (h.key !== key) continue;
    if (!h.value.includes(',')) { if (h.value.trim()) out.push(h.value.trim()); } else out.push(...splitHeaderList(h.value));
  }
  return out;
}

const PARAMS = new Map<string, RegExp>();

/** headerParam of sip/message.ts, its expression built once per parameter name. */
function param(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const afterAddr = value.includes('>') ? value.slice(value.lastIndexOf('>') + 1) : value;
  if (!afterAddr.includes(';')) return undefined;
  let re = PARAMS.get(name);
  if (!re) PARAMS.set(name, re = new RegExp(`;\\s*${name}\\s*=\\s*("[^"]*"|[^;,\\s]+)`, 'i'));
  const m = re.exec(afterAddr);
  return m ? m[1]!.replace(/^"|"$/g, '') : undefined;
}

const VIA = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9-]+)\s+([^;\s]+)/i;

function via(value: string): Via | undefined {
  const m = VIA.exec(value);
  if (!m) return undefined;
  return { transport: m[1]!.toUpperCase(), sentBy: m[2]!, branch: param(value, 'branch'), received: param(value, 'received'), rport: param(value, 'rport') };
}

const SDP_TYPE = /application\/sdp/i;
const SDP_START = /^v=0/m;

/** `heads`: the dialogue's header scans (Dialogue.heads), else the chunk is read here. */
export function viewMessage(m: DialogueMessage, heads?: Dialogue['heads']): SipView {
  const c = m.chunk;
  const msg = messageOf(c, heads);
  const cseq = parseCSeq(firstValue(msg, 'cseq'));
  const vias: Via[] = [];
  for (const v of allValues(msg, 'via')) { const x = via(v); if (x !== undefined) vias.push(x); }
  const mf = firstValue(msg, 'max-forwards');
  const ctype = firstValue(msg, 'content-type') ?? '';
  const isSdp = msg.body.length > 0 && (SDP_TYPE.test(ctype) || (ctype === '' && SDP_START.test(msg.body.toString('latin1'))));
  return {
    index: m.index,
    m,
    msg,
    isRequest: msg.kind === 'request',
    method: msg.method ?? c.method,
    status: msg.status ?? c.status,
    reason: msg.reason ?? c.reason,
    callId: firstValue(msg, 'call-id') ?? c['call-id'],
    cseqNum: cseq?.num ?? c.cseq_num,
    cseqMethod: cseq?.method || c.cseq_method,
    fromTag: param(firstValue(msg, 'from'), 'tag') ?? c.from_tag,
    toTag: param(firstValue(msg, 'to'), 'tag') ?? c.to_tag,
    vias,
    topVia: vias[0]?.sentBy.toLowerCase(),
    branch: vias[0]?.branch ?? c.branch,
    requestUri: msg.requestUri,
    contact: allValues(msg, 'contact')[0],
    maxForwards: mf !== undefined && /^\d+$/.test(mf.trim()) ? Number(mf.trim()) : undefined,
    recordRoute: allValues(msg, 'record-route'),
    route: allValues(msg, 'route'),
    sdp: isSdp ? parseSdp(msg.body.toString('utf8')) : undefined,
    time: m.time,
    src: m.src,
    dst: m.dst,
  };
}

export function viewDialogue(d: Dialogue): SipView[] {
  return d.messages.filter((m) => m.chunk.kind === 'sip').map((m) => viewMessage(m, d.heads));
}

/** The host part of "ip:port" / "[v6]:port" / "host". */
export function hostOf(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  const m = /^\[([^\]]+)\]/.exec(endpoint);
  if (m) return m[1]!.toLowerCase();
  const colon = endpoint.lastIndexOf(':');
  return (colon > 0 && endpoint.indexOf(':') === colon ? endpoint.slice(0, colon) : endpoint).toLowerCase();
}

/** host[:port] of a SIP URI in a header value such as Contact or Record-Route. */
export function uriHostPort(value: string | undefined): { host: string; port?: number } | undefined {
  if (!value) return undefined;
  const angle = /<([^>]*)>/.exec(value);
  const uri = (angle ? angle[1]! : value).trim();
  const m = /^sips?:(?:[^@;>]*@)?(\[[^\]]+\]|[^:;>?\s]+)(?::(\d+))?/i.exec(uri);
  if (!m) return undefined;
  const host = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  return { host, port: m[2] !== undefined ? Number(m[2]) : undefined };
}
