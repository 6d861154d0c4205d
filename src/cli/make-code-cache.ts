// Build step (`npm run bundle`, after esbuild): V8's code cache for the show bundle, made after
// a warm run so that it holds the functions a `show` compiles, not only the top level. The warm
// run draws a call of fixtures/demo in each output format, from a store in a temporary
// directory that this step makes and removes. See command-bundle.cts for how the cache is used.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheFileContents, cachePathOf, loadCommandBundle } from './command-bundle.cjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const DEMO_CALL = '1-27509@127.0.0.1';

type Run = (argv: Record<string, unknown>) => Promise<number | void>;

/** Run `fn` with stdout and stderr swallowed: the warm run's drawing is not the build's output. */
async function quietly(fn: () => Promise<unknown>): Promise<void> {
  const out = process.stdout.write, err = process.stderr.write;
  const swallow = ((_chunk: unknown, enc?: unknown, cb?: unknown) => {
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = swallow;
  process.stderr.write = swallow;
  try { await fn(); } finally { process.stdout.write = out; process.stderr.write = err; }
}

async function main(bundle: string): Promise<number> {
  const store = mkdtempSync(join(tmpdir(), 'call-inspector-code-cache-'));
  try {
    const ingest = spawnSync(process.execPath, [join(repo, 'bin', 'call-inspector.js'), 'ingest', '--quiet', '--store', store, join(repo, 'fixtures', 'demo')],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CALL_INSPECTOR_NO_FAST_PATH: '1' } });
    if (ingest.status !== 0) throw new Error(`ingest of fixtures/demo failed (status ${ingest.status})`);
    const loaded = loadCommandBundle(bundle, { useCache: false });
    const run = loaded.exports.run as Run;
    const base = { 'call-id': DEMO_CALL, store, related: false, inspect: false, kazoo: false, raw: false, ascii: false };
    for (const format of ['ladder', 'json', 'ndjson', 'table', 'html']) {
      let code: number | void = 0;
      await quietly(async () => { code = await run({ ...base, format }); });
      if (code) throw new Error(`show --format ${format} of the demo call exited ${code}`);
    }
    await quietly(async () => { await run({ ...base, format: 'ladder', inspect: true, related: true }); });
    // In colour too, as on a terminal: chalk's functions into the cache.
    process.env.FORCE_COLOR = '1';
    try {
      await quietly(async () => { await run({ ...base, format: 'ladder' }); });
    } finally {
      delete process.env.FORCE_COLOR;
    }
    const target = cachePathOf(bundle);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, cacheFileContents(bundle, loaded.script.createCachedData()));
    renameSync(tmp, target);
    return 0;
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

const bundle = process.argv[2];
if (!bundle) {
  process.stderr.write('usage: make-code-cache.js BUNDLE.cjs\n');
  process.exitCode = 2;
} else {
  main(bundle).then((code) => { process.exitCode = code; }, (e: Error) => {
    // No cache is not a broken build: show compiles the bundle as it would without one.
    process.stderr.write(`make-code-cache: no code cache for ${bundle}: ${e.message}\n`);
    process.exitCode = 0;
  });
}
