// Digest authentication (RFC 3261 §22, RFC 2617 §3.2.1): challenges repeated without success,
// credentials refused as stale (a changed or expired nonce, which a retry fixes) and credentials
// refused as wrong (403, or a fresh challenge to a request that carried them).
import type { Finding } from './types.js';
import type { CallModel } from './outcome.js';
import { pushTo, type Transaction } from './transaction.js';
import { headerValue } from '../sip/message.js';
import type { SipView } from './sip-view.js';
import { label, plural } from './describe.js';

function hasCredentials(v: SipView): boolean {
  return headerValue(v.msg, 'authorization') !== undefined || headerValue(v.msg, 'proxy-authorization') !== undefined;
}

function isChallenge(v: SipView | undefined): boolean {
  return v?.status === 401 || v?.status === 407;
}

/** A challenge that says the nonce, not the password, was the problem. */
function isStale(v: SipView): boolean {
  const h = headerValue(v.msg, 'www-authenticate') ?? headerValue(v.msg, 'proxy-authenticate') ?? '';
  return /stale\s*=\s*"?true/i.test(h) || /nonce|stale/i.test(v.reason ?? '');
}

export function authRules(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  // Out-of-dialogue requests from the originator, per Call-ID and method, in time order.
  const groups = new Map<string, Transaction[]>();
  for (const t of cm.txs) {
    if (t.inDialog || t.hop !== 0 || t.requests.length === 0 || t.method === 'ACK' || t.method === 'CANCEL') continue;
    const k = `${t.callId}|${t.method}`;
    pushTo(groups, k, t);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => (a.requests[0]!.time < b.requests[0]!.time ? -1 : 1));
    let run: Transaction[] = [];
    const close = (end: Transaction | undefined) => {
      const challenged = run.filter((t) => isChallenge(t.final));
      const withCreds = challenged.filter((t) => hasCredentials(t.requests[0]!));
      const stale = withCreds.filter((t) => isStale(t.final!));
      if (stale.length > 0) {
        out.push({
          rule: 'auth-stale', severity: 'info',
          message: `${plural(stale.length, 'attempt')} with credentials refused as stale (${label(stale[0]!.final!)}): the nonce changed or expired before the client re-sent; not a wrong password`,
          evidence: stale.flatMap((t) => [t.requests[0]!.index, t.final!.index]),
          details: { method: stale[0]!.method, cseqs: stale.map((t) => t.cseqNum) },
        });
      }
      const wrong = withCreds.filter((t) => !isStale(t.final!));
      if (wrong.length > 0) {
        out.push({
          rule: 'auth-rejected', severity: 'error',
          message: `credentials rejected with a new challenge (${label(wrong[0]!.final!)}) on ${plural(wrong.length, 'attempt')}: wrong username, password or realm`,
          evidence: wrong.flatMap((t) => [t.requests[0]!.index, t.final!.index]),
          details: { method: wrong[0]!.method, cseqs: wrong.map((t) => t.cseqNum) },
        });
      }
      if (end && end.final?.status === 403 && hasCredentials(end.requests[0]!)) {
        out.push({
          rule: 'auth-rejected', severity: 'error',
          message: `${end.method} with credentials refused: ${label(end.final)} from ${end.final.src ?? '?'}`,
          evidence: [end.requests[0]!.index, end.final.index],
          details: { method: end.method, cseq: end.cseqNum, status: 403 },
        });
      }
      // A loop: challenged again although credentials were sent (RFC 3261 §22.2 allows one retry per challenge).
      if (challenged.length >= 2 && withCreds.length >= 1) {
        const ok = end?.final && end.final.status! < 300;
        out.push({
          rule: 'auth-loop', severity: ok ? 'warning' : 'error',
          message: `${challenged[0]!.method} challenged ${plural(challenged.length, 'time')} in a row`
            + (ok ? `, then accepted (CSeq ${end!.cseqNum})` : end?.final ? `, then ${label(end.final)}` : ', never accepted'),
          evidence: [...run, ...(end ? [end] : [])].flatMap((t) => [t.requests[0]!.index, ...(t.final ? [t.final.index] : [])]),
          details: { method: challenged[0]!.method, challenges: challenged.length, stale: stale.length, cseqs: run.map((t) => t.cseqNum), success: Boolean(ok) },
        });
      }
      run = [];
    };
    for (const t of list) {
      if (isChallenge(t.final)) { run.push(t); continue; }
      if (t.final) close(t);
      else run.push(t);
    }
    if (run.length) close(undefined);
  }
  return out;
}
