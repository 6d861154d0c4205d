#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node
// No node flags here: under any V8 flag Node compiles its own modules afresh (its code cache is
// keyed to the flags), which costs `show` 20 ms; ingest gets its small young generation by
// running as a child with the flag (src/cli/entry.ts), and listen's threads set their own sizes
// (store-writer.ts).
// MALLOC_ARENA_MAX: glibc gives each thread its own malloc arena (up to 8 per core), and each
// keeps what its thread freed; an ingest's two threads and libuv's pool with two arenas peaked
// 10-20 MB lower (a 281 MB HEP capture: 183-192 MB against 201-203 MB).
// Runs the compiled CLI (npm ci / npm run build produce dist/); no TypeScript at run time.
// entry.js takes a fast path for --help, --version and show, else loads main.js (yargs).
import { entry } from '../dist/src/cli/entry.js';

entry(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
