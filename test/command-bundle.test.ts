// show's bundle and its V8 code cache (src/cli/command-bundle.cts, made by `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheFileContents, cachePathOf, loadCommandBundle } from '../src/cli/command-bundle.cjs';
import { tempDir } from './helpers/cli.js';

const here = dirname(fileURLToPath(import.meta.url));
const built = join(here, '..', 'src', 'cli', 'commands', 'show.bundle.cjs');
const loader = join(here, '..', 'src', 'cli', 'command-bundle.cjs');

/**
 * Load a bundle in a fresh process, as show does: within one process V8 may serve a second
 * compile of the same source from memory and never look at the cache.
 */
function loadInChild(bundle: string): { cacheUsed: boolean; exports: string[] } {
  const script = `import(${JSON.stringify(loader)}).then((m) => { const l = m.loadCommandBundle(${JSON.stringify(bundle)}); `
    + `console.log(JSON.stringify({ cacheUsed: l.cacheUsed, exports: Object.keys(l.exports).sort() })); })`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { cacheUsed: boolean; exports: string[] };
}

test('the build made a code cache that V8 takes for the show bundle', () => {
  const loaded = loadInChild(built);
  assert.ok(loaded.exports.includes('run') && loaded.exports.includes('reportCliError'), loaded.exports.join());
  assert.equal(loaded.cacheUsed, true, 'npm run build should have made dist/src/cli/commands/show.bundle.cjs.cache');
});

test('a cache made from another bundle of the same length is never given to V8', () => {
  const dir = tempDir();
  const bundle = join(dir, 'show.bundle.cjs');
  const source = readFileSync(built, 'utf8');
  // One character changed inside a string: same length, which is all V8 itself would check.
  const text = 'unreadable line(s)';
  const at = source.indexOf(text);
  assert.ok(at > 0);
  writeFileSync(bundle, source.slice(0, at) + text.toUpperCase() + source.slice(at + text.length));
  copyFileSync(cachePathOf(built), cachePathOf(bundle));
  const loaded = loadCommandBundle(bundle);
  assert.equal(loaded.cacheUsed, false);
  assert.equal(typeof loaded.exports.run, 'function');
});

test('a cache is not given to V8 once its bundle file is rewritten, even with the same text', () => {
  const dir = tempDir();
  const bundle = join(dir, 'show.bundle.cjs');
  copyFileSync(built, bundle);
  const data = readFileSync(cachePathOf(built)).subarray(16);
  writeFileSync(cachePathOf(bundle), cacheFileContents(bundle, data));
  assert.equal(loadInChild(bundle).cacheUsed, true, 'a cache stamped for this file is taken');
  utimesSync(bundle, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
  assert.equal(loadInChild(bundle).cacheUsed, false);
});

test('a cache V8 refuses, or none, costs only the compile', () => {
  const dir = tempDir();
  const bundle = join(dir, 'show.bundle.cjs');
  copyFileSync(built, bundle);
  assert.equal(loadInChild(bundle).cacheUsed, false); // no cache file
  writeFileSync(cachePathOf(bundle), cacheFileContents(bundle, Buffer.from('not a V8 code cache')));
  const loaded = loadInChild(bundle);
  assert.equal(loaded.cacheUsed, false);
  assert.ok(loaded.exports.includes('run'));
  assert.equal(loadCommandBundle(built, { useCache: false }).cacheUsed, false);
});
