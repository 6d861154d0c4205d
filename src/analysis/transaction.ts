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
  // on one host (loopback labs, containers) a host match would chain unrelated calls. Within one
  // Call-ID (an SBC or a registrar front relaying it with a fresh Via from another socket or
  // address), any other sender. The parent is the latest such request, the first in list order
  // among equals. Candidates are looked up by endpoint and by Call-ID and sender, not scanned:
  // a Call-ID kept for weeks (keepalives, registrations) has 10^5 transactions.
  const byDst = new Map<string, Transaction[]>();
  const byCall = new Map<string, Map<string | undefined, Transaction[]>>();
  for (const p of list) {
    if (!p.requests[0] || p.inDialog) continue;
    if (p.dst !== undefined) pushTo(byDst, `${p.method}\u0000${p.dst}`, p);
    if (p.callId !== undefined) {
      const key = `${p.method}\u0000${p.callId}`;
      let bySrc = byCall.get(key);
      if (!bySrc) byCall.set(key, bySrc = new Map());
      pushTo(bySrc, p.src, p);
    }
  }
  const pendingDst = new Map([...byDst].map(([k, ts]) => [k, new PendingRequests(ts)]));
  const pendingCall = new Map([...byCall].map(([k, m]) => [k, [...m].map(([src, ts]) => [src, new PendingRequests(ts)] as const)]));
  for (const t of list) {
    const r = t.requests[0];
    if (t.parent || !r || t.inDialog || t.method === 'ACK' || t.method === 'CANCEL' || t.src === undefined) continue;
    const accept = (p: Transaction) => p !== t && !isAncestor(t, p);
    let best: Transaction | undefined;
    const consider = (p: Transaction | undefined) => {
      if (p && (!best || p.requests[0]!.time > best.requests[0]!.time || (p.requests[0]!.time === best.requests[0]!.time && p.id < best.id))) best = p;
    };
    consider(pendingDst.get(`${t.method}\u0000${t.src}`)?.latest(r.time, accept));
    if (t.callId !== undefined) {
      for (const [src, pending] of pendingCall.get(`${t.method}\u0000${t.callId}`) ?? []) {
        if (src !== t.src) consider(pending.latest(r.time, accept));
      }
    }
    if (best) { t.parent = best; best.children.push(t); }
  }
  // Hops from the originator: iterative and memoised, as a chain of parents can be as long as
  // the call. A node on a cycle (not made here: isAncestor looks 64 parents up) counts the
  // cycle's length, as the recursive walk that stopped at the first node seen twice did.
  const depths = new Map<Transaction, number>();
  for (const t of list) {
    if (depths.has(t)) continue;
    const path: Transaction[] = [];
    const onPath = new Map<Transaction, number>();
    let at = t;
    while (at.parent && !depths.has(at) && !onPath.has(at)) { onPath.set(at, path.length); path.push(at); at = at.parent; }
    let end = path.length, d: number;
    if (depths.has(at)) d = depths.get(at)!;
    else if (onPath.has(at)) {
      end = onPath.get(at)!;
      d = path.length - end;
      for (let i = end; i < path.length; i++) depths.set(path[i]!, d);
    } else depths.set(at, d = 0); // the originator
    for (let i = end - 1; i >= 0; i--) depths.set(path[i]!, ++d);
  }
  for (const t of list) t.hop = depths.get(t)!;
}

/** Append to a map of lists (grouping without a copy per item: calls can have 10^5 transactions). */
export function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v); else m.set(k, [v]);
}

/**
 * Requests of one endpoint (or one Call-ID and sender), by time, with a max-tree over the time of
 * their final responses (none: pending for ever), so that the latest request sent by a time and
 * still pending then is found in O(log n).
 */
class PendingRequests {
  private readonly items: Transaction[];
  private readonly times: bigint[];
  /** Max-tree over the items' final times, leaves from `leaves`. */
  private readonly tree: (bigint | number)[];
  private readonly leaves: number;

  constructor(transactions: Transaction[]) {
    // By time, and among equal times the first in list order last: walking back from the latest
    // finds it first, as the scan in list order kept it.
    this.items = [...transactions].sort((a, b) => {
      const ta = a.requests[0]!.time, tb = b.requests[0]!.time;
      return ta < tb ? -1 : ta > tb ? 1 : b.id - a.id;
    });
    this.times = this.items.map((t) => t.requests[0]!.time);
    let leaves = 1;
    while (leaves < this.items.length) leaves *= 2;
    this.leaves = leaves;
    this.tree = new Array<bigint | number>(2 * leaves).fill(-Infinity);
    this.items.forEach((t, i) => { this.tree[leaves + i] = t.final ? t.final.time : Infinity; });
    for (let i = leaves - 1; i >= 1; i--) this.tree[i] = max(this.tree[2 * i]!, this.tree[2 * i + 1]!);
  }

  /** The latest request sent at or before `at` and without a final response before `at` that `accept`s. */
  latest(at: bigint, accept: (t: Transaction) => boolean): Transaction | undefined {
    let lo = 0, hi = this.times.length; // first index with time > at
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.times[mid]! <= at) lo = mid + 1; else hi = mid; }
    for (let i = this.rightmostPending(lo - 1, at); i >= 0; i = this.rightmostPending(i - 1, at)) {
      if (accept(this.items[i]!)) return this.items[i];
    }
    return undefined;
  }

  /** The last index <= `last` whose final time is not before `at` (-1: none). */
  private rightmostPending(last: number, at: bigint): number {
    if (last < 0) return -1;
    const visit = (node: number, lo: number, hi: number): number => {
      if (lo > last || this.tree[node]! < at) return -1;
      if (hi === lo) return lo;
      const mid = (lo + hi) >> 1;
      const right = visit(2 * node + 1, mid + 1, hi);
      return right >= 0 ? right : visit(2 * node, lo, mid);
    };
    return visit(1, 0, this.leaves - 1);
  }
}

function max(a: bigint | number, b: bigint | number): bigint | number {
  return a > b ? a : b;
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
