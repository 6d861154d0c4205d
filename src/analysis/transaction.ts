// Transactions (RFC 3261 §17) and the hop chain of each request: the messages of one request on
// one hop (its copies, retransmissions and responses), and which transaction on the next hop it
// became. A proxy adds its Via on top of the stack it received (§16.6 step 8), so hop n+1's stack
// minus its top equals hop n's; a B2BUA starts a fresh stack, so its next hop is found by address
// and time (the request leaves the host it was sent to while that transaction is pending).
import type { SipView } from './sip-view.js';

export interface Transaction {
  id: number;
  callId?: string;
  method: string;
  cseqNum?: number;
  branch?: string;
  /** The first copy of the request and then every later one (capture copies, retransmissions). */
  requests: SipView[];
  responses: SipView[];
  /** First final (≥ 200) response, if any. */
  final?: SipView;
  /** First provisional other than 100. */
  ringing?: SipView;
  parent?: Transaction;
  children: Transaction[];
  /** 0 = the request as it left its originator; n = after n forwarding nodes. */
  hop: number;
  src?: string;
  dst?: string;
  /** The request was sent inside a dialogue (To-tag present). */
  inDialog: boolean;
}

/** Copies closer than this are the same packet seen twice; RFC 3261 retransmits after T1/2 at the soonest. */
export const CAPTURE_COPY_NS = 40_000_000n;

function txKey(v: SipView, method: string): string {
  // Without a branch (RFC 2543 peers) the top Via and CSeq stand in for it.
  return [v.callId ?? '', v.cseqNum ?? '', method, (v.branch ?? '').toLowerCase(), v.topVia ?? ''].join('|');
}

function viaStackKey(v: SipView, from: number): string {
  return v.vias.slice(from).map((x) => `${x.sentBy.toLowerCase()};${(x.branch ?? '').toLowerCase()}`).join(',');
}

export function buildTransactions(views: SipView[]): Transaction[] {
  const byKey = new Map<string, Transaction>();
  const list: Transaction[] = [];
  for (const v of views) {
    const method = v.isRequest ? v.method : v.cseqMethod;
    if (!method) continue;
    const key = txKey(v, method);
    let t = byKey.get(key);
    if (!t) {
      t = { id: list.length, callId: v.callId, method, cseqNum: v.cseqNum, branch: v.branch, requests: [], responses: [], children: [], hop: 0, inDialog: false };
      byKey.set(key, t);
      list.push(t);
    }
    if (v.isRequest) {
      if (t.requests.length === 0) { t.src = v.src; t.dst = v.dst; t.inDialog = v.toTag !== undefined; }
      t.requests.push(v);
    } else if (v.status !== undefined) {
      t.responses.push(v);
      if (v.status >= 200 && !t.final) t.final = v;
      if (v.status > 100 && v.status < 200 && !t.ringing) t.ringing = v;
    }
  }
  linkHops(list);
  return list;
}

function linkHops(list: Transaction[]): void {
  const byStack = new Map<string, Transaction>();
  for (const t of list) {
    const r = t.requests[0];
    if (r) byStack.set(`${t.callId}|${t.cseqNum}|${t.method}|${viaStackKey(r, 0)}`, t);
  }
  for (const t of list) {
    const r = t.requests[0];
    if (!r || r.vias.length < 2) continue;
    const p = byStack.get(`${t.callId}|${t.cseqNum}|${t.method}|${viaStackKey(r, 1)}`);
    if (p && p !== t) { t.parent = p; p.children.push(t); }
  }
  // B2BUA-style continuation: same method, out of dialogue, sent while the parent was pending,
  // from the very address (ip:port) the parent went to. Across Call-IDs only the exact endpoint:
  // on one host (loopback labs, containers) a host match would chain unrelated calls.
  for (const t of list) {
    const r = t.requests[0];
    if (t.parent || !r || t.inDialog || t.method === 'ACK' || t.method === 'CANCEL' || t.src === undefined) continue;
    let best: Transaction | undefined;
    for (const p of list) {
      const pr = p.requests[0];
      if (p === t || !pr || p.inDialog || p.method !== t.method) continue;
      // The exact endpoint it was sent to; or, within one Call-ID (an SBC or a registrar front
      // relaying it with a fresh Via from another socket or address), any other sender.
      const sameCall = p.callId !== undefined && p.callId === t.callId && p.src !== t.src;
      if (p.dst !== t.src && !sameCall) continue;
      if (pr.time > r.time || (p.final && p.final.time < r.time)) continue;
      if (isAncestor(t, p)) continue;
      if (!best || pr.time > best.requests[0]!.time) best = p;
    }
    if (best) { t.parent = best; best.children.push(t); }
  }
  const depth = (t: Transaction, seen = new Set<Transaction>()): number => {
    if (!t.parent || seen.has(t)) return 0;
    seen.add(t);
    return depth(t.parent, seen) + 1;
  };
  for (const t of list) t.hop = depth(t);
}

function isAncestor(a: Transaction, of: Transaction): boolean {
  for (let p: Transaction | undefined = of.parent, n = 0; p && n < 64; p = p.parent, n++) if (p === a) return true;
  return false;
}

/** Copies of a message after the first that are retransmissions, not the same packet seen twice. */
export function retransmissions(copies: SipView[]): SipView[] {
  const out: SipView[] = [];
  for (let i = 1; i < copies.length; i++) {
    // The gap decides even where the dialogue marked a retransmission: a capture point that saw
    // one packet twice (mirrored ports, CORPUS.md entry 4) is not the sender repeating itself.
    const c = copies[i]!;
    const prev = copies[i - 1]!;
    const same = c.m.chunk.hash === copies[0]!.m.chunk.hash || c.m.retransmissionOf !== undefined;
    if (same && c.time - prev.time >= CAPTURE_COPY_NS) out.push(c);
  }
  return out;
}

/** The hop chain below t (t first), following the child that relayed the same final status. */
export function downstream(t: Transaction): Transaction[] {
  const chain = [t];
  const seen = new Set<Transaction>([t]);
  for (let cur = t; ;) {
    const status = cur.final?.status;
    const next = cur.children.find((c) => !seen.has(c) && c.final?.status === status && status !== undefined);
    if (!next) break;
    chain.push(next);
    seen.add(next);
    cur = next;
  }
  return chain;
}
