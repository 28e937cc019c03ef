#!/usr/bin/env node
// The `radar` executable: everything lives in program.ts, loaded here so tests can import it.
import { main } from './program.js';
import { exitsAtOnce } from './process/exit.js';
import { processOutput } from './process/stdio.js';

// A reader that goes away (`radar queue | head -1`; a socket closed unread) is not an error:
// stop quietly.
const quietWhenReaderGoes = (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE' || error.code === 'ECONNRESET')
    process.exit(Number(process.exitCode ?? 0));
  throw error;
};
// stdout and stderr: written straight to a file or pipe, node's streams made only if needed.
const stdout = processOutput('stdout', quietWhenReaderGoes);
const stderr = processOutput('stderr', quietWhenReaderGoes);

// Written out and nothing left running: exit now (exit.ts), else once node's loop drains.
const finish = (code: number) => {
  process.exitCode = code;
  if (exitsAtOnce(process.getActiveResourcesInfo?.())) process.exit(code);
};

main(process.argv, { stdout, stderr }).then(finish, (error: unknown) => {
  stderr.write(`radar: ${String(error)}\n`);
  finish(1);
});
