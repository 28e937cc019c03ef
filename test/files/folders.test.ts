import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolders } from '../../src/files/folders.js';
import { runCli, tempTrees } from '../helpers/cli.js';

const tempDir = tempTrees();

/**
 * Folders radar creates (the ledger's, the cache's, a report's): made with their parents, or an
 * error for a path that cannot hold them, never a hang (node's own recursive mkdir spins forever
 * on a parent that exists but cannot hold children).
 */
describe('makeFolders', () => {
  it.each([
    ['a new nested folder', (dir: string) => join(dir, 'a/b/c')],
    ['a folder that exists', (dir: string) => dir],
    ['a folder under one that exists', (dir: string) => join(dir, 'new')],
  ])('makes %s', (_name, pathIn) => {
    const path = pathIn(tempDir());
    makeFolders(path);
    expect(statSync(path).isDirectory()).toBe(true);
  });

  it('gives the folders it makes the mode asked for', () => {
    const path = join(tempDir(), 'private/cache');
    makeFolders(path, 0o700);
    expect(statSync(path).mode & 0o777).toBe(0o700);
  });

  it.each([
    [
      'a file in the way',
      (dir: string) => (writeFileSync(join(dir, 'f'), ''), join(dir, 'f/x')),
      /ENOTDIR|EEXIST/,
    ],
    ['a path under /proc', () => '/proc/radar-no-such/ledger', /ENOENT/],
    [
      'a dangling link in the way',
      (dir: string) => (symlinkSync(join(dir, 'gone'), join(dir, 'link')), join(dir, 'link/x')),
      /ENOENT|EEXIST/,
    ],
  ])('throws for %s', (_name, pathIn, error) => {
    const path = pathIn(tempDir());
    expect(() => makeFolders(path)).toThrow(error);
  });
});

describe('radar with a ledger where no folder can be made', () => {
  it('says so and exits, instead of spinning forever', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs/agent.log'), 'tokens used: 1234\n');
    const r = await runCli(
      ['ingest', '--ledger', '/proc/radar-no-such/radar.db', join(dir, 'logs')],
      {
        timeoutMs: 20_000,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot create the ledger folder /proc/radar-no-such');
  });
});
