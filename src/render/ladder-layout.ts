// Horizontal layout of a ladder, in character cells: where each entity's lifeline goes so that
// every header name and every arrow label fits, and how far labels must be cut to fit a width.
// Used by the terminal ladder and (in cells of a monospace font) by the HTML page.
import type { Dialogue, DialogueMessage } from '../dialogue/types.js';

/** The column of a message whose source or destination is not known. */
export const UNKNOWN_ENTITY = '?';

/** A Kamailio log transaction without addresses: a line across the diagram, not an arrow. */
export function isAnnotation(m: DialogueMessage): boolean {
  return m.chunk.kind === 'log' && !m.src && !m.dst;
}

/** Ladder columns: the dialogue's entities, any endpoint it did not list, then `?` if needed. */
export function ladderColumns(d: Dialogue): string[] {
  const entities = [...d.entities];
  for (const m of d.messages) {
    if (isAnnotation(m)) continue;
    for (const e of [m.src, m.dst]) if (e && !entities.includes(e)) entities.push(e);
  }
  if (d.messages.some((m) => !isAnnotation(m) && (!m.src || !m.dst)) && !entities.includes(UNKNOWN_ENTITY)) entities.push(UNKNOWN_ENTITY);
  if (entities.length === 0) entities.push(UNKNOWN_ENTITY);
  return entities;
}

export interface LabelSpan {
  /** Columns of the two ends; lo === hi is a self-arrow. */
  lo: number;
  hi: number;
  /** Label width in cells. */
  width: number;
}

export interface ColumnLayout {
  /** Cells before the first lifeline (room for half of the first name). */
  lead: number;
  /** Cells from lifeline i to lifeline i+1. */
  gaps: number[];
  /** Cells after the last lifeline (half of the last name, self-arrow labels on it). */
  tail: number;
  /** Padding on each side of a label inside its arrow. */
  pad: number;
  /** The width every label was capped at (Infinity: none cut). */
  cap: number;
  /** The width every header name was capped at (Infinity: none cut). */
  nameCap: number;
}

/** A self-arrow is drawn `├─┐ label`: the loop takes this many cells before the label. */
export const SELF_LOOP = 4;
const MIN_GAP = 6;

export function layoutColumns(names: number[], spans: LabelSpan[], pad: number, cap = Infinity, nameCap = Infinity): ColumnLayout {
  const n = Math.max(1, names.length);
  const w = names.map((x) => Math.min(x, nameCap));
  const gaps = new Array<number>(n - 1).fill(MIN_GAP);
  let lead = Math.ceil((w[0] ?? 1) / 2);
  let tail = Math.ceil((w[n - 1] ?? 1) / 2);
  for (let i = 0; i < n - 1; i++) gaps[i] = Math.max(gaps[i]!, Math.ceil(w[i]! / 2) + Math.floor(w[i + 1]! / 2) + 1 + pad);
  // Direct neighbours and self-arrows first, then longer spans take what is still missing,
  // spread evenly over the gaps they cross.
  const sorted = [...spans].sort((a, b) => (a.hi - a.lo) - (b.hi - b.lo) || a.lo - b.lo);
  for (const s of sorted) {
    const lw = Math.min(s.width, cap);
    if (s.lo === s.hi) {
      const need = SELF_LOOP + lw + pad;
      if (s.lo >= n - 1) tail = Math.max(tail, need);
      else gaps[s.lo] = Math.max(gaps[s.lo]!, need + 1);
      continue;
    }
    const need = lw + 2 * pad + 1;
    let have = 0;
    for (let i = s.lo; i < s.hi; i++) have += gaps[i]!;
    let deficit = need - have;
    if (deficit <= 0) continue;
    for (let i = s.lo; i < s.hi; i++) {
      const add = Math.ceil(deficit / (s.hi - i));
      gaps[i] = gaps[i]! + add;
      deficit -= add;
    }
  }
  return { lead, gaps, tail, pad, cap, nameCap };
}

/** Cells from the first cell before the lead to the end of the tail, lifelines included. */
export function layoutWidth(l: ColumnLayout): number {
  return l.lead + l.gaps.reduce((a, b) => a + b, 0) + 1 + l.tail;
}

/**
 * The widest layout that fits `available` cells: full labels with comfortable padding if
 * possible, else tighter padding, else labels capped at the largest width that fits, and
 * only then the header names too (an address is worth more than the tail of a label). When
 * nothing fits (too many entities), the tightest layout is returned.
 */
export function fitLayout(names: number[], spans: LabelSpan[], available: number): ColumnLayout {
  for (const pad of [2, 1]) {
    const l = layoutColumns(names, spans, pad);
    if (layoutWidth(l) <= available) return l;
  }
  const fits = (cap: number, nameCap: number) => layoutWidth(layoutColumns(names, spans, 1, cap, nameCap)) <= available;
  // reduce, not Math.max(...): a Call-ID kept for weeks (keepalives) can have 10^5 messages.
  const longestLabel = spans.reduce((w, s) => Math.max(w, s.width), 1);
  const longestName = names.reduce((w, n) => Math.max(w, n), 1);
  // Below this a label is little more than its ellipsis.
  const minLabel = Math.min(8, longestLabel);
  if (fits(minLabel, Infinity)) return layoutColumns(names, spans, 1, largest(minLabel, longestLabel, (c) => fits(c, Infinity)));
  const nameCap = largest(3, longestName, (c) => fits(3, c));
  return layoutColumns(names, spans, 1, largest(3, minLabel, (c) => fits(c, nameCap)), nameCap);
}

/** The largest x in [lo, hi] with ok(x), for a monotone ok; lo when none. */
function largest(lo: number, hi: number, ok: (x: number) => boolean): number {
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Lifeline positions (cells from the start of the diagram). */
export function lifelines(l: ColumnLayout): number[] {
  const xs = [l.lead];
  for (const g of l.gaps) xs.push(xs[xs.length - 1]! + g);
  return xs;
}
