// Per-capture-point clock offsets (KAZOO.md §9.2). A message seen by two capture points gives
// one difference of their clocks plus or minus the hop's transit time; with messages in both
// directions of a hop the transit time cancels: offset ≈ ((t_recvB − t_sendA) + (t_sendB − t_recvA)) / 2.
// Medians make it robust to a few late deliveries. Capture points that share no message with
// the reference are placed later from causality bounds (causality.ts).
import type { CapturePointClock } from './types.js';
import type { MergedMessage, Observation } from './merge.js';

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

export function median(xs: bigint[]): bigint {
  const s = [...xs].sort(cmp);
  const n = s.length;
  if (n === 0) return 0n;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2n;
}

/** The reference capture point: the override, else the one with the most observations, ties by name. */
export function pickReference(obs: Observation[], override?: string): { ref: string; note?: string } {
  const counts = new Map<string, number>();
  for (const o of obs) counts.set(o.chunk.parser, (counts.get(o.chunk.parser) ?? 0) + 1);
  if (override !== undefined) {
    if (counts.has(override)) return { ref: override };
    const best = pickByCount(counts);
    return { ref: best, note: `--ref-parser '${override}' has no chunk in this dialogue; using '${best}'` };
  }
  return { ref: pickByCount(counts) };
}

function pickByCount(counts: Map<string, number>): string {
  let best: string | undefined;
  for (const [p, n] of counts) {
    const bn = best === undefined ? -1 : counts.get(best)!;
    if (n > bn || (n === bn && p < best!)) best = p;
  }
  return best ?? 'unknown';
}

interface PairEstimate {
  /** offset(b) − offset(a), ns. */
  rel: bigint;
  support: number;
}

/** Pairwise estimates from messages seen by several capture points. Key "a\0b" with a < b. */
export function pairEstimates(messages: MergedMessage[]): Map<string, PairEstimate> {
  // pair → hop (unordered address pair) → differences t_b − t_a per direction
  const diffs = new Map<string, Map<string, { f: bigint[]; r: bigint[] }>>();
  for (const m of messages) {
    if (m.observations.length < 2) continue;
    const firstPerParser = new Map<string, Observation>();
    for (const o of m.observations) if (!firstPerParser.has(o.chunk.parser)) firstPerParser.set(o.chunk.parser, o);
    const ps = [...firstPerParser.keys()].sort();
    const src = m.id.src ?? '', dst = m.id.dst ?? '';
    const hop = src < dst ? `${src}\u0000${dst}` : `${dst}\u0000${src}`;
    const forward = src <= dst;
    for (let i = 0; i < ps.length; i++) {
      for (let j = i + 1; j < ps.length; j++) {
        const a = firstPerParser.get(ps[i]!)!, b = firstPerParser.get(ps[j]!)!;
        const key = `${ps[i]}\u0000${ps[j]}`;
        let hops = diffs.get(key);
        if (!hops) { hops = new Map(); diffs.set(key, hops); }
        let d = hops.get(hop);
        if (!d) { d = { f: [], r: [] }; hops.set(hop, d); }
        (forward ? d.f : d.r).push(b.local - a.local);
      }
    }
  }
  const out = new Map<string, PairEstimate>();
  for (const [key, hops] of diffs) {
    const perHop: bigint[] = [];
    let support = 0;
    for (const hk of [...hops.keys()].sort()) {
      const d = hops.get(hk)!;
      support += d.f.length + d.r.length;
      // Both directions: the transit time cancels out. One direction: it stays in (≈ ms).
      const avg = d.f.length && d.r.length ? (median(d.f) + median(d.r)) / 2n : median(d.f.length ? d.f : d.r);
      perHop.push(avg);
    }
    // t_b − t_a = offset(a) − offset(b) (+ transit): offset(b) − offset(a) = −avg.
    out.set(key, { rel: -median(perHop), support });
  }
  return out;
}

export interface SharedClocks {
  /** Offset of every capture point relative to its component's root (the reference for its component). */
  offsets: Map<string, bigint>;
  support: Map<string, number>;
  /** Connected components of the "shares a message with" graph; the reference's first. */
  components: { root: string; members: string[] }[];
}

/**
 * Offsets along a maximum-support spanning tree grown from the reference (Prim), ties by name:
 * deterministic, and each capture point is tied to the reference through its best-supported link.
 */
export function sharedClocks(parsers: string[], counts: Map<string, number>, ref: string, messages: MergedMessage[]): SharedClocks {
  const est = pairEstimates(messages);
  const edges = new Map<string, { to: string; rel: bigint; support: number }[]>();
  for (const [key, e] of est) {
    const [a, b] = key.split('\u0000') as [string, string];
    if (!edges.has(a)) edges.set(a, []);
    if (!edges.has(b)) edges.set(b, []);
    edges.get(a)!.push({ to: b, rel: e.rel, support: e.support });
    edges.get(b)!.push({ to: a, rel: -e.rel, support: e.support });
  }
  const offsets = new Map<string, bigint>();
  const support = new Map<string, number>();
  const components: SharedClocks['components'] = [];
  const order = [ref, ...[...parsers].filter((p) => p !== ref).sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : 1))];
  for (const root of order) {
    if (offsets.has(root)) continue;
    offsets.set(root, 0n);
    support.set(root, 0);
    const members = [root];
    for (;;) {
      let best: { from: string; to: string; rel: bigint; support: number } | undefined;
      for (const from of members) {
        for (const e of edges.get(from) ?? []) {
          if (offsets.has(e.to)) continue;
          if (!best || e.support > best.support || (e.support === best.support && (e.to < best.to || (e.to === best.to && from < best.from)))) {
            best = { from, ...e };
          }
        }
      }
      if (!best) break;
      offsets.set(best.to, offsets.get(best.from)! + best.rel);
      support.set(best.to, best.support);
      members.push(best.to);
    }
    components.push({ root, members });
  }
  return { offsets, support, components };
}

export function clockTable(parsers: string[], counts: Map<string, number>, ref: string, offsets: Map<string, bigint>,
  support: Map<string, number>, method: Map<string, CapturePointClock['method']>): CapturePointClock[] {
  return [...parsers].sort((a, b) => (a === ref ? -1 : b === ref ? 1 : a < b ? -1 : a > b ? 1 : 0)).map((p) => ({
    parser: p,
    offset: offsets.get(p) ?? 0n,
    support: support.get(p) ?? 0,
    method: p === ref ? 'reference' : method.get(p) ?? 'none',
    chunks: counts.get(p) ?? 0,
  }));
}
