// `reindex`: rebuild the list index from the call files (the source of truth), streaming.
import { reindexStore, type ReindexProgress } from '../../store/call-index/index.js';
import { CommandError, diag, writeOut } from '../output.js';
import { openStore } from './common.js';

export async function run(argv: Record<string, unknown>): Promise<number> {
  const store = openStore(argv, false);
  const tty = Boolean(process.stderr.isTTY) && !argv.quiet;
  const started = Date.now();
  let last = 0;
  const progress = (p: ReindexProgress) => {
    if (!tty) return;
    const now = Date.now();
    if (now - last < 150) return;
    last = now;
    const rate = p.files / Math.max(0.001, (now - started) / 1000);
    process.stderr.write(`\rreindex: ${p.files} call files, ${Math.round(rate)}/s\x1b[K`);
  };
  let result: ReindexProgress;
  try {
    result = await reindexStore(store, progress);
  } catch (e) {
    throw new CommandError(`reindex: ${(e as Error).message}`);
  }
  if (tty) process.stderr.write('\r\x1b[K');
  const secs = (Date.now() - started) / 1000;
  if (argv.json) await writeOut(JSON.stringify({ store: store.root, ...result, seconds: secs }) + '\n');
  else if (!argv.quiet) diag(`reindex: ${store.root}: ${result.files} call files, ${result.rows} calls indexed, ${result.empty} without a readable chunk, in ${secs.toFixed(1)} s`);
  return 0;
}
