// The dialogue of a call: observations → capture duplicates dropped → the same message from
// several capture points merged → clock offsets from shared messages (then from causality for
// capture points that share none) → causal order on the corrected timeline. Pure and
// deterministic: the same chunks in any order give the same dialogue.
import type { Chunk } from '../model/chunk.js';
import type { Instant } from '../model/time.js';
import type { CapturePointClock, Dialogue, DialogueMessage, DialogueOptions } from './types.js';
import { causalConstraints, causalIndex, causalPlacement, withoutCycles } from './causality.js';
import { clockTable, pickReference, sharedClocks } from './clocks.js';
import { missingParts } from './identity.js';
import type { ChunkHead } from './head.js';
import { kazooReorder } from './kazoo.js';
import { compareChunks, dropCaptureDuplicates, mergeObservations, observe, type MergedMessage } from './merge.js';
import { causalOrder, type OrderKey } from './order.js';
import { captureHosts, captureSequenceConstraints, senderObservation } from './capture-sequence.js';

export function buildDialogue(chunks: Chunk[], opts: DialogueOptions = {}): Dialogue {
  return opts.kazoo ? kazooDialogue(chunks, opts) : correctedDialogue(chunks, opts);
}

/** Canonical order of two observations of the same clock: time, capture point, source position, id. */
export function compareObservations(a: Chunk, b: Chunk): number {
  return compareChunks(a, b);
}

export function dialogEntities(messages: { src?: string; dst?: string }[]): string[] {
  const seen = new Set<string>();
  for (const m of messages) {
    if (m.src) seen.add(m.src);
    if (m.dst) seen.add(m.dst);
  }
  return [...seen];
}

function callIdsOf(chunks: Chunk[]): string[] {
  return [...new Set(chunks.map((c) => c['call-id']).filter((x): x is string => x !== undefined))].sort();
}

function correctedDialogue(chunks: Chunk[], opts: DialogueOptions): Dialogue {
  const notes: string[] = [];
  const heads = new Map<Chunk, ChunkHead>();
  const { kept, dropped } = dropCaptureDuplicates(observe(chunks, heads));
  if (kept.length === 0) return { callIds: [], messages: [], clocks: [], entities: [], duplicatesDropped: 0, notes };
  const { ref, note } = pickReference(kept, opts.refParser);
  if (note) notes.push(note);
  const counts = new Map<string, number>();
  for (const o of kept) counts.set(o.chunk.parser, (counts.get(o.chunk.parser) ?? 0) + 1);
  const parsers = [...counts.keys()].sort();

  // Pair copies by position first, estimate clocks, then pair again by corrected time.
  const first = mergeObservations(kept, ref);
  const sc1 = sharedClocks(parsers, counts, ref, first);
  // With one capture point there are no copies to pair and no clocks to estimate: the second
  // pass would give the first one's messages again.
  const single = parsers.length === 1;
  const merged = single ? first : mergeObservations(kept, ref, sc1.offsets);
  const sc = single ? sc1 : sharedClocks(parsers, counts, ref, merged);
  const compOfParser = new Map<string, string>();
  for (const c of sc.components) for (const p of c.members) compOfParser.set(p, c.root);

  // A message's time is its representative's sighting (the reference capture point's when it
  // saw it): one capture point's own timeline is self-consistent, while mixing in corrected
  // times of others adds their estimation error (KAZOO.md §10.2: the FreeSWITCH feed lags ~2 ms).
  const timeWith = (offsets: (p: string) => bigint): Instant[] => merged.map((m) => {
    const o = m.observations[0]!;
    return o.local + offsets(o.chunk.parser);
  });
  const compTimes = timeWith((p) => sc.offsets.get(p) ?? 0n);
  const cix = causalIndex(merged);
  // Only components placed by causality use these bounds (causalPlacement ignores them for one).
  const c0 = sc.components.length > 1 ? causalConstraints(merged, (i) => compTimes[i]!, cix) : [];
  const placement = causalPlacement(sc.components, (i) => compOfParser.get(merged[i]!.observations[0]!.chunk.parser),
    (i) => compTimes[i]!, c0);
  notes.push(...placement.notes);
  const offsets = new Map<string, bigint>();
  for (const p of parsers) offsets.set(p, (sc.offsets.get(p) ?? 0n) + (placement.delta.get(compOfParser.get(p)!) ?? 0n));
  // The final timeline dates each message by its sender's sighting where a capture point sits
  // on the sender (capture-sequence.ts senderObservation), else as above.
  const hosts = captureHosts(kept);
  const times = merged.map((m) => {
    const o = senderObservation(m, hosts);
    return o.local + (offsets.get(o.chunk.parser) ?? 0n);
  });
  const protocol = causalConstraints(merged, (i) => times[i]!, cix);
  const constraints = [...protocol, ...withoutCycles(merged.length, protocol, captureSequenceConstraints(merged))];

  const keys: OrderKey[] = merged.map((m, i) => {
    const c = m.observations[0]!.chunk;
    return { time: times[i]!, parser: c.parser, pos: c.source?.frame ?? c.source?.line ?? c.source?.offset ?? 0, id: c.id };
  });
  const { order, moved, broken } = causalOrder(keys, constraints);
  if (broken.length) notes.push(`${broken.length} causality constraint(s) contradict each other; broken by time order`);

  const position = new Map<MergedMessage, number>();
  order.forEach((mi, pos) => position.set(merged[mi]!, pos));
  const messages: DialogueMessage[] = order.map((mi, index) => {
    const m = merged[mi]!;
    const chunk = m.observations[0]!.chunk;
    const msg: DialogueMessage = { index, chunk, observations: m.observations.map((o) => o.chunk), time: times[mi]!, src: chunk.src, dst: chunk.dst };
    if (m.retransmissionOf) msg.retransmissionOf = position.get(m.retransmissionOf);
    const why: string[] = [];
    if (m.id.annotation) why.push('log annotation (no addresses): placed by its time');
    else {
      const missing = missingParts(m.id);
      if (missing.length) why.push(`no ${missing.join(', ')}: placed by its time only`);
    }
    const mv = moved.get(mi);
    if (mv) why.push(`placed after a message its clock says is later (${mv})`);
    if (why.length) msg.note = why.join('; ');
    return msg;
  });

  const method = new Map<string, CapturePointClock['method']>();
  const support = new Map<string, number>();
  for (const comp of sc.components) {
    for (const p of comp.members) {
      if (p === comp.root) {
        const causal = placement.support.get(p) ?? 0;
        method.set(p, causal > 0 ? 'causal' : 'none');
        support.set(p, causal);
      } else {
        method.set(p, 'shared');
        support.set(p, sc.support.get(p) ?? 0);
      }
    }
  }
  if (dropped.length) notes.push(`${dropped.length} capture duplicate(s) dropped (same capture point, same bytes, within 50 ms)`);
  const d: Dialogue = {
    callIds: callIdsOf(kept.map((o) => o.chunk)),
    messages,
    clocks: clockTable(parsers, counts, ref, offsets, support, method),
    entities: dialogEntities(messages),
    duplicatesDropped: dropped.length,
    notes,
  };
  // Not enumerable: a reading aid for the analysis, not part of the dialogue's value.
  Object.defineProperty(d, 'heads', { value: heads, enumerable: false });
  return d;
}

function kazooDialogue(chunks: Chunk[], opts: DialogueOptions): Dialogue {
  const r = kazooReorder(chunks, opts.refParser);
  const messages: DialogueMessage[] = r.ordered.map((c, index) => ({
    index, chunk: c, observations: [c], time: BigInt(c.ref_ts), src: c.src, dst: c.dst,
  }));
  const counts = new Map<string, number>();
  for (const c of chunks) counts.set(c.parser, (counts.get(c.parser) ?? 0) + 1);
  const parsers = [...counts.keys()].sort();
  return {
    callIds: callIdsOf(chunks),
    messages,
    clocks: r.ref === undefined ? [] : clockTable(parsers, counts, r.ref, new Map(), new Map(), new Map()),
    entities: dialogEntities(messages),
    duplicatesDropped: r.dropped,
    notes: ['Kazoo-compatible order (collector time, CSeq groups as strings, reference capture point as skeleton)', ...r.notes],
  };
}
