// Routing: loops (RFC 3261 §16.3, §16.6: Max-Forwards, 482/483), the Request-URI rewritten from
// hop to hop, and in-dialogue requests that do not follow the Record-Route set (§12.2.1.1).
import type { Finding } from './types.js';
import type { CallModel } from './outcome.js';
import { hostOf, uriHostPort } from './sip-view.js';
import { hopText, label } from './describe.js';

export function loopRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    const f = t.responses.find((r) => r.status === 482 || r.status === 483);
    if (f && !(t.parent && t.parent.responses.some((r) => r.status === f.status))) {
      out.push({
        rule: 'loop', severity: 'error',
        message: `${label(f)} to ${t.method} from ${f.src ?? '?'}: ${f.status === 482 ? 'the request came back to a proxy it already passed' : 'Max-Forwards ran out'} (routing loop)`,
        evidence: [t.requests[0]?.index ?? f.index, f.index].filter((x, i, a) => a.indexOf(x) === i),
        details: { status: f.status, method: t.method, hop: t.hop },
      });
    }
    const r = t.requests[0];
    if (!r) continue;
    const sentBys = r.vias.map((v) => v.sentBy.toLowerCase());
    const repeated = sentBys.find((s, i) => sentBys.indexOf(s) !== i);
    if ((r.maxForwards !== undefined && r.maxForwards <= 1) || (repeated && r.vias.length >= 3)) {
      if (t.parent && t.parent.requests[0] && ((t.parent.requests[0].maxForwards ?? 70) <= 1)) continue;
      out.push({
        rule: 'loop', severity: repeated ? 'error' : 'warning',
        message: `${r.method} on ${hopText(r.src, r.dst)} ` + (repeated ? `passed ${repeated} twice (Via stack of ${r.vias.length})` : `arrived with Max-Forwards ${r.maxForwards}`),
        evidence: [r.index],
        details: { max_forwards: r.maxForwards, vias: r.vias.length, repeated },
      });
    }
  }
  return out;
}

export function requestUriRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  for (const t of cm.txs) {
    if (!t.parent || t.inDialog || t.method === 'ACK' || t.method === 'CANCEL') continue;
    const a = t.parent.requests[0]?.requestUri, b = t.requests[0]?.requestUri;
    if (!a || !b || a === b) continue;
    out.push({
      rule: 'ruri-rewritten', severity: 'info',
      message: `Request-URI of ${t.method} rewritten by ${hostOf(t.src) ?? '?'}: ${a} → ${b}`,
      evidence: [t.parent.requests[0]!.index, t.requests[0]!.index],
      details: { from: a, to: b, hop: t.hop },
    });
  }
  return out;
}

function routeUri(value: string): string {
  const m = /<([^>]*)>/.exec(value);
  return (m ? m[1]! : value).trim().toLowerCase();
}

export function recordRouteRule(cm: CallModel): Finding[] {
  const out: Finding[] = [];
  // The dialogue's route set from the 2xx to the initial INVITE as the caller received it.
  const t = cm.decisive;
  if (!t || t.method !== 'INVITE') return out;
  const ok = t.responses.find((r) => r.status! >= 200 && r.status! < 300);
  if (!ok || ok.recordRoute.length === 0) return out;
  // The callee's target (RFC 3261 §12.1.2: the remote target is the 2xx's Contact).
  const callerHost = hostOf(t.src), calleeHost = uriHostPort(ok.contact)?.host;
  // RFC 3261 §12.1.2: the UAC's route set is the Record-Route list reversed.
  const uacRoutes = [...ok.recordRoute].reverse().map(routeUri);
  for (const v of cm.views) {
    if (!v.isRequest || v.callId !== t.callId || v.time <= ok.time || v.toTag === undefined || v.method === 'CANCEL') continue;
    if (hostOf(v.src) !== callerHost || v.vias.length !== 1) continue; // the caller's own in-dialogue requests
    const routes = v.route.map(routeUri);
    const first = uriHostPort(`<${uacRoutes[0]}>`);
    const missing = routes.length === 0;
    // Straight to the callee's Contact, past the proxies that asked to stay in the path.
    const wrongTarget = first && isLiteral(first.host) && calleeHost !== undefined && first.host !== calleeHost && hostOf(v.dst) === calleeHost;
    if (!missing && !wrongTarget) continue;
    out.push({
      rule: 'record-route-not-followed', severity: 'warning',
      message: `${v.method} (CSeq ${v.cseqNum}) ` + (missing ? `carries no Route header although the ${ok.status} recorded ${uacRoutes.length} route${uacRoutes.length === 1 ? '' : 's'}` : `went straight to the callee ${v.dst}, past the recorded route ${uacRoutes[0]}`),
      evidence: [ok.index, v.index],
      details: { route_set: uacRoutes, route: routes, dst: v.dst },
    });
  }
  return out;
}

function isLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
