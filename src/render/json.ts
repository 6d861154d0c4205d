// JSON shapes jq users rely on: `json` is the original's callid_details output (an array of
// chunks in dialogue order) with our extension keys; `ndjson` is one chunk per line.
import { chunkToJson } from '../model/chunk.js';
import type { Dialogue, DialogueMessage } from '../dialogue/types.js';

/** A chunk object as shown: the representative chunk plus where the dialogue put it. */
export function messageJson(m: DialogueMessage): Record<string, unknown> {
  const o = chunkToJson(m.chunk);
  o.index = m.index;
  if (m.observations.length > 1) o.seen_by = m.observations.map((c) => ({ parser: c.parser, id: c.id, ts: c.ts, ref_ts: c.ref_ts }));
  if (m.retransmissionOf !== undefined) o.retransmission_of = m.retransmissionOf;
  if (m.note) o.note = m.note;
  return o;
}

export function renderJson(d: Dialogue): string {
  return JSON.stringify(d.messages.map(messageJson)) + '\n';
}

export function renderNdjson(d: Dialogue): string {
  return d.messages.map((m) => JSON.stringify(messageJson(m)) + '\n').join('');
}
