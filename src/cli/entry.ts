// The process entry (bin/call-inspector.js). Loading yargs costs ~100 ms of ESM module loading
// (cliui, string-width, y18n …), more than the whole budget of `show` (issue 6: < 100 ms) and
// most of `--help`'s (< 150 ms). So the commands typed many times a day take a fast path that
// does not load it: `--help` and `--version` from a cache of the text yargs itself rendered, and
// `show CALLID` with the flags it knows. Anything else — or anything the fast path does not
// recognise exactly — goes to main.ts and yargs, unchanged.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/ of this build: the help cache lives beside the compiled code it was rendered from. */
const distRoot = join(here, '..', '..');
const mainJs = join(here, 'main.js');

export async function entry(args: string[]): Promise<number> {
  if (process.env.CALL_INSPECTOR_NO_FAST_PATH !== '1') {
    if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) return help();
    if (args.length === 1 && args[0] === '--version') return version();
    const show = withoutLeadingStore(args);
    if (show && show.args[0] === 'show') {
      const argv = parseShowArgs(show.args, show.store);
      if (argv) return fastShow(argv);
    }
  }
  const { main } = await import('./main.js');
  return main(args);
}

/** What yargs' help depends on: the compiled command definitions, the width and the locale. */
function helpKey(): string {
  // The content, not the mtime: a rebuild that changes nothing keeps the cache.
  const width = Math.min(110, process.stdout.columns ?? 100);
  const env = process.env;
  return createHash('sha1').update(readFileSync(mainJs))
    .update([width, env.LC_ALL, env.LC_MESSAGES, env.LANG, env.LANGUAGE, version_()].join('\u0000'))
    .digest('hex').slice(0, 16);
}

async function help(): Promise<number> {
  let key: string | undefined;
  try {
    key = helpKey();
    process.stdout.write(readFileSync(join(distRoot, '.cache', `help-${key}.txt`), 'utf8'));
    return 0;
  } catch { /* not rendered yet for this build/width: render it */ }
  const { buildCli } = await import('./main.js');
  const text = (await buildCli([]).getHelp()) + '\n';
  process.stdout.write(text);
  if (key) {
    try {
      const dir = join(distRoot, '.cache');
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `help-${key}.${process.pid}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(dir, `help-${key}.txt`)); // atomic: a concurrent reader sees all or nothing
    } catch { /* a read-only install: no cache, yargs every time */ }
  }
  return 0;
}

function version_(): string {
  const pkg = JSON.parse(readFileSync(join(distRoot, '..', 'package.json'), 'utf8')) as { version?: string };
  return String(pkg.version ?? '');
}

function version(): number {
  process.stdout.write(version_() + '\n');
  return 0;
}

// ---- show ----
// The options of `show` as main.ts declares them, with the same defaults. A test
// (test/entry.test.ts) checks this table against yargs' own parse so that the two cannot drift.
const SHOW_BOOLEANS = ['related', 'inspect', 'kazoo', 'raw', 'ascii'] as const;
const SHOW_STRINGS: Record<string, string> = { '--format': 'format', '-f': 'format', '--ref-parser': 'ref-parser', '--store': 'store', '--width': 'width', '--alias': 'alias' };
const FORMATS = ['json', 'ndjson', 'table', 'ladder', 'html'];

/** The global --store may come before the command: `--store DIR show CALLID`. */
function withoutLeadingStore(args: string[]): { args: string[]; store?: string } | undefined {
  if (args[0] === '--store') return args.length > 2 ? { args: args.slice(2), store: args[1] } : undefined;
  if (args[0]?.startsWith('--store=')) return { args: args.slice(1), store: args[0].slice('--store='.length) };
  return { args };
}

/** argv as yargs would give it to commands/show.ts, or undefined to let yargs handle the line. */
export function parseShowArgs(args: string[], store?: string): Record<string, unknown> | undefined {
  const argv: Record<string, unknown> = { format: 'ladder' };
  if (store !== undefined) argv.store = store;
  for (const b of SHOW_BOOLEANS) argv[b] = false;
  const positionals: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const bool = flag.startsWith('--') ? flag.slice(2) : '';
    if ((SHOW_BOOLEANS as readonly string[]).includes(bool) && inline === undefined) { argv[bool] = true; continue; }
    const key = SHOW_STRINGS[flag];
    if (!key) return undefined; // unknown flag, -h, --no-x, --: yargs decides
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-'))) return undefined;
    if (key === 'alias') { argv.alias = [...((argv.alias as string[] | undefined) ?? []), value]; continue; }
    if (key === 'width') {
      if (!/^\d+$/.test(value)) return undefined;
      argv.width = Number(value);
      continue;
    }
    if (key === 'format' && !FORMATS.includes(value)) return undefined;
    if (argv[key] !== undefined && key !== 'format') return undefined; // repeated: yargs makes an array
    argv[key] = value;
  }
  if (positionals.length !== 1) return undefined;
  argv['call-id'] = positionals[0];
  return argv;
}

async function fastShow(argv: Record<string, unknown>): Promise<number> {
  try {
    const { run } = await import('./commands/show.js');
    const code = await run(argv);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    // The same reporting as main(), loaded only on the error path.
    const { reportCliError } = await import('./entry-errors.js');
    return reportCliError(e);
  }
}
