// How the call ended, as the caller saw it, and who decided it: the node that generated the
// final response rather than relayed it, and whether that was on the caller's side of the first
// proxy ('origination') or beyond it ('termination') in the original's terms (KAZOO.md §6, §9.13).
import type { Dialogue } from '../dialogue/types.js';
import type { FailedLeg, HopTiming, Outcome, OutcomeKind, Timing } from './types.js';
import { hostOf, type SipView } from './sip-view.js';
import { downstream, type Transaction } from './transaction.js';

/** What the rules and the outcome share: the parsed messages and their transactions. */
export interface CallModel {
  d: Dialogue;
  views: SipView[];
  txs: Transaction[];
  /** The Call-ID the outcome is about (the first out-of-dialogue request's, unless named). */
  callId?: string;
  /** Out-of-dialogue attempts of the initial request on the most upstream hop, in time order (a challenged INVITE is re-sent with a higher CSeq). */
  attempts: Transaction[];
  /** The attempt that decided the outcome (the last one). */
  decisive?: Transaction;
}

const NS_PER_MS = 1e6;
export function ms(from: bigint, to: bigint): number {
  return Math.round(Number(to - from) / NS_PER_MS * 1000) / 1000;
}

/** Rejections that are about the request itself, decided by the first server the caller reached (RFC 3261 §21.4). */
const ORIGINATION_CODES = new Set([400, 401, 403, 405, 407, 413, 414, 415, 416, 420, 421, 423, 484, 494]);

export function callModel(d: Dialogue, views: SipView[], txs: Transaction[], callId?: string): CallModel {
  const initial = txs
    .filter((t) => !t.inDialog && t.method !== 'ACK' && t.method !== 'CANCEL' && t.requests.length > 0 && (callId === undefined || t.callId === callId))
    .sort((a, b) => cmp(a.requests[0]!.time, b.requests[0]!.time) || a.hop - b.hop);
  const first = initial.find((t) => t.hop === 0) ?? initial[0];
  const cid = callId ?? first?.callId ?? d.callIds[0];
  // Attempts are the originator's own (same sender): an SBC's other side is a hop, not a retry.
  const attempts = first ? initial.filter((t) => t.callId === cid && t.method === first.method && t.hop === first.hop && t.src === first.src) : [];
  return { d, views, txs, callId: cid, attempts, decisive: attempts[attempts.length - 1] };
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function computeOutcome(cm: CallModel): Outcome {
  const t = cm.decisive;
  if (!t) {
    // The capture began after the request left: its final response still tells how it ended
    // (RFC 3261 §17.1.1.3: a non-2xx is ACKed on the INVITE's transaction, so both are here).
    const orphan = cm.txs.find((x) => x.requests.length === 0 && x.final && x.callId === (cm.callId ?? x.callId)
      && (x.method === 'INVITE' || x.method === 'REGISTER' || x.method === 'SUBSCRIBE' || x.method === 'MESSAGE' || x.method === 'OPTIONS')
      && x.final.status! >= 200);
    if (orphan && orphan.final) {
      const f = orphan.final;
      const status = f.status!;
      return {
        outcome: classify(orphan.method, status, false), status, reason: f.reason, method: orphan.method, call_id: orphan.callId,
        generated_by: f.src, failed_hop: 0, hops_seen: 1, timing: {}, evidence: [f.index],
        ...(status >= 300 ? { failed_leg: ORIGINATION_CODES.has(status) ? 'origination' as const : 'termination' as const, basis: 'edge' as const } : {}),
      };
    }
    // Mid-dialogue capture: no out-of-dialogue request; report the first final response seen.
    const inDialog = cm.txs.find((x) => x.requests.length > 0 && x.method !== 'ACK');
    return {
      outcome: 'unknown', status: inDialog?.final?.status, reason: inDialog?.final?.reason, method: inDialog?.method,
      call_id: cm.callId, hops_seen: 0, timing: {},
      evidence: inDialog ? [inDialog.requests[0]!.index, ...(inDialog.final ? [inDialog.final.index] : [])] : [],
    };
  }
  const req = t.requests[0]!;
  const final = t.final;
  const status = final?.status;
  // The caller's own CANCEL of this request: same top Via branch (RFC 3261 §9.1). A proxy's
  // CANCEL downstream (its timer fired, RFC 3261 §16.8) carries a single Via of its own, so
  // its depth says hop 0 too: the branch tells them apart.
  const cancel = cm.txs.find((x) => x.method === 'CANCEL' && x.callId === t.callId && x.cseqNum === t.cseqNum && x.hop === t.hop
    && (x.branch !== undefined && t.branch !== undefined ? x.branch === t.branch : x.src === t.src)
    && x.requests[0]!.time <= (final?.time ?? x.requests[0]!.time));
  const outcome: OutcomeKind = t.inDialog ? 'unknown' : status === undefined ? (cancel ? 'cancelled' : 'unanswered') : classify(t.method, status, Boolean(cancel));

  const chain = downstream(t);
  const deepest = chain[chain.length - 1]!;
  const hopsSeen = maxDepth(t) + 1;
  const evidence = [req.index];
  for (const h of chain) {
    if (h !== t) evidence.push(h.requests[0]!.index);
    if (h.final) evidence.push(h.final.index);
  }
  const o: Outcome = {
    outcome, status, reason: final?.reason, method: t.method, call_id: t.callId,
    hops_seen: hopsSeen, timing: callTiming(cm, t), evidence: [...new Set(evidence)].sort((a, b) => a - b),
  };
  if (final) {
    o.generated_by = deepest.final?.src ?? deepest.dst;
    o.failed_hop = deepest.hop - t.hop;
  }
  if (status === undefined || status >= 300) {
    const leg = failedLeg(cm, t, deepest, status);
    if (leg) { o.failed_leg = leg.leg; o.basis = leg.basis; }
    if (status === undefined) {
      // Nobody answered: the failing hop is the deepest the request reached.
      const reached = deepestReached(t);
      o.failed_hop = reached.hop - t.hop;
    }
  }
  return o;
}

export function classify(method: string, status: number, cancelled: boolean): OutcomeKind {
  if (status < 300) return method === 'REGISTER' ? 'registered' : 'answered';
  if (status === 401 || status === 407) return 'challenged';
  if (status === 486 || status === 600) return 'busy';
  if (status === 487 || cancelled) return 'cancelled';
  if (status === 408) return 'timeout';
  return 'rejected';
}

function failedLeg(cm: CallModel, t: Transaction, deepest: Transaction, status: number | undefined): { leg: FailedLeg; basis: 'hops' | 'edge' } | undefined {
  if (deepest.hop > t.hop) return { leg: 'termination', basis: 'hops' };
  // The first node generated it. Having forwarded the request, it speaks for the far side (its
  // timer fired, the next hop was unreachable); without forwarding, it rejected the caller.
  if (t.children.length > 0) return { leg: 'termination', basis: 'hops' };
  if (status === undefined) return { leg: 'termination', basis: 'edge' };
  const proxySeen = cm.txs.some((x) => x.hop > 0);
  if (proxySeen) return { leg: 'origination', basis: 'hops' };
  return { leg: ORIGINATION_CODES.has(status) ? 'origination' : 'termination', basis: 'edge' };
}

function maxDepth(t: Transaction, seen = new Set<Transaction>()): number {
  if (seen.has(t)) return 0;
  seen.add(t);
  let d = 0;
  for (const c of t.children) d = Math.max(d, 1 + maxDepth(c, seen));
  return d;
}

function deepestReached(t: Transaction): Transaction {
  let best = t;
  const walk = (x: Transaction, seen: Set<Transaction>) => {
    if (seen.has(x)) return;
    seen.add(x);
    if (x.hop > best.hop) best = x;
    for (const c of x.children) walk(c, seen);
  };
  walk(t, new Set());
  return best;
}

/** The ACK for a 2xx on the hop of t (RFC 3261 §13.2.2.4: new transaction, same CSeq number). */
export function ackFor(cm: CallModel, t: Transaction, after: bigint): SipView | undefined {
  // A proxy that does not Record-Route is bypassed by the ACK: accept one towards the hop's target.
  const srcHost = hostOf(t.src), dstHost = hostOf(t.dst);
  const acks = cm.views.filter((v) => v.isRequest && v.method === 'ACK' && v.callId === t.callId && v.cseqNum === t.cseqNum && v.time >= after);
  return acks.find((v) => hostOf(v.src) === srcHost) ?? acks.find((v) => hostOf(v.dst) === dstHost);
}

/** The first BYE of the dialogue t established, on t's hop when it can be told. */
export function byeAfter(cm: CallModel, t: Transaction, after: bigint): SipView | undefined {
  const ends = new Set([hostOf(t.src), hostOf(t.dst)]);
  const byes = cm.views.filter((v) => v.isRequest && v.method === 'BYE' && v.callId === t.callId && v.time >= after);
  return byes.find((v) => ends.has(hostOf(v.src)) && ends.has(hostOf(v.dst))) ?? byes[0];
}

export function hopTiming(cm: CallModel, t: Transaction, from?: bigint): Timing {
  const start = from ?? t.requests[0]!.time;
  const out: Timing = {};
  if (t.ringing && t.ringing.status! >= 180) out.post_dial_delay_ms = ms(start, t.ringing.time);
  else {
    const r18x = t.responses.find((r) => r.status! >= 180 && r.status! < 200);
    if (r18x) out.post_dial_delay_ms = ms(start, r18x.time);
  }
  if (t.final) out.final_ms = ms(start, t.final.time);
  const ok = t.responses.find((r) => r.status! >= 200 && r.status! < 300);
  if (ok && t.method === 'INVITE') {
    out.setup_ms = ms(start, ok.time);
    const ack = ackFor(cm, t, ok.time);
    if (ack) out.answer_to_ack_ms = ms(ok.time, ack.time);
    const bye = byeAfter(cm, t, ok.time);
    if (bye) out.duration_ms = ms(ack && ack.time < bye.time ? ack.time : ok.time, bye.time);
  }
  return out;
}

function callTiming(cm: CallModel, t: Transaction): Timing {
  // Measured from the decisive attempt: a UA may wait for its user (or a password prompt)
  // between a challenge and the re-sent request, which is not network delay; the time the
  // challenges cost is reported on its own.
  const timing = hopTiming(cm, t);
  const first = cm.attempts[0]?.requests[0];
  if (first && cm.attempts.length > 1) timing.challenge_ms = ms(first.time, t.requests[0]!.time);
  return timing;
}

/** Timing on every hop of the decisive attempt's tree, upstream first. */
export function hopTimings(cm: CallModel): HopTiming[] {
  const t = cm.decisive;
  if (!t) return [];
  const out: HopTiming[] = [];
  const seen = new Set<Transaction>();
  const queue = [t];
  while (queue.length) {
    const x = queue.shift()!;
    if (seen.has(x)) continue;
    seen.add(x);
    out.push({ hop: x.hop - t.hop, src: x.src, dst: x.dst, request: x.requests[0]!.index, status: x.final?.status, final: x.final?.index, ...hopTiming(cm, x) });
    queue.push(...x.children);
  }
  return out;
}
