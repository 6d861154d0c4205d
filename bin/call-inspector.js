#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node
// No node flags here: under any V8 flag Node compiles its own modules afresh (its code cache is
// keyed to the flags), which costs `show` 20 ms; ingest gets its small young generation by
// running as a child with the flag (src/cli/entry.cts), and listen's threads set their own sizes
// (store-writer.ts).
// MALLOC_ARENA_MAX: glibc gives each thread its own malloc arena (up to 8 per core), and each
// keeps what its thread freed; an ingest's two threads and libuv's pool with two arenas peaked
// 10-20 MB lower (a 281 MB HEP capture: 183-192 MB against 201-203 MB).
// Runs the compiled CLI (npm ci / npm run build produce dist/); no TypeScript at run time.
// entry.cjs takes a fast path for --help, --version, show and list, else loads main.js (yargs).
// CommonJS (bin/package.json): a CommonJS program starts without Node's ES module loader, which
// costs ~10 ms; the commands, ES modules, are loaded by import() when they run.
'use strict';
const { entry } = require('../dist/src/cli/entry.cjs');

entry(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
