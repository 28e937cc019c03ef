#!/usr/bin/env node
// The `radar` executable: everything lives in program.ts, loaded here so tests can import it.
import { main } from './program.js';

// A reader that goes away (`radar queue | head -1`) is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(Number(process.exitCode ?? 0));
    throw error;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`radar: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
