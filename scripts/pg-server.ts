import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL server for the test suite (test/setup/postgres.ts) and the benchmarks
 * (bench/pg-server.ts), started from Debian's `postgresql` binaries in a temp folder on a free
 * loopback port. initdb refuses to run as root, so as root the server runs as the `postgres`
 * user, as Debian's own does.
 */

/** The newest installed server's bin folder, or undefined when none is installed. */
export function pgServerBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export interface ThrowawayPg {
  url: string;
  stop(): void;
}

/**
 * Starts a server from `bin`. `durable: false` (tests) turns fsync off and allows many
 * connections; `durable: true` (benchmarks) keeps the server's defaults, so figures are a user's.
 */
export async function startPgServer(
  bin: string,
  options: { durable: boolean; prefix: string },
): Promise<ThrowawayPg> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const run = (cmd: string, args: string[]) => {
    const r = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], {
          encoding: 'utf8',
        })
      : spawnSync(join(bin, cmd), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const port = await freePort();
  const fast = options.durable ? [] : ['--no-sync'];
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'radar', '-E', 'UTF8', ...fast]);
  const settings = options.durable ? '' : ' -c fsync=off -c max_connections=200';
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    'start',
    '-o',
    `-h 127.0.0.1 -p ${port} -k ${dir}${settings}`,
  ]);
  return {
    url: `postgres://radar@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', options.durable ? 'fast' : 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
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
