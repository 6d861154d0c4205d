// Chunk JSON input: the original's `callid_details` output (a JSON array of chunks), its
// `inspect_call_id` object, and this tool's own json/ndjson output, so that stores can be merged.
// The chunks keep their own capture point (`parser`); our extension keys are re-derived when absent.
import { chunkFromJson, type Chunk } from '../model/chunk.js';
import { enrichFromRaw } from '../sip/chunk-builder.js';
import type { SourceContext } from './source.js';

const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;

export async function* readChunksJson(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  // NDJSON is read line by line; a single JSON document (array or object) is buffered whole.
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  let mode: 'unknown' | 'document' | 'lines' = 'unknown';
  let carry = '';
  let offset = ctx.startOffset;
  for await (const piece of input) {
    ctx.progress(piece.length);
    if (mode === 'unknown') {
      const head = (carry + piece.toString('utf8')).trimStart();
      if (head.length === 0) { carry += piece.toString('utf8'); continue; }
      mode = head.startsWith('[') || !looksLikeNdjson(head) ? 'document' : 'lines';
    }
    if (mode === 'document') {
      buffered.push(piece);
      bufferedBytes += piece.length;
      if (bufferedBytes > MAX_DOCUMENT_BYTES) {
        ctx.skip('json document too large (use ndjson)');
        return;
      }
      continue;
    }
    const text = carry + piece.toString('utf8');
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      const lineOffset = offset;
      offset += Buffer.byteLength(line) + 1;
      const c = lineToChunk(line, ctx);
      if (c) yield c;
      ctx.checkpoint(offset);
      void lineOffset;
    }
  }
  if (mode === 'lines') {
    if (carry.trim() !== '') {
      const c = lineToChunk(carry, ctx);
      if (c) yield c;
    }
    return;
  }
  if (mode === 'document') {
    let doc: unknown;
    try {
      doc = JSON.parse(Buffer.concat(buffered).toString('utf8'));
    } catch {
      ctx.skip('invalid json document');
      return;
    }
    for (const c of documentChunks(doc, ctx)) yield c;
  }
}

function looksLikeNdjson(head: string): boolean {
  const first = head.split('\n', 1)[0]!.trim();
  if (!first.startsWith('{')) return false;
  try {
    JSON.parse(first);
    return true;
  } catch {
    return false;
  }
}

function lineToChunk(line: string, ctx: SourceContext): Chunk | undefined {
  if (line.trim() === '') return undefined;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    ctx.skip('invalid json line');
    return undefined;
  }
  return objectToChunk(o, ctx);
}

function* documentChunks(doc: unknown, ctx: SourceContext): Generator<Chunk> {
  if (Array.isArray(doc)) {
    for (const o of doc) {
      const c = objectToChunk(o, ctx);
      if (c) yield c;
    }
    return;
  }
  if (typeof doc === 'object' && doc !== null) {
    const o = doc as Record<string, unknown>;
    // inspect_call_id shape: messages without their call-id key.
    if (Array.isArray(o.messages)) {
      for (const m of o.messages) {
        const withId = typeof m === 'object' && m !== null && typeof o['call-id'] === 'string' && !('call-id' in m)
          ? { 'call-id': o['call-id'], ...(m as object) } : m;
        const c = objectToChunk(withId, ctx);
        if (c) yield c;
      }
      return;
    }
    const c = objectToChunk(o, ctx);
    if (c) yield c;
    return;
  }
  ctx.skip('json is not a chunk, an array of chunks or an inspect object');
}

function objectToChunk(o: unknown, ctx: SourceContext): Chunk | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    ctx.skip('json value is not a chunk object');
    return undefined;
  }
  const c = chunkFromJson(o as Record<string, unknown>);
  if (!c) {
    ctx.skip('json object lacks chunk keys or has unreadable times');
    return undefined;
  }
  return enrichFromRaw(c);
}
