// The process entry (bin/call-inspector.js). Loading yargs costs ~100 ms of ESM module loading
// (cliui, string-width, y18n …), more than the whole budget of `show` (issue 6: < 100 ms) and
// most of `--help`'s (< 150 ms). So the commands typed many times a day take a fast path that
// does not load it: `--help` and `--version` from a cache of the text yargs itself rendered, and
// `show CALLID` and `list` with the flags they know. Anything else — or anything the fast path
// does not recognise exactly — goes to main.ts and yargs, unchanged.
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
    const line = withoutLeadingStore(args);
    const cmd = line && FAST_COMMANDS.get(line.args[0] ?? '');
    if (line && cmd) {
      const argv = parseFastArgs(cmd, line.args, line.store);
      if (argv) return runFast(cmd, argv);
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

// ---- show and list ----
// The options of these commands as main.ts declares them, with the same defaults. A test
// (test/entry.test.ts) checks these tables against yargs' own parse so that the two cannot drift.
interface FastValue {
  key: string;
  kind: 'string' | 'number' | 'array';
  choices?: readonly string[];
}

interface FastCommand {
  booleans: readonly string[];
  values: Readonly<Record<string, FastValue>>;
  defaults: Readonly<Record<string, unknown>>;
  /** The one positional the command requires, if any. */
  positional?: string;
  load: () => Promise<{ run: (argv: Record<string, unknown>) => Promise<number | void> }>;
}

const STORE: FastValue = { key: 'store', kind: 'string' };

const SHOW: FastCommand = {
  booleans: ['related', 'inspect', 'kazoo', 'raw', 'ascii'],
  values: {
    '--format': { key: 'format', kind: 'string', choices: ['json', 'ndjson', 'table', 'ladder', 'html'] },
    '--ref-parser': { key: 'ref-parser', kind: 'string' },
    '--store': STORE,
    '--width': { key: 'width', kind: 'number' },
    '--alias': { key: 'alias', kind: 'array' },
  },
  defaults: { format: 'ladder', related: false, inspect: false, kazoo: false, raw: false, ascii: false },
  positional: 'call-id',
  load: () => import('./commands/show.js'),
};

const LIST: FastCommand = {
  booleans: ['failed'],
  values: {
    '--format': { key: 'format', kind: 'string', choices: ['table', 'json', 'ndjson'] },
    '--since': { key: 'since', kind: 'string' },
    '--until': { key: 'until', kind: 'string' },
    '--filter': { key: 'filter', kind: 'string' },
    '--grep': { key: 'filter', kind: 'string' },
    '--limit': { key: 'limit', kind: 'number' },
    '--status': { key: 'status', kind: 'array' },
    '--outcome': { key: 'outcome', kind: 'array' },
    '--slow-setup': { key: 'slow-setup', kind: 'string' },
    '--store': STORE,
  },
  defaults: { format: 'table' },
  load: () => import('./commands/list.js'),
};

const FAST_COMMANDS = new Map<string, FastCommand>([['show', SHOW], ['list', LIST]]);
const SHORT: Record<string, string> = { '-f': '--format' };

/** The global --store may come before the command: `--store DIR show CALLID`. */
function withoutLeadingStore(args: string[]): { args: string[]; store?: string } | undefined {
  if (args[0] === '--store') return args.length > 2 ? { args: args.slice(2), store: args[1] } : undefined;
  if (args[0]?.startsWith('--store=')) return { args: args.slice(1), store: args[0].slice('--store='.length) };
  return { args };
}

/**
 * argv as yargs would give it to the command's run(), or undefined to let yargs handle the line:
 * anything this parser does not know exactly (an unknown flag, -h, --no-x, --, a repeated
 * single-valued flag, a number that is not plain digits, a value yargs' greedy arrays would take).
 */
export function parseFastArgs(cmd: FastCommand, args: string[], store?: string): Record<string, unknown> | undefined {
  const argv: Record<string, unknown> = { ...cmd.defaults };
  if (store !== undefined) argv.store = store;
  const given = new Set<string>(store !== undefined ? ['store'] : []);
  const positionals: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const flag = inline !== undefined ? a.slice(0, eq) : SHORT[a] ?? a;
    const bool = flag.startsWith('--') ? flag.slice(2) : '';
    if (cmd.booleans.includes(bool) && inline === undefined) { argv[bool] = true; continue; }
    const spec = cmd.values[flag];
    if (!spec) return undefined;
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-'))) return undefined;
    if (spec.kind === 'array') { argv[spec.key] = [...((argv[spec.key] as string[] | undefined) ?? []), value]; continue; }
    if (given.has(spec.key)) return undefined; // repeated: yargs makes an array
    given.add(spec.key);
    if (spec.choices && !spec.choices.includes(value)) return undefined;
    if (spec.kind === 'number') {
      if (!/^\d+$/.test(value)) return undefined;
      argv[spec.key] = Number(value);
    } else argv[spec.key] = value;
  }
  if (positionals.length !== (cmd.positional ? 1 : 0)) return undefined;
  if (cmd.positional) argv[cmd.positional] = positionals[0];
  return argv;
}

export function parseShowArgs(args: string[], store?: string): Record<string, unknown> | undefined {
  return parseFastArgs(SHOW, args, store);
}

export function parseListArgs(args: string[], store?: string): Record<string, unknown> | undefined {
  return parseFastArgs(LIST, args, store);
}

async function runFast(cmd: FastCommand, argv: Record<string, unknown>): Promise<number> {
  try {
    const { run } = await cmd.load();
    const code = await run(argv);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    // The same reporting as main(), loaded only on the error path.
    const { reportCliError } = await import('./entry-errors.js');
    return reportCliError(e);
  }
}
