#!/usr/bin/env node
// Runs the compiled CLI (npm ci / npm run build produce dist/); no TypeScript at run time.
// entry.js takes a fast path for --help, --version and show, else loads main.js (yargs).
import { entry } from '../dist/src/cli/entry.js';

entry(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
