// What must come before what, whatever the clocks say (RFC 3261 §8, §9, §16, §17; RFC 3262):
// a request precedes its responses on the same hop (matched by the top Via branch); a proxy
// receives a request before it forwards it (the forwarded copy's Via stack is the received one
// plus one entry on top) and receives a response before it relays it (one entry fewer); a final
// response to INVITE precedes its ACK; an INVITE precedes its CANCEL; a reliable provisional
// response precedes its PRACK; a retransmission follows its original. These constraints fix
// what the clocks cannot, and bound the offset of a capture point that shares no message with
// the reference.
import type { Instant } from '../model/time.js';
import { endpointHost } from './endpoint.js';
import type { MergedMessage } from './merge.js';

/** The node of an "ip:port" address: a proxy may answer on one socket and forward from another. */
const hostOf = endpointHost;

/** How close two stamps must be for a protocol rule to overrule the order they give (2 ms). */
export const NEAR_TIE_NS = 2_000_000n;

export interface Constraint {
  before: number;
  after: number;
  reason: string;
}

type Index = Map<string, number[]>;

function push(ix: Index, key: string, i: number): void {
  const l = ix.get(key);
  if (l) l.push(i); else ix.set(key, [i]);
}

function J(...xs: (string | number | undefined)[]): string {
  let s = xs[0] === undefined ? '' : String(xs[0]);
  for (let i = 1; i < xs.length; i++) s += '\u0000' + (xs[i] === undefined ? '' : String(xs[i]));
  return s;
}

/**
 * The part of the constraints that does not depend on the timeline: each message's keys and the
 * indexes of messages by key. build.ts asks for constraints on two timelines of the same
 * messages and reads this once.
 */
export interface CausalIndex {
  /** Via stack joined, and the stack without its top entry. */
  stack: string[];
  below: string[];
  reqByTop: Index; reqByAddr: Index; reqByStack: Index;
  respByStack: Index; finals: Index; reliable: Index;
  /** Per message: its key in respByStack, and the key its relayed copy (one Via fewer) has. */
  relay: string[]; relayed: string[];
  indexOf: Map<MergedMessage, number>;
  finalsByHop: Index;
  /** A request carrying (Proxy-)Authorization. */
  credentials: boolean[];
  hopReplies: Index;
}

const CREDENTIALS = /^(proxy-)?authorization\s*:/i;
/** CREDENTIALS.test, asked only of lines starting with a or p (any case: /i maps no other character to them). */
const hasCredentials = (l: string) => {
  const c = l.charCodeAt(0) | 0x20;
  return (c === 0x61 || c === 0x70) && CREDENTIALS.test(l);
};

export function causalIndex(messages: MergedMessage[]): CausalIndex {
  const n = messages.length;
  const stack = new Array<string>(n), below = new Array<string>(n), relay = new Array<string>(n), relayed = new Array<string>(n);
  const credentials = new Array<boolean>(n).fill(false);
  const reqByTop: Index = new Map(), reqByAddr: Index = new Map(), reqByStack: Index = new Map();
  const respByStack: Index = new Map(), finals: Index = new Map(), reliable: Index = new Map();
  const finalsByHop: Index = new Map(), hopReplies: Index = new Map();
  const indexOf = new Map<MergedMessage, number>();
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const id = m.id;
    indexOf.set(m, i);
    stack[i] = id.vias.join(' ');
    below[i] = id.vias.length > 1 ? id.vias.slice(1).join(' ') : '';
    // What a proxy keeps when it relays a response: status, tags, RSeq (RFC 3262), the Vias below its own.
    const relayBase = J(id.callId, id.cseqNum, id.cseqMethod, id.status, m.observations[0]!.chunk.to_tag, id.rseq);
    relay[i] = relayBase + '\u0000' + stack[i];
    relayed[i] = relayBase + '\u0000' + below[i];
    if (id.callId !== undefined && id.cseqNum !== undefined) {
      if (id.isRequest && id.method) {
        if (id.vias[0]) push(reqByTop, J(id.callId, id.cseqNum, id.method, id.vias[0]), i);
        push(reqByAddr, J(id.callId, id.cseqNum, id.method, id.src, id.dst), i);
        if (id.vias.length) push(reqByStack, J(id.callId, id.cseqNum, id.method, stack[i]), i);
      } else if (id.status !== undefined) {
        if (id.vias.length && !m.retransmissionOf) push(respByStack, relay[i]!, i);
        if (id.status >= 200 && id.cseqMethod === 'INVITE') push(finals, J(id.callId, id.cseqNum), i);
        if (id.rseq !== undefined) push(reliable, J(id.callId, id.cseqNum, id.cseqMethod, id.rseq, id.src, id.dst), i);
      }
    }
    if (id.status !== undefined && id.status >= 200 && id.cseqMethod && id.cseqNum !== undefined && !m.retransmissionOf) {
      push(finalsByHop, J(id.callId, id.cseqMethod, id.src, id.dst), i);
    }
    if (id.isRequest && id.method && id.cseqNum !== undefined && !m.retransmissionOf) {
      credentials[i] = m.observations[0]!.chunk.raw.some(hasCredentials);
    }
    if (id.status === 100 && id.vias.length) push(hopReplies, J('100', id.callId, id.cseqNum, id.cseqMethod, stack[i]), i);
    if (id.status !== undefined && id.status >= 300 && id.cseqMethod === 'INVITE' && !m.retransmissionOf) {
      push(hopReplies, J('final', id.callId, id.cseqNum, id.status, stack[i]), i);
    }
  }
  return { stack, below, reqByTop, reqByAddr, reqByStack, respByStack, finals, reliable, relay, relayed, indexOf, finalsByHop, credentials, hopReplies };
}

export function causalConstraints(messages: MergedMessage[], time: (i: number) => Instant, ix: CausalIndex = causalIndex(messages)): Constraint[] {
  const out: Constraint[] = [];
  const seen = new Set<string>();
  const add = (before: number | undefined, after: number, reason: string) => {
    if (before === undefined || before === after) return;
    const k = `${before},${after}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ before, after, reason });
  };
  const earliest = (l: number[] | undefined, pred?: (i: number) => boolean): number | undefined => {
    let best: number | undefined;
    if (l === undefined) return best;
    for (const i of l) {
      if (pred && !pred(i)) continue;
      if (best === undefined || time(i) < time(best) || (time(i) === time(best) && i < best)) best = i;
    }
    return best;
  };
  const ordered = (l: number[]) => [...l].sort((a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : a - b));
  const { reqByTop, reqByAddr, reqByStack, respByStack, finals, reliable, indexOf, finalsByHop, hopReplies } = ix;
  messages.forEach((m, i) => {
    const id = m.id;
    if (m.retransmissionOf) add(indexOf.get(m.retransmissionOf), i, 'retransmission');
    if (id.callId === undefined || id.cseqNum === undefined) return;
    if (id.status !== undefined && id.cseqMethod) {
      // Its request on the same hop: same top Via branch, else reversed addresses (log chunks).
      const byTop = id.vias[0] ? earliest(reqByTop.get(J(id.callId, id.cseqNum, id.cseqMethod, id.vias[0]))) : undefined;
      add(byTop ?? earliest(reqByAddr.get(J(id.callId, id.cseqNum, id.cseqMethod, id.dst, id.src))), i, 'request before response');
    }
    if (id.isRequest && id.method) {
      // A proxy answers CANCEL itself and sends its own downstream (RFC 3261 §16.10): not a forward.
      if (id.vias.length >= 2 && id.method !== 'CANCEL') {
        add(earliest(reqByStack.get(J(id.callId, id.cseqNum, id.method, ix.below[i]))), i, 'received before forwarded');
      }
      if (id.method === 'ACK') {
        const f = finals.get(J(id.callId, id.cseqNum));
        const byAddr = earliest(f, (j) => messages[j]!.id.src === id.dst && messages[j]!.id.dst === id.src);
        const byBranch = id.vias[0] ? earliest(f, (j) => messages[j]!.id.vias[0] === id.vias[0]) : undefined;
        add(byAddr ?? byBranch, i, 'final response before ACK');
      }
      if (id.method === 'CANCEL' && id.vias[0]) {
        add(earliest(reqByTop.get(J(id.callId, id.cseqNum, 'INVITE', id.vias[0]))), i, 'INVITE before CANCEL');
      }
      if (id.method === 'PRACK' && id.rack) {
        add(earliest(reliable.get(J(id.callId, id.rack.cseq, id.rack.method, id.rack.rseq, id.dst, id.src))), i, 'reliable provisional before PRACK');
      }
    }
    // 100 Trying is hop-by-hop, never relayed (RFC 3261 §16.7 step 5), nor is a 200 to CANCEL (§16.10).
    if (id.status !== undefined && id.status > 100 && id.cseqMethod !== 'CANCEL' && id.vias.length >= 2 && !m.retransmissionOf) {
      // The relayed copy of this response (one Via fewer) comes after it. Several distinct
      // responses can share status and Via stack (two 183s, sngrep__ipv6frag.pcap): the k-th
      // received pairs with the k-th relayed.
      const received = ordered(respByStack.get(ix.relay[i]!) ?? []);
      const relayed = ordered(respByStack.get(ix.relayed[i]!) ?? []);
      const j = relayed[received.indexOf(i)];
      if (j !== undefined) add(i, j, 'received before relayed');
    }
  });
  // A client re-sends a challenged request with credentials only after the 401/407 came back
  // (RFC 3261 §22.2), and a UA sends no new REGISTER before the previous one's final response
  // (§10.2): that final, on the reverse hop, precedes the next CSeq of the same method.
  messages.forEach((m, i) => {
    const id = m.id;
    if (!id.isRequest || !id.method || id.cseqNum === undefined || m.retransmissionOf) return;
    if (id.method !== 'REGISTER' && !ix.credentials[i]) return;
    let best: number | undefined;
    for (const f of finalsByHop.get(J(id.callId, id.method, id.dst, id.src)) ?? []) {
      const n = messages[f]!.id.cseqNum!;
      const status = messages[f]!.id.status!;
      if (n >= id.cseqNum) continue;
      if (id.method !== 'REGISTER' && status !== 401 && status !== 407) continue;
      if (best === undefined || n > messages[best]!.id.cseqNum!) best = f;
    }
    add(best, i, id.method === 'REGISTER' ? 'final response before the next REGISTER' : 'challenge before the authenticated retry');
  });
  // Exact ties (whole-second clocks, KAZOO.md §7.4): one sender's CSeq only grows (RFC 3261
  // §8.1.1.5, §12.2.1.1), so among messages of the same instant, the same Call-ID and the same
  // From tag, a lower CSeq number comes first.
  const byInstant = new Map<string, number[]>();
  messages.forEach((m, i) => {
    const id = m.id;
    if (id.callId === undefined || id.cseqNum === undefined || m.retransmissionOf) return;
    const tag = m.observations[0]!.chunk.from_tag ?? '';
    push(byInstant, J(String(time(i)), id.callId, tag), i);
  });
  // Near ties (within NEAR_TIE_NS on the corrected timeline, where the recorders' own stamps
  // are not to be trusted: Kamailio's siptrace stamps a message when it traces it, not when it
  // leaves; 0.1–0.3 ms seen in KAZOO.md sets 1 and 3 and in the loopback topology test):
  // - a stateful proxy answers an INVITE with 100 Trying on receipt, before it forwards it
  //   (RFC 3261 §16.2, §17.2.1);
  //   (not: a 200 to CANCEL before cancelling downstream — RFC 3261 §16.10 says a proxy answers
  //   "immediately", but Kamailio was seen on the wire doing both, once answering only after the
  //   downstream 200 came back);
  // - a proxy's client transaction ACKs a non-2xx final response at once, before its TU relays
  //   the response upstream (RFC 3261 §17.1.1.3, §16.7).
  const near = (a: number, b: number) => { const d = time(a) - time(b); return d <= NEAR_TIE_NS && d >= -NEAR_TIE_NS; };
  messages.forEach((m, i) => {
    const id = m.id;
    if (!id.isRequest) return;
    if (id.method === 'ACK' && id.vias.length === 1) {
      // The non-2xx final this ACK acknowledges (from the ACK's target), then that final's
      // relayed copy upstream (same status, one Via fewer, sent by the ACK's sender).
      for (const [key, list] of hopReplies) {
        if (!key.startsWith(J('final', id.callId, id.cseqNum) + '\u0000')) continue;
        for (const f of list) {
          const acked = messages[f]!.id;
          if (acked.src !== id.dst || acked.dst !== id.src || acked.vias.length < 2) continue;
          for (const r of hopReplies.get(J('final', id.callId, id.cseqNum, acked.status, ix.below[f])) ?? []) {
            if (hostOf(messages[r]!.id.src) === hostOf(id.src) && near(i, r)) add(i, r, 'ACK of a non-2xx final before relaying it');
          }
        }
      }
      return;
    }
    if (id.vias.length < 2) return;
    for (const r of hopReplies.get(J('100', id.callId, id.cseqNum, id.method, ix.below[i])) ?? []) {
      if (hostOf(messages[r]!.id.src) !== undefined && hostOf(messages[r]!.id.src) === hostOf(id.src) && near(r, i)) {
        add(r, i, '100 Trying before forwarding');
      }
    }
  });
  for (const group of byInstant.values()) {
    // Link each CSeq level to the next one only: transitivity does the rest, linear in the group.
    const levels: Index = new Map();
    for (const i of group) push(levels, String(messages[i]!.id.cseqNum), i);
    const nums = [...new Set(group.map((i) => messages[i]!.id.cseqNum!))].sort((x, y) => x - y);
    for (let k = 0; k + 1 < nums.length; k++) {
      for (const a of levels.get(String(nums[k]))!) {
        for (const b of levels.get(String(nums[k + 1]))!) add(a, b, 'lower CSeq of the same sender at the same instant');
      }
    }
  }
  return out;
}

export interface CausalPlacement {
  /** Shift of each component (by root) on top of its shared-message offsets. */
  delta: Map<string, bigint>;
  /** Constraints that bounded each component. */
  support: Map<string, number>;
  notes: string[];
}

/** A nominal processing/transit delay used when only one bound is known. */
const NOMINAL_GAP_NS = 1_000_000n;

/**
 * Place components that share no message with the reference: choose the shift closest to zero
 * (clocks are assumed roughly right unless causality says otherwise) that satisfies every
 * constraint against already placed components.
 */
export function causalPlacement(components: { root: string; members: string[] }[], compOf: (i: number) => string | undefined,
  time: (i: number) => Instant, constraints: Constraint[]): CausalPlacement {
  const delta = new Map<string, bigint>();
  const support = new Map<string, number>();
  const notes: string[] = [];
  if (components.length === 0) return { delta, support, notes };
  delta.set(components[0]!.root, 0n);
  let pending = components.slice(1).map((c) => c.root);
  while (pending.length) {
    let progressed = false;
    for (const root of pending) {
      let lo: bigint | undefined, hi: bigint | undefined, n = 0;
      for (const c of constraints) {
        const ca = compOf(c.before), cb = compOf(c.after);
        if (ca === root && cb !== undefined && cb !== root && delta.has(cb)) {
          const b = time(c.after) + delta.get(cb)! - time(c.before);
          hi = hi === undefined || b < hi ? b : hi; n++;
        } else if (cb === root && ca !== undefined && ca !== root && delta.has(ca)) {
          const b = time(c.before) + delta.get(ca)! - time(c.after);
          lo = lo === undefined || b > lo ? b : lo; n++;
        }
      }
      if (n === 0) continue;
      let d: bigint;
      if ((lo === undefined || lo < 0n) && (hi === undefined || hi > 0n)) d = 0n;
      else if (lo !== undefined && hi !== undefined) {
        // Both bounds: the middle, the estimate with the smallest worst-case error.
        if (lo >= hi) notes.push(`clock of ${root}: causality bounds conflict; offset set between them`);
        d = (lo + hi) / 2n;
      } else if (lo !== undefined) d = lo + NOMINAL_GAP_NS;
      else d = hi! - NOMINAL_GAP_NS;
      delta.set(root, d);
      support.set(root, n);
      progressed = true;
    }
    pending = pending.filter((r) => !delta.has(r));
    if (!progressed) break;
  }
  for (const r of pending) delta.set(r, 0n);
  return { delta, support, notes };
}

/**
 * `extra` constraints that do not contradict `base`: each is kept only if it closes no cycle
 * with what is kept so far. Protocol rules (base) outrank a recorder's stamps (extra): under
 * load Kamailio stamped a sent INVITE milliseconds after it had already traced the 100 Trying
 * that answered it.
 */
export function withoutCycles(n: number, base: Constraint[], extra: Constraint[]): Constraint[] {
  const next: number[][] = Array.from({ length: n }, () => []);
  for (const c of base) next[c.before]!.push(c.after);
  const reaches = (from: number, to: number): boolean => {
    const seen = new Uint8Array(n);
    const stack = [from];
    while (stack.length) {
      const v = stack.pop()!;
      if (v === to) return true;
      if (seen[v]) continue;
      seen[v] = 1;
      for (const w of next[v]!) if (!seen[w]) stack.push(w);
    }
    return false;
  };
  const kept: Constraint[] = [];
  for (const c of extra) {
    if (reaches(c.after, c.before)) continue;
    next[c.before]!.push(c.after);
    kept.push(c);
  }
  return kept;
}
