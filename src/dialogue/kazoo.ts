// Kazoo-compatible ordering: the original's reorder_dialog and pick_ref_parser (KAZOO.md §7),
// step by step, its quirks included (CSeq groups compared as strings, first-label matching,
// the second pass that inserts a chunk once per ref_timestamp tie), so that `show --kazoo`
// gives what call_inspector gave. Three deliberate differences, where the original crashed:
// a chunk without c_seq goes to the group "" (the original failed the whole lookup), a c_seq
// without a space is its own group key, and ties in the reference choice go to the smallest name
// (the original left them to hash order). Ports are compared as text (we never produce
// integer/string mixes).
import type { Chunk } from '../model/chunk.js';

/** The collector time as the original compared it: the float value of ref_timestamp. */
function refValue(c: Chunk): number {
  const v = Number(c.ref_timestamp);
  return Number.isFinite(v) ? v : Number(BigInt(c.ref_ts)) / 1e9 + 62167219200;
}

export function kazooRefParser(chunks: Chunk[]): string | undefined {
  const counts = new Map<string, number>();
  for (const c of chunks) counts.set(c.parser, (counts.get(c.parser) ?? 0) + 1);
  let best: string | undefined;
  for (const [p, n] of counts) {
    if (best === undefined || n > counts.get(best)! || (n === counts.get(best)! && p < best)) best = p;
  }
  return best;
}

function groupKey(c: Chunk): string {
  if (c.c_seq === undefined) return '';
  const sp = c.c_seq.indexOf(' ');
  return sp < 0 ? c.c_seq : c.c_seq.slice(0, sp);
}

/** The original's duplicate test: source and destination address and port, and label, all equal. */
function sameKazoo(a: Chunk, b: Chunk): boolean {
  return a.src === b.src && a.dst === b.dst && a.label === b.label;
}

/** JS sort is stable (ES2019), as Erlang's lists:sort/2 on the original's comparator. */
function sortByRef(cs: Chunk[]): Chunk[] {
  return [...cs].sort((a, b) => refValue(a) - refValue(b));
}

export interface KazooResult {
  ordered: Chunk[];
  ref?: string;
  dropped: number;
  notes: string[];
}

export function kazooReorder(chunks: Chunk[], refOverride?: string): KazooResult {
  if (chunks.length === 0) return { ordered: [], dropped: 0, notes: [] };
  const notes: string[] = [];
  const ref = refOverride ?? kazooRefParser(chunks)!;
  const groups = new Map<string, Chunk[]>();
  for (const c of chunks) {
    const k = groupKey(c);
    if (c.c_seq === undefined) notes.push(`chunk ${c.id} has no c_seq (the original crashed here); grouped under ""`);
    let g = groups.get(k);
    if (!g) { g = []; groups.set(k, g); }
    g.push(c);
  }
  // Erlang compares binaries bytewise: for these ASCII keys the same as JS string comparison.
  const keys = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ordered: Chunk[] = [];
  let dropped = 0;
  for (const k of keys) {
    const sorted = sortByRef(groups.get(k)!);
    const R = sorted.filter((c) => c.parser === ref);
    const O0 = sorted.filter((c) => c.parser !== ref);
    const O = O0.filter((c) => !R.some((r) => sameKazoo(r, c)));
    dropped += O0.length - O.length;
    let L = [...R];
    const left: Chunk[] = [];
    // First pass: next to the first chunk with the same label, if it is its next or previous hop.
    for (const c of O) {
      const x = L.findIndex((l) => l.label === c.label);
      if (x < 0) { left.push(c); continue; }
      const fwd = L[x]!.dst === c.src, bwd = L[x]!.src === c.dst;
      if (fwd && !bwd) L.splice(x + 1, 0, c);
      else if (bwd && !fwd) L.splice(x, 0, c);
      else left.push(c);
    }
    // Second pass: after the last chunk of the same capture point with a smaller ref_timestamp,
    // walking L in list order and stopping at the first that is not smaller; inserted after
    // every chunk sharing that anchor's ref_timestamp (the original's tie bug, KAZOO.md §8.5).
    const still: Chunk[] = [];
    for (const c of left) {
      let anchor: Chunk | undefined;
      for (const l of L) {
        if (l.parser !== c.parser) continue;
        if (refValue(l) < refValue(c)) anchor = l; else break;
      }
      if (!anchor) { still.push(c); continue; }
      const at = refValue(anchor);
      const next: Chunk[] = [];
      for (const l of L) {
        next.push(l);
        if (refValue(l) === at) next.push(c);
      }
      L = next;
    }
    for (const c of L) ordered.push(c); // not push(...L): a long-lived Call-ID's chunks overflow the call stack
    for (const c of still) ordered.push(c);
  }
  return { ordered, ref, dropped, notes };
}
