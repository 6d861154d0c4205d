#!/usr/bin/env node
// Runs the compiled CLI (npm ci / npm run build produce dist/); no TypeScript at run time.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
