// A command bundled into one CommonJS file (esbuild, `npm run bundle`), compiled with V8's code
// cache. `show` must answer in < 100 ms whole-process (issue 6), and of the ~30 ms it spent
// above `node -e 0`, most was V8 compiling: the bundle's top level, then each function the first
// time it runs. Node 20 has no compile cache for modules (22 has), but vm.Script takes the code
// cache V8 makes of a script, functions compiled during a warm run included. The cache is made
// at build time (make-code-cache.ts), never at run time: nothing is written outside the store.
//
// V8 accepts a cache only for its own version and flags, and it checks the source's length, not
// its content; so the cache file starts with the size and modification time (ns) of the bundle
// file it was made from, and it is offered to V8 only for that file as the build left it: any
// rewrite of the bundle changes its mtime. (A digest of the bundle's content did the same, but
// node:crypto costs `show` ~2 ms to load, more than the rest of this check.) A cache that is
// absent or refused costs nothing more than compiling.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';

const STAMP_BYTES = 16;

export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** Whether V8 used the code cache (false: none, made from another bundle, or refused). */
  cacheUsed: boolean;
  /** The compiled script, for the build step that makes its cache. */
  script: Script;
}

export function cachePathOf(bundlePath: string): string {
  return bundlePath + '.cache';
}

/** The bundle file's size and mtime in ns, as 16 bytes. */
function bundleStamp(bundlePath: string): Buffer {
  const st = statSync(bundlePath, { bigint: true });
  const stamp = Buffer.alloc(STAMP_BYTES);
  stamp.writeBigUInt64LE(st.size, 0);
  stamp.writeBigUInt64LE(st.mtimeNs, 8);
  return stamp;
}

/** The cache's V8 data, if the file was made from this bundle file as it is now. */
function cachedDataFor(bundlePath: string): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cachePathOf(bundlePath));
  } catch {
    return undefined;
  }
  if (file.length <= STAMP_BYTES || !file.subarray(0, STAMP_BYTES).equals(bundleStamp(bundlePath))) return undefined;
  return file.subarray(STAMP_BYTES);
}

/** The cache file's contents for the bundle file at `bundlePath` and V8's data. */
export function cacheFileContents(bundlePath: string, data: Buffer): Buffer {
  return Buffer.concat([bundleStamp(resolve(bundlePath)), data]);
}

/** Compile and run a CommonJS bundle as Node's own loader would, with its code cache if valid. */
export function loadCommandBundle(path: string, opts: { useCache?: boolean } = {}): LoadedBundle {
  const bundlePath = resolve(path);
  const source = readFileSync(bundlePath, 'utf8');
  const cachedData = opts.useCache === false ? undefined : cachedDataFor(bundlePath);
  // The wrapper is part of the cached source: make-code-cache.ts compiles through this function.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  const module = { exports: {} as Record<string, unknown> };
  const factory = script.runInThisContext() as (...args: unknown[]) => void;
  factory(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  return { exports: module.exports, cacheUsed: cachedData !== undefined && !script.cachedDataRejected, script };
}
