// The hop links between transactions (analysis/transaction.ts) against the plain O(n²) search
// they replaced, on random calls: the indexed lookup must choose the very same parents and hops.
// And a keepalive Call-ID of 10^5 transactions, which the plain search took minutes over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTransactions, type Transaction } from '../src/analysis/transaction.js';
import type { SipView } from '../src/analysis/sip-view.js';

/** The B2BUA-continuation search and hop count as they were (session 4), kept as the reference. */
function referenceLinks(list: Transaction[]): void {
  const viaStackKey = (v: SipView, from: number) => v.vias.slice(from).map((x) => `${x.sentBy.toLowerCase()};${(x.branch ?? '').toLowerCase()}`).join(',');
  const isAncestor = (a: Transaction, of: Transaction) => {
    for (let p: Transaction | undefined = of.parent, n = 0; p && n < 64; p = p.parent, n++) if (p === a) return true;
    return false;
  };
  const byStack = new Map<string, Transaction>();
  for (const t of list) { const r = t.requests[0]; if (r) byStack.set(`${t.callId}|${t.cseqNum}|${t.method}|${viaStackKey(r, 0)}`, t); }
  for (const t of list) {
    const r = t.requests[0];
    if (!r || r.vias.length < 2) continue;
    const p = byStack.get(`${t.callId}|${t.cseqNum}|${t.method}|${viaStackKey(r, 1)}`);
    if (p && p !== t) { t.parent = p; p.children.push(t); }
  }
  for (const t of list) {
    const r = t.requests[0];
    if (t.parent || !r || t.inDialog || t.method === 'ACK' || t.method === 'CANCEL' || t.src === undefined) continue;
    let best: Transaction | undefined;
    for (const p of list) {
      const pr = p.requests[0];
      if (p === t || !pr || p.inDialog || p.method !== t.method) continue;
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

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fields buildTransactions reads, for a request or a response. */
function view(o: Partial<SipView> & { time: bigint; isRequest: boolean }, index: number): SipView {
  return { index, vias: [], recordRoute: [], route: [], ...o } as unknown as SipView;
}

function randomCall(seed: number): SipView[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const hosts = ['10.0.0.1:5060', '10.0.0.2:5060', '10.0.0.3:5060', '10.0.0.4:5080', undefined];
  const views: SipView[] = [];
  const n = 5 + Math.floor(r() * 60);
  for (let i = 0; i < n; i++) {
    const method = pick(['INVITE', 'INVITE', 'OPTIONS', 'REGISTER', 'ACK', 'CANCEL']);
    const callId = pick(['c1', 'c1', 'c2', undefined]);
    const cseqNum = 1 + Math.floor(r() * 4);
    const time = BigInt(Math.floor(r() * 40)); // few distinct times: ties are common
    const vias = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ sentBy: pick(['a', 'b', 'c']), branch: pick(['z9hG4bK1', 'z9hG4bK2', 'z9hG4bK3']) }));
    const branch = vias[0]!.branch + '-' + i; // its own transaction
    const req = view({ isRequest: true, method, callId, cseqNum, branch, topVia: vias[0]!.sentBy, vias: vias as SipView['vias'], time, src: pick(hosts), dst: pick(hosts), toTag: r() < 0.2 ? 't' : undefined }, views.length);
    views.push(req);
    const answer = r();
    if (answer < 0.7) {
      const status = pick([100, 180, 200, 401, 486]);
      views.push(view({ isRequest: false, status, cseqMethod: method, callId, cseqNum, branch, topVia: vias[0]!.sentBy, vias: vias as SipView['vias'], time: time + BigInt(Math.floor(r() * 30)), src: req.dst, dst: req.src }, views.length));
    }
  }
  return views;
}

const links = (txs: Transaction[]) => txs.map((t) => `${t.id}<-${t.parent?.id ?? '-'} hop ${t.hop}`);

test('transaction links: the indexed search picks the parents and hops the plain search did (2,000 random calls)', () => {
  const kinds = { byEndpoint: 0, byCallAndSender: 0 };
  for (let seed = 1; seed <= 2000; seed++) {
    const views = randomCall(seed);
    const ours = buildTransactions(views);
    for (const t of ours) {
      if (!t.parent || (t.requests[0]?.vias.length ?? 0) >= 2) continue;
      if (t.parent.dst === t.src) kinds.byEndpoint++; else kinds.byCallAndSender++;
    }
    const theirs = buildTransactions(views);
    for (const t of theirs) { t.parent = undefined; t.children = []; t.hop = 0; }
    referenceLinks(theirs);
    assert.deepEqual(links(ours), links(theirs), `seed ${seed}`);
    assert.deepEqual(ours.map((t) => t.children.map((c) => c.id)), theirs.map((t) => t.children.map((c) => c.id)), `seed ${seed}: children`);
  }
  // The random calls exercise both kinds of continuation, not only the Via-stack links.
  assert.ok(kinds.byEndpoint > 200 && kinds.byCallAndSender > 200, JSON.stringify(kinds));
});

test('transaction links: a keepalive Call-ID of 100,000 OPTIONS is linked without comparing every pair', () => {
  const views: SipView[] = [];
  for (let i = 0; i < 100_000; i++) {
    const common = { callId: 'ka@h', cseqNum: i + 1, branch: `z9hG4bK${i}`, topVia: 'ua', vias: [{ sentBy: 'ua', branch: `z9hG4bK${i}` }] as SipView['vias'] };
    views.push(view({ ...common, isRequest: true, method: 'OPTIONS', time: BigInt(i) * 30_000_000_000n, src: '10.0.0.1:5060', dst: '10.0.0.2:5060' }, views.length));
    // every tenth unanswered: pending for ever, so a candidate for every later request it could parent
    if (i % 10) views.push(view({ ...common, isRequest: false, status: 200, cseqMethod: 'OPTIONS', time: BigInt(i) * 30_000_000_000n + 10_000_000n, src: '10.0.0.2:5060', dst: '10.0.0.1:5060' }, views.length));
  }
  const t0 = process.hrtime.bigint();
  const txs = buildTransactions(views);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(txs.length, 100_000);
  assert.ok(txs.every((t) => t.parent === undefined && t.hop === 0), 'one sender to one peer: no request continues another');
  // The plain search compared 10^10 pairs (minutes); the lookup is ~n log n. A bound far above
  // any machine's time for the latter and far below the former's.
  assert.ok(ms < 20_000, `${ms.toFixed(0)} ms`);
});
