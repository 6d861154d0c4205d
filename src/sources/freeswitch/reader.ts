// FreeSWITCH sofia siptrace reader (format 'freeswitch', FORMATS.md §8): the text trace of the
// console / freeswitch.log in every layout (trace.ts), or the sofia dump file (dump-file.ts),
// chosen from the first bytes (or from the checkpoint when resuming mid-file).
import type { Chunk } from '../../model/chunk.js';
import type { SourceContext } from '../source.js';
import { isDumpFile, readDumpFile } from './dump-file.js';
import { parseResume, readTrace } from './trace.js';

const SNIFF_BYTES = 64 * 1024;

export async function* readFreeswitchLog(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  const resume = ctx.startOffset > 0 ? parseResume(ctx.resumeContext) : undefined;
  const it = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let have = 0;
  let done = false;
  if (!resume) {
    while (have < SNIFF_BYTES) {
      const r = await it.next();
      if (r.done) { done = true; break; }
      head.push(r.value);
      have += r.value.length;
    }
  }
  const replay = (async function* () {
    for (const h of head) yield h;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const dump = resume ? resume.mode === 'dump' : isDumpFile(Buffer.concat(head).subarray(0, SNIFF_BYTES));
  if (dump) yield* readDumpFile(replay, ctx, resume);
  else yield* readTrace(replay, ctx, resume);
}
