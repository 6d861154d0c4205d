// What the store keeps of a chunk once it is built: its call, its id, its JSON line and the leg
// keys it carries. Writers batch these rather than Chunk objects: the line is made once, where the
// chunk is built (for `listen`, on the receiving thread, so that the store thread only does I/O),
// and a batch of strings is cheap to hand to another thread and small to hold.
import type { Chunk } from '../model/chunk.js';
import { legKeys } from '../dialogue/related.js';
import { NO_CALL_ID } from './layout.js';
import { flatten } from '../model/text.js';
import { callIdOf, storeLine } from './store.js';

export interface PreparedChunk {
  callId: string;
  id: string;
  /** The store line, without its newline (store.ts storeLine). */
  line: string;
  /** Correlation keys for the leg index (none for chunks without a Call-ID). */
  legs: string[];
}

export function prepareChunk(c: Chunk): PreparedChunk {
  const callId = callIdOf(c);
  return {
    callId,
    id: c.id,
    line: flatten(storeLine(c)), // held until its batch is written: one flat string, not a tree
    legs: callId === NO_CALL_ID ? [] : legKeys(c).map((k) => k.key),
  };
}
