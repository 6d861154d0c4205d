// Placeholder until this reader lands (being written now); reports every input as unsupported.
import type { Chunk } from '../../model/chunk.js';
import type { SourceContext } from '../source.js';

export async function* readSipdump(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  for await (const piece of input) ctx.progress(piece.length);
  ctx.skip('reader not implemented yet');
}
