// Transaction-layer rules (RFC 3261 §17): retransmissions, 2xx without ACK, INVITEs without a
// final response, CANCEL racing a 200, 481, BYE without a 200, requests after the dialogue ended.
import type { Finding } from './types.js';
import type { CallModel } from './outcome.js';
import { ackFor } from './outcome.js';
import { pushTo, retransmissions, type Transaction } from './transaction.js';
import { hopText, label, plural, seconds } from './describe.js';
import type { SipView } from './sip-view.js';

/** Timer B/F/H (64·T1): how long a transaction may wait before it is given up on. */
const TIMER_64T1_NS = 32_000_000_000n;

function lastTime(cm: CallModel): bigint {
  return cm.views.length ? cm.views[cm.views.length - 1]!.time : 0n;
}

export function retransmissionRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    const req = retransmissions(t.requests);
    if (req.length > 0) {
      const first = t.requests[0]!;
      const answered = t.responses.find((r) => r.time > first.time);
      out.push({
        rule: 'retransmission', severity: 'warning',
        message: `${t.method} (CSeq ${t.cseqNum}) retransmitted ${plural(req.length, 'time')} on ${hopText(t.src, t.dst)}`
          + (answered ? `, first response after ${seconds(answered.time - first.time)}` : ', never answered'),
        evidence: [first.index, ...req.map((r) => r.index)],
        details: { method: t.method, cseq: t.cseqNum, hop: t.hop, copies: req.length + 1, src: t.src, dst: t.dst },
      });
    }
    // Final responses, grouped by status: a repeated 2xx means its ACK did not arrive (§13.3.1.4).
    const byStatus = new Map<number, SipView[]>();
    for (const r of t.responses) if (r.status! >= 200) pushTo(byStatus, r.status!, r);
    for (const [status, copies] of byStatus) {
      const re = retransmissions(copies);
      if (re.length === 0) continue;
      out.push({
        rule: 'retransmission', severity: 'warning',
        message: `${status} ${copies[0]!.reason ?? ''} to ${t.method} retransmitted ${plural(re.length, 'time')} on ${hopText(copies[0]!.src, copies[0]!.dst)}`
          + (status < 300 ? ': the ACK was late or lost' : ''),
        evidence: [copies[0]!.index, ...re.map((r) => r.index)],
        details: { method: t.method, cseq: t.cseqNum, status, hop: t.hop, copies: re.length + 1 },
      });
    }
  }
  return out;
}

export function unackedAnswerRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  const missing = new Set<Transaction>();
  for (const t of cm.txs) {
    if (t.method !== 'INVITE') continue;
    const ok = t.responses.find((r) => r.status! >= 200 && r.status! < 300);
    if (!ok || ackFor(cm, t, ok.time)) continue;
    missing.add(t);
  }
  for (const t of missing) {
    if (t.parent && missing.has(t.parent)) continue; // reported on the upstream hop
    const ok = t.responses.find((r) => r.status! >= 200 && r.status! < 300)!;
    const tail = lastTime(cm) - ok.time;
    out.push({
      rule: '2xx-not-acked', severity: tail >= TIMER_64T1_NS ? 'error' : 'warning',
      message: `${ok.status} ${ok.reason ?? ''} to INVITE (CSeq ${t.cseqNum}) on ${hopText(ok.src, ok.dst)} never ACKed`
        + (tail < TIMER_64T1_NS ? ` (capture ends ${seconds(tail)} later)` : ''),
      evidence: t.responses.filter((r) => r.status === ok.status).map((r) => r.index),
      details: { cseq: t.cseqNum, hop: t.hop },
    });
  }
  return out;
}

export function unansweredInviteRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    if (t.method !== 'INVITE' || t.final || t.requests.length === 0) continue;
    const first = t.requests[0]!;
    const tail = lastTime(cm) - first.time;
    const upstreamFinal = t.parent?.final;
    const heard = t.responses.length > 0 ? `only ${label(t.responses[t.responses.length - 1]!)}` : 'no response at all';
    let message = `INVITE (CSeq ${t.cseqNum}) on ${hopText(t.src, t.dst)} never got a final response (${heard})`;
    if (upstreamFinal) message += `; ${upstreamFinal.src ?? 'the proxy'} answered upstream with ${label(upstreamFinal)}`;
    else if (tail < TIMER_64T1_NS) message += ` (capture ends ${seconds(tail)} later)`;
    out.push({
      rule: 'invite-no-final', severity: upstreamFinal || tail < TIMER_64T1_NS ? 'warning' : 'error', message,
      evidence: [...t.requests.map((r) => r.index), ...t.responses.map((r) => r.index), ...(upstreamFinal ? [upstreamFinal.index] : [])],
      details: { cseq: t.cseqNum, hop: t.hop, src: t.src, dst: t.dst },
    });
  }
  return out;
}

export function cancelRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const c of cm.txs) {
    if (c.method !== 'CANCEL' || c.requests.length === 0) continue;
    const cancelAt = c.requests[0]!.time;
    // The INVITE it cancels: same Call-ID, CSeq number and hop (RFC 3261 §9.1).
    const inv = cm.txs.find((t) => t.method === 'INVITE' && t.callId === c.callId && t.cseqNum === c.cseqNum && t.src === c.src && t.dst === c.dst)
      ?? cm.txs.find((t) => t.method === 'INVITE' && t.callId === c.callId && t.cseqNum === c.cseqNum);
    const ok = inv?.responses.find((r) => r.status! >= 200 && r.status! < 300);
    // Answered after the CANCEL left, or so shortly before that they crossed on the wire.
    if (ok && ok.time >= cancelAt - 1_000_000_000n) {
      out.push({
        rule: 'cancel-race', severity: 'warning',
        message: `CANCEL on ${hopText(c.src, c.dst)} crossed the ${ok.status} ${ok.reason ?? ''} of the INVITE: the call was answered anyway and must be ended with BYE`,
        evidence: [c.requests[0]!.index, ok.index, ...(c.final ? [c.final.index] : [])].sort((a, b) => a - b),
        details: { cseq: c.cseqNum, hop: c.hop },
      });
      continue;
    }
    if (c.final && c.final.status !== 200) {
      out.push({
        rule: 'cancel-failed', severity: 'warning',
        message: `CANCEL on ${hopText(c.src, c.dst)} answered ${label(c.final)} after ${seconds(c.final.time - cancelAt)}`
          + (inv?.final ? `; the INVITE ended ${label(inv.final)}` : ''),
        evidence: [c.requests[0]!.index, c.final.index, ...(inv?.final ? [inv.final.index] : [])],
        details: { cseq: c.cseqNum, hop: c.hop, status: c.final.status },
      });
    } else if (!c.final && (!c.parent || c.parent.final)) {
      out.push({
        rule: 'cancel-failed', severity: 'warning',
        message: `CANCEL on ${hopText(c.src, c.dst)} never answered`,
        evidence: c.requests.map((r) => r.index),
        details: { cseq: c.cseqNum, hop: c.hop },
      });
    }
  }
  return out;
}

export function noTransactionRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    const r481 = t.responses.find((r) => r.status === 481);
    if (!r481 || (t.parent && t.parent.responses.some((r) => r.status === 481))) continue;
    out.push({
      rule: '481', severity: 'warning',
      message: `481 ${r481.reason ?? ''} to ${t.method} (CSeq ${t.cseqNum}) from ${r481.src ?? '?'}: it knows no such dialog or transaction`,
      evidence: [t.requests[0]?.index ?? r481.index, r481.index].filter((x, i, a) => a.indexOf(x) === i),
      details: { method: t.method, cseq: t.cseqNum, hop: t.hop },
    });
  }
  return out;
}

export function byeRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    if (t.method !== 'BYE' || t.requests.length === 0) continue;
    if (t.final && t.final.status! < 300) continue;
    if (t.parent && !(t.parent.final && t.parent.final.status! < 300)) continue; // reported upstream
    out.push({
      rule: 'bye-no-200', severity: 'warning',
      message: `BYE (CSeq ${t.cseqNum}) on ${hopText(t.src, t.dst)} ${t.final ? `answered ${label(t.final)}` : 'never answered'}`,
      evidence: [t.requests[0]!.index, ...(t.final ? [t.final.index] : [])],
      details: { cseq: t.cseqNum, hop: t.hop, status: t.final?.status },
    });
  }
  return out;
}

export function afterEndRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  const byCall = new Map<string, Transaction>();
  for (const t of cm.txs) {
    if (t.method !== 'BYE' || !t.final || t.final.status! >= 300 || t.parent) continue;
    const key = t.callId ?? '';
    const cur = byCall.get(key);
    if (!cur || t.final.time < cur.final!.time) byCall.set(key, t);
  }
  for (const [callId, bye] of byCall) {
    const endedAt = bye.final!.time;
    const family = new Set<Transaction>();
    const walk = (x: Transaction) => { if (family.has(x)) return; family.add(x); x.children.forEach(walk); };
    walk(bye);
    const late = cm.txs.filter((t) => t.callId === callId && !family.has(t) && t.inDialog && t.requests[0]!.time > endedAt && !(t.parent && family.has(t.parent)));
    const roots = late.filter((t) => !t.parent || !late.includes(t.parent));
    if (roots.length === 0) continue;
    out.push({
      rule: 'after-dialogue-end', severity: 'warning',
      message: `${roots.map((t) => t.method).join(', ')} sent after the dialogue ended (BYE answered ${seconds(roots[0]!.requests[0]!.time - endedAt)} earlier)`,
      evidence: [bye.final!.index, ...roots.map((t) => t.requests[0]!.index)],
      details: { methods: roots.map((t) => t.method) },
    });
  }
  return out;
}
