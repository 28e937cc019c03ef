import { existsSync, readFileSync } from 'node:fs';

/** Alive and not a zombie waiting to be reaped (an orphan's reaper may be slow in a container). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // gone between the two looks
  }
}

/** Polls for up to `ms` until the process is gone. */
export async function deadWithin(pid: number, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

/** Waits for up to `ms` until a file exists and holds a number; that number. */
export async function pidFromFile(path: string, ms = 10_000): Promise<number> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (existsSync(path)) {
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid > 1) return pid;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no pid in ${path} after ${ms} ms`);
}
