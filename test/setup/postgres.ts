import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * The PostgreSQL server of the suite's ledger tests: `RADAR_TEST_PG_URL` when set (a server of
 * your own; tests create and drop their own schemas in it), else a throwaway server started from
 * Debian's `postgresql` binaries in a temp folder, on a free loopback port, stopped after the run.
 * Without either, the PostgreSQL tests fail and say how to install it (`.ci/run` does).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
    pgProblem: string | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.RADAR_TEST_PG_URL;
  if (given) {
    project.provide('pgUrl', given);
    project.provide('pgProblem', null);
    return undefined;
  }
  const bin = serverBinaries();
  if (!bin) {
    project.provide('pgUrl', null);
    project.provide(
      'pgProblem',
      'PostgreSQL server binaries not found (apt-get install -y postgresql), and RADAR_TEST_PG_URL is not set',
    );
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'radar-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root: the server runs as the postgres user, as Debian's does.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, uid('postgres'), gid('postgres'));
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args;
    const r = spawnSync(asRoot ? 'runuser' : cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'radar', '--no-sync', '-E', 'UTF8']);
  run(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    'start',
    '-o',
    `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200`,
  ]);
  project.provide('pgUrl', `postgres://radar@127.0.0.1:${port}/postgres`);
  project.provide('pgProblem', null);
  return () => {
    try {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function serverBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}
function gid(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
