#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// The flag: V8's young generation is sized at start-up only, and its default (2 x 16 MB
// semi-spaces) is a quarter of an ingest's peak RSS; 4 MB costs a few more scavenges. Threads
// that allocate fast (listen's builders and writer) set their own size (store-writer.ts).
// MALLOC_ARENA_MAX: glibc gives each thread its own malloc arena (up to 8 per core), and each
// keeps what its thread freed; an ingest's two threads and libuv's pool with two arenas peaked
// 10-20 MB lower (a 281 MB HEP capture: 183-192 MB against 201-203 MB).
// Runs the compiled CLI (npm ci / npm run build produce dist/); no TypeScript at run time.
// entry.js takes a fast path for --help, --version and show, else loads main.js (yargs).
import { entry } from '../dist/src/cli/entry.js';

entry(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
