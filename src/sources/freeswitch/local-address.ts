// The trace names only the peer; FreeSWITCH's own address is --node-address (Kazoo's
// start_freeswitch_parser LOGFILE IP PORT). Without it, the message itself often says where
// FreeSWITCH was (FORMATS.md §8.1): the Request-URI of a request it received, its own top Via
// on a request it sent or a response it received, the Contact of a response it sent (not for
// REGISTER, whose Contacts are the user's bindings). Only IP literals count.
import { isIP } from 'node:net';
import { canonicalHost, type Endpoint } from '../../model/address.js';
import { ownText } from '../../model/text.js';
import { firstHeaderValue, headerValue, parseCSeq, type SipMessage } from '../../sip/message.js';
import type { StampDirection } from './stamp.js';

function defaultPort(proto: string, secure: boolean): number {
  return secure || proto === 'tls' || proto === 'wss' ? 5061 : 5060;
}

// The same few addresses recur on every message: each text is parsed once (two regexes, node's
// IP check, IPv6 canonical form), up to a bound. Callers only read the endpoints they get.
const HOST_PORT_CACHE_MAX = 4096;
const hostPortCache = new Map<string, Endpoint | undefined>();

/** host[:port] or [v6]:port → an IP endpoint, or undefined for names and junk. */
export function hostPort(text: string, proto: string, secure = false): Endpoint | undefined {
  const key = (secure || proto === 'tls' || proto === 'wss' ? 's ' : '  ') + text;
  const cached = hostPortCache.get(key);
  if (cached !== undefined || hostPortCache.has(key)) return cached;
  // Parsed from a copy: the key, and the host in the endpoint, would otherwise be cuts that keep
  // the whole message alive in the cache.
  const e = parseHostPort(ownText(text), proto, secure);
  if (hostPortCache.size >= HOST_PORT_CACHE_MAX) hostPortCache.clear();
  hostPortCache.set(ownText(key), e);
  return e;
}

function parseHostPort(text: string, proto: string, secure: boolean): Endpoint | undefined {
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

/** The pattern of parseVia (sip/message.ts): m[2] is its sentBy. */
const VIA_SENT_BY = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9-]+)\s+([^;\s]+)/i;

export function inferLocalAddress(msg: SipMessage, dir: StampDirection, proto: string): Endpoint | undefined {
  const topVia = firstHeaderValue(msg, 'via');
  // parseVia's sent-by, without the parameters it also parses.
  const sentBy = topVia ? VIA_SENT_BY.exec(topVia)?.[2] : undefined;
  const viaEndpoint = sentBy !== undefined ? hostPort(sentBy, proto) : undefined;
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
