// `parsers` and `parsers stop NAME`: the original's list_active_parsers / stop_active_parser
// (KAZOO.md §4.1) over the run entries in <store>/.run.
import { findRun, isAlive, listRuns } from '../../store/runtime.js';
import { CommandError, diag, UsageError, writeOut } from '../output.js';
import { storeRoot } from './common.js';

export async function run(argv: Record<string, unknown>): Promise<number> {
  const root = storeRoot(argv);
  const action = argv.action as string | undefined;
  if (action === 'stop') return stop(root, argv.name as string | undefined, Boolean(argv.wait));
  if (action !== undefined && action !== 'list') throw new UsageError(`unknown parsers action '${action}' (list or stop)`);
  const runs = listRuns(root);
  if (argv.json) {
    await writeOut(JSON.stringify(runs, null, 2) + '\n');
    return 0;
  }
  // One line per parser, name first, like list_active_parsers; nothing when there is none.
  for (const r of runs) {
    const what = r.kind === 'listen' ? (r.addresses ?? []).join(',') : (r.inputs ?? []).join(',');
    await writeOut(`${r.name}\t${r.kind}\tpid ${r.pid}\tsince ${r.started}\t${what}\n`);
  }
  return 0;
}

async function stop(root: string, name: string | undefined, wait: boolean): Promise<number> {
  if (!name) throw new UsageError('parsers stop wants the NAME of a parser (see `parsers`)');
  const r = findRun(root, name);
  if (!r) throw new CommandError(`no such parser: ${name}`);
  try {
    process.kill(r.pid, 'SIGTERM');
  } catch (e) {
    throw new CommandError(`cannot stop ${name} (pid ${r.pid}): ${(e as Error).message}`);
  }
  if (wait) {
    const deadline = Date.now() + 30_000;
    while (isAlive(r.pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    if (isAlive(r.pid)) throw new CommandError(`${name} (pid ${r.pid}) did not stop within 30 s`);
  }
  diag(`stopped ${name}`);
  return 0;
}
