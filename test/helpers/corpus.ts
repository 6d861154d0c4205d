// Locating ../shared/corpus from the project root (the first directory above this file that
// holds package.json), overridable by CALL_INSPECTOR_CORPUS. Tests that need it skip, with the
// reason, where it is absent.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export function corpusRoot(): string {
  return process.env.CALL_INSPECTOR_CORPUS ? resolve(process.env.CALL_INSPECTOR_CORPUS) : resolve(projectRoot(), '..', 'shared', 'corpus');
}

/** Absolute path of a corpus file named as in CORPUS.md, e.g. 'pcap/sngrep__aaa.pcap'. */
export function corpusFile(rel: string): string {
  return join(corpusRoot(), rel);
}

/** For node:test's `skip` option: false when the corpus is there, else the reason. */
export function corpusSkip(rel = ''): false | string {
  const p = rel ? corpusFile(rel) : corpusRoot();
  if (existsSync(p)) return false;
  if (process.env.CI) throw new Error(`corpus missing in CI: ${p}`);
  return `corpus not found at ${p} (set CALL_INSPECTOR_CORPUS)`;
}

export function fixture(rel: string): string {
  return join(projectRoot(), 'fixtures', rel);
}
