// The trace names only the peer; FreeSWITCH's own address is --node-address (Kazoo's
// start_freeswitch_parser LOGFILE IP PORT). Without it, the message itself often says where
// FreeSWITCH was (FORMATS.md §8.1): the Request-URI of a request it received, its own top Via
// on a request it sent or a response it received, the Contact of a response it sent (not for
// REGISTER, whose Contacts are the user's bindings). Only IP literals count.
import { isIP } from 'node:net';
import { canonicalHost, type Endpoint } from '../../model/address.js';
import { headerValue, headerValues, parseCSeq, parseVia, type SipMessage } from '../../sip/message.js';
import type { StampDirection } from './stamp.js';

function defaultPort(proto: string, secure: boolean): number {
  return secure || proto === 'tls' || proto === 'wss' ? 5061 : 5060;
}

/** host[:port] or [v6]:port → an IP endpoint, or undefined for names and junk. */
export function hostPort(text: string, proto: string, secure = false): Endpoint | undefined {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([^:\s]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m || isIP(m[1]!) === 0) return undefined;
  const port = m[2] !== undefined ? Number(m[2]) : defaultPort(proto, secure);
  return port <= 65535 ? { host: canonicalHost(m[1]!), port } : undefined;
}

export function uriHostPort(uri: string, proto: string): Endpoint | undefined {
  const m = /(sips?):(?:[^@;>\s]*@)?(\[[^\]]+\]|[^:;>?\s]+)(?::(\d{1,5}))?/i.exec(uri);
  if (!m) return undefined;
  return hostPort(m[3] !== undefined ? `${m[2]}:${m[3]}` : m[2]!, proto, m[1]!.toLowerCase() === 'sips');
}

export function inferLocalAddress(msg: SipMessage, dir: StampDirection, proto: string): Endpoint | undefined {
  const topVia = headerValues(msg, 'via')[0];
  const via = topVia ? parseVia(topVia) : undefined;
  const viaEndpoint = via ? hostPort(via.sentBy, proto) : undefined;
  if (msg.kind === 'request') {
    if (dir === 'recv') return msg.requestUri ? uriHostPort(msg.requestUri, proto) : undefined;
    return viaEndpoint;
  }
  if (msg.kind === 'response') {
    if (dir === 'recv') return viaEndpoint;
    if (parseCSeq(headerValue(msg, 'cseq'))?.method === 'REGISTER') return undefined;
    const contact = headerValue(msg, 'contact');
    return contact ? uriHostPort(contact, proto) : undefined;
  }
  return undefined;
}
