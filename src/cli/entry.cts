// The process entry (bin/call-inspector.js). Loading yargs costs ~100 ms of ESM module loading
// (cliui, string-width, y18n …), more than the whole budget of `show` (issue 6: < 100 ms) and
// most of `--help`'s (< 150 ms). So the commands typed many times a day take a fast path that
// does not load it: `--help` and `--version` from a cache of the text yargs itself rendered, and
// `show CALLID` and `list` with the flags they know. Anything else — or anything the fast path
// does not recognise exactly — goes to main.ts and yargs, unchanged.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCommandBundle } from './command-bundle.cjs';

// CommonJS (.cts), as is bin/: Node starts a CommonJS program without initialising its ES module
// loader, ~10 ms of `show`'s budget. The commands themselves stay ES modules, loaded by import().
const here = __dirname;
/** dist/ of this build: the help cache lives beside the compiled code it was rendered from. */
const distRoot = join(here, '..', '..');
const mainJs = join(here, 'main.js');

export async function entry(args: string[]): Promise<number> {
  if (process.env.CALL_INSPECTOR_NO_FAST_PATH !== '1') {
    if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) return help();
    if (args.length === 1 && args[0] === '--version') return version();
    const line = withoutLeadingStore(args);
    if (line?.args[0] === 'ingest') {
      if (process.env[FLAGS_SET] !== '1') return runWithFlags(INGEST_NODE_FLAGS, args);
      dieWithParent();
    }
    const cmd = line && FAST_COMMANDS.get(line.args[0] ?? '');
    if (line && cmd) {
      const argv = parseFastArgs(cmd, line.args, line.store);
      if (argv) return runFast(cmd, argv);
    }
  }
  const { main } = await import('./main.js');
  return main(args);
}

// ---- node flags for ingest ----
/**
 * ingest's young generation: V8's default (2 x 16 MB semi-spaces) is a quarter of its peak RSS;
 * 4 MB costs a few more scavenges. It is fixed when the process starts, but a V8 flag on the #!
 * line would cost every command: Node's code cache of its own modules is keyed to the V8 flags,
 * so under any flag each built-in module loaded is compiled afresh (measured: +20 ms for `show`,
 * 26 ms instead of 6 ms in compileForInternalLoader). So ingest alone runs again as a child with
 * the flag; this process only waits, passes on signals and returns the child's exit status.
 */
const INGEST_NODE_FLAGS = ['--max-semi-space-size=4'];
const FLAGS_SET = 'CALL_INSPECTOR_NODE_FLAGS_SET';

async function runWithFlags(flags: string[], args: string[]): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...flags, ...process.execArgv, process.argv[1]!, ...args], {
    // The IPC channel carries nothing: its closing tells the child that this process is gone.
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [FLAGS_SET]: '1' },
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  // A terminal's ^C reaches both processes; a kill aimed at this one is passed on.
  const forward = (s: NodeJS.Signals) => { child.kill(s); };
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`call-inspector: cannot start node for ingest: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      // Died of a signal: die of the same one, so that the caller sees what happened.
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

/**
 * The child's side: a kill of the process the user started (even SIGKILL, which cannot be passed
 * on) must stop the ingest, as it did before there were two processes. The IPC channel closes
 * when the parent dies; the channel itself must not keep this process alive.
 */
function dieWithParent(): void {
  const channel = process.channel as { unref?: () => void } | undefined;
  if (!channel) return;
  channel.unref?.();
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

/** What yargs' help depends on: the compiled command definitions, the width and the locale. */
function helpKey(): string {
  // The content, not the mtime: a rebuild that changes nothing keeps the cache.
  const width = Math.min(110, process.stdout.columns ?? 100);
  const env = process.env;
  // Loaded here, not at the top: `show` and `list` do without node:crypto (~2 ms to load).
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
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

type CommandModule = { run: (argv: Record<string, unknown>) => Promise<number | void>; reportCliError?: (e: unknown) => number };

interface FastCommand {
  booleans: readonly string[];
  values: Readonly<Record<string, FastValue>>;
  defaults: Readonly<Record<string, unknown>>;
  /** The one positional the command requires, if any. */
  positional?: string;
  load: () => Promise<CommandModule>;
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
  load: async () => {
    const bundle = freshBundle('show');
    return bundle ? loadCommandBundle(bundle).exports as unknown as CommandModule : import('./commands/show.js');
  },
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

/**
 * commands/<name>.bundle.cjs, made by `npm run build` (esbuild, after tsc): the command and all
 * it imports, packages included, in one file, which loads ~12 ms faster than the ~30 modules, and
 * with a code cache (command-bundle.cts) ~10-30 ms more. Used only when newer than the tsc output
 * it was made from: tsc rewrites every file, so after a bare `tsc` the modules themselves run,
 * never a stale bundle.
 */
function freshBundle(name: string): string | undefined {
  try {
    const bundle = join(here, 'commands', `${name}.bundle.cjs`);
    return statSync(bundle).mtimeMs >= statSync(join(here, 'commands', `${name}.js`)).mtimeMs ? bundle : undefined;
  } catch {
    return undefined;
  }
}

async function runFast(cmd: FastCommand, argv: Record<string, unknown>): Promise<number> {
  let command: Awaited<ReturnType<FastCommand['load']>> | undefined;
  try {
    command = await cmd.load();
    const code = await command.run(argv);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    // The same reporting as main(), loaded only on the error path, and from the command's own
    // module where it has one: a bundle holds its own copies of the error classes it throws.
    const report = command?.reportCliError ?? (await import('./entry-errors.js')).reportCliError;
    return report(e);
  }
}
