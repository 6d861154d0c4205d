// Keys that tie the legs of one call together across a B2BUA, where each leg has its own
// Call-ID: correlation headers (X-CID, X-Call-ID, and the XCall-ID spelling seen in
// heplify__sip_tcp_websocket.pcap), the HEP correlation id (FORMATS.md §1.5), RFC 7989
// Session-ID, the IMS charging id (P-Charging-Vector icid-value, RFC 7315 §5.6), and Call-ID
// conventions of B2BUAs that derive the B-leg's Call-ID from the A-leg's.
// A key is either a Call-ID of another leg (a bare value) or a tagged value ("sid:…", "icid:…")
// that two legs share.
import type { Chunk } from '../model/chunk.js';
import { readHead } from './head.js';

export interface LegKey {
  key: string;
  /** Where the key came from, for explanations. */
  via: 'x-cid' | 'hep-correlation' | 'session-id' | 'icid' | 'b2bua-call-id';
}

const CALL_ID_HEADERS = ['x-cid', 'x-call-id', 'xcall-id', 'x-callid', 'x-orig-call-id', 'x-original-call-id'];

/** RFC 7989: a 32-hex UUID; "remote=" the peer's. The null UUID means "not known yet". */
const NULL_SESSION = '00000000000000000000000000000000';

/**
 * A-leg Call-IDs that B2BUAs embed with a decoration: "<A>.b2bua", "<A>-b2b_1", "B2B.<n>.<A>",
 * "<A>_leg2". The decorated forms below are the ones seen in the corpus and in common B2BUA
 * configurations (Kamailio/OpenSIPS b2b modules, FreeSWITCH-Kamailio setups).
 */
const B2BUA_SUFFIX = /^(.{6,}?)(?:[._-](?:b2bua|b2b|bleg|b-leg|leg\d*)(?:[._-]?\d+)?)$/i;
const B2BUA_PREFIX = /^(?:b2b(?:ua)?[._-](?:\d+[._-])?)(.{6,})$/i;

export function b2buaBase(callId: string): string | undefined {
  const s = B2BUA_SUFFIX.exec(callId);
  if (s) return s[1];
  const p = B2BUA_PREFIX.exec(callId);
  if (p) return p[1];
  return undefined;
}

function usable(key: string): boolean {
  return key.length > 0 && key.length <= 512 && !/[\t\r\n]/.test(key);
}

const X = 0x78, S = 0x73, P = 0x70;

/**
 * Whether a header line's name may be one legKeys looks for (x-…, session-id, p-charging-vector):
 * its first letter after any blanks, as readHead takes the name. Most messages have none, and
 * then reading the head (an object per header, for every chunk a writer stores) is skipped.
 */
function mayHoldLegHeaders(raw: string[]): boolean {
  for (let i = 1; i < raw.length; i++) {
    const line = raw[i]!;
    if (line === '') return false;
    let j = 0, c = line.charCodeAt(0);
    while (c === 0x20 || c === 0x09) c = line.charCodeAt(++j);
    c |= 0x20; // ASCII lowercase
    if (c === X || c === S || c === P) return true;
  }
  return false;
}

/** The correlation keys one chunk carries. */
export function legKeys(c: Chunk): LegKey[] {
  const own = c['call-id'];
  const out: LegKey[] = [];
  const add = (key: string, via: LegKey['via']) => {
    const k = key.trim();
    if (!usable(k) || k === own || out.some((x) => x.key === k)) return;
    out.push({ key: k, via });
  };
  // One scan of the headers for the three kinds (this runs for every chunk a writer stores).
  const xcid: string[] = [], sessionIds: string[] = [], chargingVectors: string[] = [];
  if (c.kind === 'sip' && mayHoldLegHeaders(c.raw)) {
    for (const h of readHead(c.raw).headers) {
      if (CALL_ID_HEADERS.includes(h.lower)) xcid.push(h.rawValue);
      else if (h.lower === 'session-id') sessionIds.push(h.rawValue);
      else if (h.lower === 'p-charging-vector') chargingVectors.push(h.rawValue);
    }
  }
  for (const v of xcid) add(v.split(';')[0]!, 'x-cid');
  if (c.capture?.correlation_id) add(c.capture.correlation_id, 'hep-correlation');
  for (const v of sessionIds) {
    const local = /^\s*([0-9a-f]{32})/i.exec(v)?.[1]?.toLowerCase();
    const remote = /;\s*remote\s*=\s*([0-9a-f]{32})/i.exec(v)?.[1]?.toLowerCase();
    for (const u of [local, remote]) if (u && u !== NULL_SESSION) add(`sid:${u}`, 'session-id');
  }
  for (const v of chargingVectors) {
    const m = /(?:^|;)\s*icid-value\s*=\s*("[^"]*"|[^;\s]+)/i.exec(v);
    if (m) add(`icid:${m[1]!.replace(/^"|"$/g, '')}`, 'icid');
  }
  if (own) {
    const base = b2buaBase(own);
    if (base) add(base, 'b2bua-call-id');
  }
  return out;
}

/** Tagged keys are shared values; bare keys name another leg's Call-ID. */
export function keyIsCallId(key: string): boolean {
  return !/^(?:sid|icid):/.test(key);
}
