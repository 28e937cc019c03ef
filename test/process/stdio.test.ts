import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, tempTrees } from '../helpers/cli.js';

/**
 * processOutput (src/process/stdio.ts), in real child processes: what a reader of radar's output
 * gets through a pipe (read slowly, made non-blocking, closed early) and in a file.
 */

const STDIO = join(ROOT, 'dist/src/process/stdio.js');

/**
 * A child that writes `lines` numbered lines through processOutput('stdout'), then says on
 * stderr whether stdout looked like a terminal, its width (a command's table asks), and whether
 * node made its stream (net for a pipe or socket, a SyncWriteStream for a file). An error
 * reaches onError, which says its code.
 */
const writer = (lines: number) => `
  import { processOutput } from ${JSON.stringify(STDIO)};
  const out = processOutput('stdout', (e) => { process.stderr.write('onError ' + e.code + '\\n'); process.exit(0); });
  for (let i = 0; i < ${lines}; i++) out.write(String(i).padStart(8, '0') + ' ' + 'x'.repeat(1000) + '\\n');
  const streamMade = process.moduleLoadList.some((m) => m === 'NativeModule net' || m.endsWith('sync_write_stream'));
  process.stderr.write('isTTY ' + Boolean(out.isTTY) + ', columns ' + out.columns + ', stream ' + streamMade + '\\n');
`;
const expected = (lines: number) =>
  Array.from(
    { length: lines },
    (_, i) => `${String(i).padStart(8, '0')} ${'x'.repeat(1000)}\n`,
  ).join('');

/** `node args` (or `command args`), its stdout read after `delayMs`, closed after `closeAfter`. */
function run(
  args: string[],
  delayMs = 0,
  closeAfter?: number,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const [command, rest] =
      args[0] === 'python3' ? ['python3', args.slice(1)] : [process.execPath, args];
    const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), delayMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (closeAfter !== undefined && stdout.length >= closeAfter) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

const trees = tempTrees();

describe('processOutput', () => {
  it('writes every byte to a socket, in order, while the reader waits (10 MB, far more than it holds)', async () => {
    // node's own child stdio is a socket pair
    const r = await run(['--input-type=module', '-e', writer(10_000)], 300);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected(10_000));
    expect(r.stderr).toBe('isTTY false, columns undefined, stream false\n');
  });

  it("writes every byte to a pipe (a shell pipeline), without node's stream", async () => {
    const dir = trees({ 'writer.mjs': writer(10_000) });
    const pipeline = `"${process.execPath}" "${join(dir, 'writer.mjs')}" | cat`;
    const r = await run(
      [
        '-e',
        `require('node:child_process').spawnSync('/bin/sh', ['-c', ${JSON.stringify(pipeline)}], { stdio: 'inherit' })`,
      ],
      300,
    );
    expect(r.stdout).toBe(expected(10_000));
    expect(r.stderr).toBe('isTTY false, columns undefined, stream false\n');
  });

  it("writes to /dev/null (a cron job's >/dev/null) without node's stream", async () => {
    const dir = trees({ 'writer.mjs': writer(100) });
    const r = await run([
      '-e',
      `require('node:child_process').spawnSync(process.execPath, [${JSON.stringify(join(dir, 'writer.mjs'))}], { stdio: ['ignore', 'ignore', 'inherit'] })`,
    ]);
    expect(r.stderr).toBe('isTTY false, columns undefined, stream false\n');
  });

  it("hands the rest to node's stream when the descriptor was made non-blocking", async () => {
    // Whoever started radar may share a non-blocking description of its output: a write that
    // would block fails (EAGAIN) instead. python3 sets the flag (node cannot), as building
    // better-sqlite3 needs python3 wherever these tests run.
    const dir = trees({ 'writer.mjs': writer(10_000) });
    const nonBlocking = `import fcntl, os, sys; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK); os.execv(sys.argv[1], sys.argv[1:])`;
    const r = await run(
      ['python3', '-c', nonBlocking, process.execPath, join(dir, 'writer.mjs')],
      300,
    );
    expect(r.stdout).toBe(expected(10_000));
    expect(r.stderr).toBe('isTTY false, columns undefined, stream true\n');
  });

  it('tells onError when the reader goes away (EPIPE, or ECONNRESET from a socket closed unread)', async () => {
    const r = await run(['--input-type=module', '-e', writer(10_000)], 0, 5_000);
    expect(r.stderr).toMatch(/^onError (EPIPE|ECONNRESET)\n$/);
    expect(r.code).toBe(0);
  });

  it('writes a file whole', async () => {
    const dir = trees({ 'writer.mjs': writer(3_000) });
    const file = join(dir, 'out.txt');
    const r = await run([
      '-e',
      `
      const fs = require('node:fs');
      const fd = fs.openSync(${JSON.stringify(file)}, 'w');
      require('node:child_process').spawnSync(process.execPath, [${JSON.stringify(join(dir, 'writer.mjs'))}], { stdio: ['ignore', fd, 'inherit'] });
    `,
    ]);
    expect(r.stderr).toBe('isTTY false, columns undefined, stream false\n');
    expect(readFileSync(file, 'utf8')).toBe(expected(3_000));
  });

  it("radar --help through a pipe: the whole help, and node's stream never made (commander asks radar's streams for the width)", async () => {
    const dir = trees({
      'watch.cjs': `process.on('exit', () => require('node:fs').writeSync(2, 'stream ' + process.moduleLoadList.some((m) => m === 'NativeModule net') + '\\n'));`,
    });
    const r = await run(['-r', join(dir, 'watch.cjs'), CLI, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: radar \[options\] \[command\]\n/);
    expect(r.stdout).toMatch(/\n {2}ingest \[options\] \[paths\.\.\.\] +parse agent token markers/);
    expect(r.stderr).toBe('stream false\n');
  });
});
