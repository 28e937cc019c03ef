/**
 * The radar side of a contained child: where the watchdog script is, and starting it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The watchdog script beside this module (tsc's output, or the bundle, which ships it as an entry
 * of its own); run from the TypeScript sources (the tests), the compiled one.
 */
export function watchdogScript(): string {
  const beside = fileURLToPath(new URL('./watchdog.js', import.meta.url));
  if (existsSync(beside) || !import.meta.url.endsWith('.ts')) return beside;
  return fileURLToPath(new URL('../../dist/src/process/watchdog.js', import.meta.url));
}

export interface Watchdog {
  pid: number;
  /** The child runs as the leader of group `pgid`. */
  watch(pgid: number): void;
  /** radar saw the child's session end: the watchdog leaves. */
  done(): void;
}

/**
 * Starts the watchdog of a session tagged `tag` (see watchdog.ts). Throws when it cannot start:
 * a contained child must not start without it.
 */
export function startWatchdog(tag: string, deadlineMs: number, graceMs: number): Watchdog {
  const script = watchdogScript();
  if (!existsSync(script))
    throw new Error(`radar's watchdog is missing (${script}); reinstall radar`);
  const child = spawn(process.execPath, [script, tag, String(deadlineMs), String(graceMs)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH ?? '' },
  });
  if (child.pid === undefined || !child.stdin)
    throw new Error('radar could not start its watchdog');
  // It must not hold radar's exit: the pipe closing is its signal.
  child.unref();
  child.on('error', () => {});
  const stdin = child.stdin as Socket;
  stdin.unref();
  stdin.on('error', () => {});
  let ended = false;
  return {
    pid: child.pid,
    watch: (pgid) => {
      if (!ended) stdin.write(`watch ${pgid}\n`);
    },
    done: () => {
      if (ended) return;
      ended = true;
      stdin.end('done\n');
    },
  };
}
