import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';

/**
 * A real process that takes a radar process lock through the built module: prints `held` once it
 * holds it (then holds it until its stdin ends, or forever with `forever`), or prints the error on
 * stderr and exits with the error's exit code.
 */
const HOLDER = `
import { acquireProcessLock } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/ledger/lock.js')).href)};
const [ledger, name, mode] = process.argv.slice(2);
let release;
try {
  release = acquireProcessLock(ledger, name, 'radar ' + name);
} catch (error) {
  process.stderr.write(error.message + '\\n');
  process.exit(error.exitCode ?? 1);
}
process.stdout.write('held\\n');
if (mode === 'forever') setInterval(() => {}, 1 << 30);
else {
  process.stdin.resume();
  process.stdin.on('end', () => { release(); process.stdout.write('released\\n'); process.exit(0); });
}
`;

let script: string | undefined;
export function holderScript(): string {
  if (!script) {
    script = join(mkdtempSync(join(tmpdir(), 'radar-lock-holder-')), 'holder.mjs');
    writeFileSync(script, HOLDER);
  }
  return script;
}

export interface Attempt {
  child: ChildProcess;
  /** Resolves true once the child holds the lock, false when it exited without it. */
  outcome: Promise<boolean>;
  /** Exit code and stderr, once the child has exited. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts a process that tries to take `name` of `ledger` and holds it until stdin ends. */
export function tryLockInChild(ledger: string, name = 'scan'): Attempt {
  const child = spawn(process.execPath, [holderScript(), ledger, name], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  const outcome = new Promise<boolean>((resolve) => {
    child.stdout!.on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('held\n')) resolve(true);
    });
    void exit.then(() => resolve(stdout.includes('held\n')));
  });
  return { child, outcome, exit };
}

/** Kills a child with SIGKILL and waits until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.on('close', resolve));
  child.kill('SIGKILL');
  await closed;
}
