import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Shared bits of the benchmarks: paths, timing, and a child-process timer. */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/bin/cli.js');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * CPU time (user + system, in ms) of this process's finished children and theirs, from
 * /proc/self/stat (clock ticks of 10 ms); undefined where there is no /proc. On a machine shared
 * with other work, a process's CPU time varies less than its wall time.
 */
export function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of the whole line (cutime, cstime); the slice starts at field 3.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

export interface ProcessTime {
  /** Wall time of the whole process: what a user waits for. */
  wallMs: number;
  /** Its CPU time (its children's included), when the platform tells. */
  cpuMs: number | undefined;
}

/** Wall and CPU time of a command run to its end; a failure throws with its stderr. */
export function timeProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ProcessTime {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${String(result.stderr)}`);
  const cpuMs =
    cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return { wallMs, cpuMs };
}

/** Wall time of a command, in ms (the whole process: what a user waits for). */
export function timeCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): number {
  return timeProcess(command, args, env).wallMs;
}

export const fmt = (ms: number) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
