// Interim ordering until clock-offset estimation lands: best time available (collector time),
// stably, with the capture point and source position as tie-breakers.
import type { Chunk } from '../model/chunk.js';
import type { Dialogue, DialogueMessage, DialogueOptions } from './types.js';

export function buildDialogue(chunks: Chunk[], _opts: DialogueOptions = {}): Dialogue {
  const sorted = [...chunks].sort(compareObservations);
  const messages: DialogueMessage[] = sorted.map((c, index) => ({
    index, chunk: c, observations: [c], time: BigInt(c.ref_ts), src: c.src, dst: c.dst,
  }));
  return {
    callIds: [...new Set(sorted.map((c) => c['call-id']).filter((x): x is string => x !== undefined))],
    messages,
    clocks: [],
    entities: dialogEntities(messages),
    duplicatesDropped: 0,
    notes: [],
  };
}

export function compareObservations(a: Chunk, b: Chunk): number {
  const ta = BigInt(a.ref_ts), tb = BigInt(b.ref_ts);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.parser !== b.parser) return a.parser < b.parser ? -1 : 1;
  const pa = a.source?.offset ?? a.source?.frame ?? 0, pb = b.source?.offset ?? b.source?.frame ?? 0;
  if (pa !== pb) return pa - pb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function dialogEntities(messages: { src?: string; dst?: string }[]): string[] {
  const seen = new Set<string>();
  for (const m of messages) {
    if (m.src) seen.add(m.src);
    if (m.dst) seen.add(m.dst);
  }
  return [...seen];
}
