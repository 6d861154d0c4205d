// Placeholder until the capture readers land (being written now).
import type { Chunk } from '../model/chunk.js';
import type { SourceContext } from '../sources/source.js';

export async function* readCaptureFile(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  for await (const piece of input) ctx.progress(piece.length);
  ctx.skip('reader not implemented yet');
}
export const readHepStream = readCaptureFile;
