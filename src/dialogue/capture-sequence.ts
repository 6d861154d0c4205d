// What one capture point's own clock says about order, whatever the other clocks say. A node
// sends its messages one after the other on its own clock, and receives them one after the
// other; and what it received before it sent something was also sent before that. Only "sent,
// then received" carries no order (the received one may have left its sender earlier). This
// matters where a message's merged time comes from another capture point: a proxy's HEP says it
// sent 100 Trying before it forwarded the INVITE, even when the upstream node logged receiving
// that 100 after the downstream answer arrived.
import { endpointHost } from './endpoint.js';
import { NEAR_TIE_NS, type Constraint } from './causality.js';
import type { MergedMessage, Observation } from './merge.js';

const hostOf = endpointHost;

/**
 * The host a capture point sits on: the HEP sender when every message it saw has that host on
 * one side, else the one host present in every message. Undefined when it cannot be told (a
 * capture of one hop names both ends in every message; a wire capture of several hops none).
 */
export function captureHost(observations: Observation[]): string | undefined {
  const srcs: string[] = [], dsts: string[] = [];
  for (const o of observations) {
    const s = hostOf(o.chunk.src), d = hostOf(o.chunk.dst);
    if (s !== undefined && d !== undefined) { srcs.push(s); dsts.push(d); }
  }
  if (srcs.length === 0) return undefined;
  const inAll = (h: string) => {
    for (let i = 0; i < srcs.length; i++) if (srcs[i] !== h && dsts[i] !== h) return false;
    return true;
  };
  const sender = observations.find((o) => o.chunk.capture?.sender)?.chunk.capture?.sender;
  const senderHost = sender ? hostOf(sender) : undefined;
  if (senderHost && inAll(senderHost)) return senderHost;
  // A host in every message is one of the first message's two.
  const a = srcs[0]!, b = dsts[0]!;
  const okA = inAll(a), okB = a !== b && inAll(b);
  return okA && !okB ? a : okB && !okA ? b : undefined;
}

/** captureHost of every capture point, from its packet observations. */
export function captureHosts(observations: Observation[]): Map<string, string> {
  const byParser = new Map<string, Observation[]>();
  for (const o of observations) {
    if (o.chunk.kind !== 'sip') continue;
    const l = byParser.get(o.chunk.parser);
    if (l) l.push(o); else byParser.set(o.chunk.parser, [o]);
  }
  const out = new Map<string, string>();
  for (const [parser, list] of byParser) {
    const h = captureHost(list);
    if (h !== undefined) out.set(parser, h);
  }
  return out;
}

/**
 * The observation that best dates a message on the wire: the sender's own (a capture point on
 * the message's source host stamps it as it leaves; the receiver's stamp adds transit and,
 * under load, milliseconds of queueing — enough to put a proxy's 100 Trying after the
 * downstream 180), else the representative one.
 */
export function senderObservation(m: MergedMessage, hosts: Map<string, string>): Observation {
  const src = hostOf(m.observations[0]!.chunk.src);
  if (src !== undefined) {
    for (const o of m.observations) if (o.chunk.kind === 'sip' && hosts.get(o.chunk.parser) === src) return o;
  }
  return m.observations[0]!;
}

export function captureSequenceConstraints(messages: MergedMessage[]): Constraint[] {
  const byParser = new Map<string, { o: Observation; msg: number }[]>();
  messages.forEach((m, msg) => {
    for (const o of m.observations) {
      // Packets only: a log line's time is when it was written, not when the message passed.
      if (o.chunk.kind !== 'sip') continue;
      const l = byParser.get(o.chunk.parser);
      if (l) l.push({ o, msg }); else byParser.set(o.chunk.parser, [{ o, msg }]);
    }
  });
  const out: Constraint[] = [];
  for (const [parser, list] of [...byParser.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const host = captureHost(list.map((x) => x.o));
    if (host === undefined) continue;
    list.sort((a, b) => (a.o.local < b.o.local ? -1 : a.o.local > b.o.local ? 1 : a.o.seq - b.o.seq));
    // Within NEAR_TIE_NS a recorder's stamps are not its wire order: Kamailio stamps a message
    // when siptrace sees it (several worker processes; on loopback a 180 was stamped before the
    // INVITE it answers): there the protocol rules of causality.ts decide.
    const sentSoFar: { o: Observation; msg: number }[] = [];
    const receivedSoFar: { o: Observation; msg: number }[] = [];
    const reason = `capture point order (${parser})`;
    const latestBefore = (l: { o: Observation; msg: number }[], x: { o: Observation }, gap: bigint) => {
      for (let k = l.length - 1; k >= 0; k--) if (x.o.local - l[k]!.o.local > gap) return l[k];
      return undefined;
    };
    const add = (before: { o: Observation; msg: number } | undefined, after: { o: Observation; msg: number }) => {
      if (before && before.msg !== after.msg) out.push({ before: before.msg, after: after.msg, reason });
    };
    for (const x of list) {
      const sent = hostOf(x.o.chunk.src) === host;
      const received = hostOf(x.o.chunk.dst) === host;
      if (sent === received) continue; // to itself, or neither: no direction to reason with
      if (sent) {
        add(latestBefore(sentSoFar, x, NEAR_TIE_NS), x);
        add(latestBefore(receivedSoFar, x, NEAR_TIE_NS), x);
        sentSoFar.push(x);
      } else {
        add(latestBefore(receivedSoFar, x, NEAR_TIE_NS), x);
        receivedSoFar.push(x);
      }
    }
  }
  return out;
}
