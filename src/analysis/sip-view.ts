// The SIP facts the rules look at, read once per dialogue message from its raw lines: Via stack,
// Contact, Request-URI, routes, Max-Forwards, and the SDP body (RFC 4566) when there is one.
import type { Dialogue, DialogueMessage } from '../dialogue/types.js';
import { headerParam, headerValue, headerValues, parseCSeq, parseSipMessage, parseVia, type SipMessage, type Via } from '../sip/message.js';
import { parseSdp, type Sdp } from './sdp.js';

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

export function viewMessage(m: DialogueMessage): SipView {
  const c = m.chunk;
  const sep = c.raw.indexOf('');
  const head = sep >= 0 ? c.raw.slice(0, sep) : c.raw;
  const body = sep >= 0 ? c.raw.slice(sep + 1) : [];
  const msg = parseSipMessage(Buffer.from(head.join('\r\n') + '\r\n\r\n' + body.join('\r\n'), 'utf8'));
  const cseq = parseCSeq(headerValue(msg, 'cseq'));
  const vias = headerValues(msg, 'via').map(parseVia).filter((v): v is Via => v !== undefined);
  const mf = headerValue(msg, 'max-forwards');
  const ctype = headerValue(msg, 'content-type') ?? '';
  const isSdp = msg.body.length > 0 && (/application\/sdp/i.test(ctype) || (ctype === '' && /^v=0/m.test(msg.body.toString('latin1'))));
  return {
    index: m.index,
    m,
    msg,
    isRequest: msg.kind === 'request',
    method: msg.method ?? c.method,
    status: msg.status ?? c.status,
    reason: msg.reason ?? c.reason,
    callId: headerValue(msg, 'call-id') ?? c['call-id'],
    cseqNum: cseq?.num ?? c.cseq_num,
    cseqMethod: cseq?.method || c.cseq_method,
    fromTag: headerParam(headerValue(msg, 'from'), 'tag') ?? c.from_tag,
    toTag: headerParam(headerValue(msg, 'to'), 'tag') ?? c.to_tag,
    vias,
    topVia: vias[0]?.sentBy.toLowerCase(),
    branch: vias[0]?.branch ?? c.branch,
    requestUri: msg.requestUri,
    contact: headerValues(msg, 'contact')[0],
    maxForwards: mf !== undefined && /^\d+$/.test(mf.trim()) ? Number(mf.trim()) : undefined,
    recordRoute: headerValues(msg, 'record-route'),
    route: headerValues(msg, 'route'),
    sdp: isSdp ? parseSdp(msg.body.toString('utf8')) : undefined,
    time: m.time,
    src: m.src,
    dst: m.dst,
  };
}

export function viewDialogue(d: Dialogue): SipView[] {
  return d.messages.filter((m) => m.chunk.kind === 'sip').map(viewMessage);
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
