// Offer/answer (RFC 3264, RFC 6337) and the addresses in it: an offer never answered, 488/606
// with what was offered, hold and resume, private (RFC 1918) addresses crossing to a public
// peer, and Contact/Via addresses that differ from where the packet came from (NAT).
import type { Finding } from './types.js';
import type { CallModel } from './outcome.js';
import { hostOf, uriHostPort, type SipView } from './sip-view.js';
import { sdpCodecs, sdpDirection, type Direction } from './sdp.js';
import { isIP } from 'node:net';
import { hopText, label } from './describe.js';

/**
 * node:net isIP without its IPv6 expression for text that cannot be IPv6: dotted quads are
 * read by hand (four decimal parts 0-255, no leading zeros: node's IPv4 grammar).
 */
function ipVersion(host: string): number {
  if (host.includes(':')) return isIP(host);
  let parts = 0, digits = 0, value = 0, lead = 0;
  for (let i = 0; i <= host.length; i++) {
    const ch = i < host.length ? host.charCodeAt(i) : 0x2e;
    if (ch === 0x2e) {
      if (digits === 0 || (digits > 1 && lead === 0x30) || value > 255 || ++parts > 4) return 0;
      digits = 0; value = 0;
      continue;
    }
    if (ch < 0x30 || ch > 0x39 || digits === 3) return 0;
    if (digits === 0) lead = ch;
    value = value * 10 + (ch - 0x30);
    digits++;
  }
  return parts === 4 ? 4 : 0;
}

/** The first two octets of a dotted quad. */
function octets(host: string): [number, number] {
  const d1 = host.indexOf('.');
  const d2 = host.indexOf('.', d1 + 1);
  return [Number(host.slice(0, d1)), Number(host.slice(d1 + 1, d2))];
}

function isPrivateV4([a, b]: [number, number]): boolean {
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

export function isPrivateAddress(host: string | undefined): boolean {
  if (!host || ipVersion(host) !== 4) return false;
  return isPrivateV4(octets(host));
}

export function isPublicAddress(host: string | undefined): boolean {
  if (!host) return false;
  const v = ipVersion(host);
  if (v === 4) {
    const ab = octets(host);
    const [a, b] = ab;
    return !isPrivateV4(ab) && a !== 127 && a !== 0 && !(a === 169 && b === 254) && a < 224;
  }
  if (v === 6) return /^[23]/.test(host); // global unicast 2000::/3
  return false;
}

export function offerAnswerRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    if (t.method !== 'INVITE' || t.requests.length === 0) continue;
    const ok = t.responses.find((r) => r.status! >= 200 && r.status! < 300);
    if (!ok) continue;
    const inv = t.requests[0]!;
    // The offer is in the INVITE, or (late offer) in the 2xx with the answer in the ACK.
    const reliable = t.responses.some((r) => r.status! > 100 && r.status! < 200 && r.sdp);
    if (inv.sdp && !ok.sdp && !reliable) {
      out.push({ rule: 'offer-no-answer', severity: 'error', message: `INVITE (CSeq ${t.cseqNum}) offered SDP on ${hopText(t.src, t.dst)} but the ${ok.status} carried no answer`, evidence: [inv.index, ok.index], details: { cseq: t.cseqNum, hop: t.hop } });
    } else if (!inv.sdp && ok.sdp) {
      const ack = cm.views.find((v) => v.isRequest && v.method === 'ACK' && v.callId === t.callId && v.cseqNum === t.cseqNum && v.time >= ok.time && hostOf(v.src) === hostOf(t.src));
      if (ack && !ack.sdp) out.push({ rule: 'offer-no-answer', severity: 'error', message: `late offer in the ${ok.status} on ${hopText(ok.src, ok.dst)} never answered: the ACK carried no SDP`, evidence: [inv.index, ok.index, ack.index], details: { cseq: t.cseqNum, hop: t.hop } });
    }
  }
  return out;
}

export function mediaRejectedRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    const f = t.final;
    if (!f || (f.status !== 488 && f.status !== 606) || t.requests.length === 0) continue;
    if (t.parent?.final?.status === f.status) continue; // reported once, on the most upstream hop
    const offer = t.requests[0]!.sdp;
    // What was agreed before (a re-INVITE's previous answer) or what the rejecting side proposed.
    const previous = [...cm.views].reverse().find((v) => v.callId === t.callId && v.time < t.requests[0]!.time && !v.isRequest && v.status! < 300 && v.status! >= 200 && v.sdp);
    const offered = offer ? sdpCodecs(offer) : [];
    const answered = f.sdp ? sdpCodecs(f.sdp) : previous?.sdp ? sdpCodecs(previous.sdp) : [];
    out.push({
      rule: 'media-rejected', severity: 'error',
      message: `${label(f)} to ${t.inDialog ? 're-INVITE' : 'INVITE'} (CSeq ${t.cseqNum}) from ${f.src ?? '?'}: offered ${offered.join(', ') || 'no SDP (late offer)'}`
        + (answered.length ? `; ${f.sdp ? 'it proposed' : 'previously agreed'} ${answered.join(', ')}` : ''),
      evidence: [t.requests[0]!.index, f.index, ...(previous && !f.sdp ? [previous.index] : [])].sort((a, b) => a - b),
      details: { cseq: t.cseqNum, status: f.status, offered, answered, hop: t.hop },
    });
  }
  return out;
}

export function holdRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  // Per Call-ID and sender, the direction in each SDP sent in a request (offers of re-INVITE/UPDATE).
  const last = new Map<string, { dir: Direction; index: number }>();
  for (const v of cm.views) {
    if (!v.sdp || !v.isRequest || (v.method !== 'INVITE' && v.method !== 'UPDATE')) continue;
    const dir = sdpDirection(v.sdp);
    if (!dir) continue;
    const key = `${v.callId}|${v.fromTag}|${v.src}|${v.dst}`;
    const prev = last.get(key);
    last.set(key, { dir, index: v.index });
    if (!prev || prev.dir === dir || v.m.retransmissionOf !== undefined) continue;
    const what = dir === 'sendrecv' ? 'resumed (sendrecv)' : dir === 'inactive' ? 'put the call on hold (inactive)' : dir === 'sendonly' ? 'put the call on hold (sendonly)' : 'asked to receive only (recvonly)';
    out.push({
      rule: 'hold', severity: 'info',
      message: `${v.method} from ${v.src ?? '?'} ${what}, was ${prev.dir}`,
      evidence: [prev.index, v.index],
      details: { from: prev.dir, to: dir },
    });
  }
  return out;
}

/** Requests whose Contact becomes the target of later requests (RFC 3261 §8.1.1.8, §10.2.1). */
const TARGET_METHODS = new Set(['INVITE', 'REGISTER', 'SUBSCRIBE', 'UPDATE', 'NOTIFY', 'REFER']);

export function privateAddressRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const v of cm.views) {
    const peer = hostOf(v.dst), from = hostOf(v.src);
    // The message crosses to (or comes from) the public side while carrying a private address.
    if (!isPublicAddress(peer) && !isPublicAddress(from)) continue;
    const places: [string, string | undefined][] = [];
    if (v.sdp) for (const m of v.sdp.media) if (m.port !== 0) places.push([`SDP c= (${m.type})`, m.connection]);
    // A REGISTER response lists the bindings, not its sender's address (RFC 3261 §10.3 step 8).
    // Only where the Contact becomes a target (not in an ACK or BYE).
    const target = v.isRequest ? TARGET_METHODS.has(v.method ?? '') : TARGET_METHODS.has(v.cseqMethod ?? '') && v.cseqMethod !== 'REGISTER';
    if (v.contact && target) places.push(['Contact', uriHostPort(v.contact)?.host]);
    for (const [where, host] of places) {
      if (!isPrivateAddress(host)) continue;
      const key = `${where}|${host}|${v.src}|${v.dst}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        rule: 'private-address', severity: 'warning',
        message: `${label(v)} on ${hopText(v.src, v.dst)} carries private address ${host} in ${where}: `
          + (where.startsWith('SDP') ? 'media sent there will not arrive (one-way or no audio) unless something rewrites it' : 'requests to it will not reach the client behind NAT'),
        evidence: [v.index],
        details: { where, address: host, src: v.src, dst: v.dst },
      });
    }
  }
  return out;
}

export function contactMismatchRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const v of cm.views) {
    if (v.isRequest && v.vias.length === 1 && v.contact && v.src && TARGET_METHODS.has(v.method ?? '')) {
      // Sent by the originating UA itself (one Via): its Contact should be where it sends from.
      const c = uriHostPort(v.contact);
      const srcHost = hostOf(v.src);
      if (c && isIP(c.host) && srcHost && isIP(srcHost) && c.host !== srcHost) {
        const key = `contact|${c.host}|${srcHost}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push({ rule: 'contact-mismatch', severity: 'warning', message: `${v.method} Contact names ${c.host} but the packet came from ${v.src}: the client is behind NAT or advertises the wrong address`, evidence: [v.index], details: { contact: c.host, source: v.src } });
        }
      }
    }
    if (!v.isRequest && v.vias.length >= 1) {
      // RFC 3581: the server echoes where it really saw the request come from.
      const via = v.vias[v.vias.length - 1]!;
      const sent = via.sentBy.replace(/^\[|\](:\d+)?$/g, '').replace(/:\d+$/, '').toLowerCase();
      const rec = via.received?.toLowerCase();
      if (rec && isIP(sent) && rec !== sent) {
        const key = `via|${sent}|${rec}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push({ rule: 'contact-mismatch', severity: 'warning', message: `the originator's Via says ${sent} but ${v.src ?? 'the server'} received it from ${rec}${via.rport ? `:${via.rport}` : ''} (NAT between them)`, evidence: [v.index], details: { sent_by: sent, received: rec, rport: via.rport } });
        }
      }
    }
  }
  return out;
}
