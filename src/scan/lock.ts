import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { LockedError } from '../errors.js';

/**
 * One scan at a time per ledger: a lock file created exclusively, holding the owner's pid. A lock
 * whose process is gone (crash, kill -9) is taken over; SQLite's own journal keeps the data safe.
 */

interface LockInfo {
  pid: number;
  host: string;
  startedAt: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(path: string, now = Date.now()): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: now };
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    } catch {
      holder = undefined; // half-written or garbage: the writer died before finishing
    }
    const sameHost = holder?.host === hostname();
    const stale =
      !holder ||
      (sameHost && !alive(holder.pid)) ||
      (!sameHost && now - holder.startedAt > 3_600_000);
    if (!stale && holder)
      throw new LockedError(
        `another radar scan is running (pid ${holder.pid} since ${new Date(holder.startedAt).toISOString()}); try again later`,
      );
    rmSync(path, { force: true });
  }
  throw new LockedError('could not take the scan lock; try again later');
}
