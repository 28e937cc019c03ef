#!/usr/bin/env node
// The `radar` executable: everything lives in program.ts, loaded here so tests can import it.
import { main } from './program.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`radar: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
