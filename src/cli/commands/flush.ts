// `flush`: delete one call, calls older than a duration, or everything. Only files of the
// store layout inside a directory carrying the store marker are ever deleted.
import { createInterface } from 'node:readline/promises';
import { parseDuration } from '../../model/time.js';
import { CommandError, diag, UsageError } from '../output.js';
import { openStore } from './common.js';

export async function run(argv: Record<string, unknown>): Promise<number> {
  const store = openStore(argv, false);
  const callId = argv['call-id'] as string | undefined;
  const olderThan = argv['older-than'] as string | undefined;
  if (callId !== undefined && olderThan !== undefined) throw new UsageError('give either a Call-ID or --older-than, not both');
  if (callId !== undefined) {
    const existed = await store.flushCall(callId);
    if (!existed) throw new CommandError(`no call with Call-ID '${callId}' in ${store.root}`);
    diag(`flush: deleted ${callId}`);
    return 0;
  }
  if (olderThan !== undefined) {
    const ns = parseDuration(olderThan);
    if (ns === undefined) throw new UsageError(`--older-than wants a duration such as 7d, 12h or 30m, not '${olderThan}'`);
    const cutoff = Date.now() - Number(ns / 1_000_000n);
    const r = await store.flushFiles(cutoff);
    diag(`flush: deleted ${r.deleted} call(s) not written for ${olderThan}; kept ${r.kept}`);
    return 0;
  }
  if (!argv.yes) {
    if (!process.stdin.isTTY || !process.stderr.isTTY) throw new UsageError('flush without a Call-ID deletes every call: add --yes');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Delete every call in ${store.root}? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) { diag('flush: nothing deleted'); return 1; }
  }
  const r = await store.flushFiles();
  diag(`flush: deleted ${r.deleted} call(s) from ${store.root}`);
  return 0;
}
