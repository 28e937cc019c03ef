import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates a folder and any missing parents, like `mkdir -p`. Hand-written, because node's own
 * `mkdirSync(path, { recursive: true })` (Node 18–22)
 * spins at full CPU forever on a parent that exists but cannot hold children (a path under
 * /proc or /sys, a dangling symlink): it takes the child's ENOENT for a missing parent, which
 * exists, and tries again. Here each missing folder is made once, parents first, and the first
 * failure is thrown as it is (ENOENT, EACCES, ENOTDIR, EROFS), so bad input gets an error.
 */
export function makeFolders(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let folder = resolve(path); ;) {
    try {
      statSync(folder);
      break; // the deepest one there (a file in the way fails at the first mkdir below)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    missing.push(folder);
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, mode === undefined ? undefined : { mode });
    } catch (error) {
      // Made meanwhile by someone else (another radar): what was wanted.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isFolder(folder)) throw error;
    }
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
