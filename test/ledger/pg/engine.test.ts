import { afterEach, describe, expect, it } from 'vitest';
import { openPgLedger } from '../../../src/ledger/pg/pg-ledger.js';
import { PgSyncClient } from '../../../src/ledger/pg/sync-client.js';
import { runRadar, tempTree } from '../../helpers/cli.js';
import { freshPgSchema } from '../../helpers/pg.js';

/**
 * Choosing the PostgreSQL engine: --ledger, RADAR_LEDGER or the config's ledger.url name a
 * server; its connection string is never printed; a command that only reads creates nothing; a
 * server that cannot be reached is one clear line.
 */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A fresh schema, and its URL with a password in it (the test server trusts loopback). */
function schemaWithPassword(): { url: string; secret: string; schema: string } {
  const fresh = freshPgSchema();
  cleanups.push(fresh.drop);
  const url = new URL(fresh.url);
  if (!url.password) url.password = 'pgcore-s3cret-pw';
  return { url: url.toString(), secret: decodeURIComponent(url.password), schema: fresh.schema };
}

function tablesIn(url: string, schema: string): number {
  const c = new PgSyncClient(url);
  try {
    return c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    ).rows[0]!.n;
  } finally {
    c.close();
  }
}

function temp(files: Record<string, string> = {}): string {
  const t = tempTree(files);
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('a PostgreSQL ledger location', () => {
  it('a command that only reads finds no radar ledger there, says how to start, and creates nothing', async () => {
    const { url, secret, schema } = schemaWithPassword();
    const r = await runRadar(['queue', '--ledger', url], { cwd: temp() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^radar: no radar ledger at postgres:\/\/\[REDACTED\]@127\.0\.0\.1:\d+\/\S+ \(named by --ledger\); nothing was created\n/,
    );
    expect(r.stderr).toContain('start one: radar scan or radar ingest');
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(tablesIn(url, schema)).toBe(0);
  });

  it('is read from the config (ledger.url) when neither --ledger nor RADAR_LEDGER names one', async () => {
    const { url, secret } = schemaWithPassword();
    const dir = temp({ 'config/radar.json': JSON.stringify({ ledger: { url } }) });
    const r = await runRadar(['queue'], { cwd: dir, env: { RADAR_LEDGER: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no radar ledger at postgres:\/\/\[REDACTED\]@.*\(named by ledger\.url\)/,
    );
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('radar doctor shows the engine, the server version and the schema, the URL masked', async () => {
    const { url, secret } = schemaWithPassword();
    const dir = temp();
    const before = await runRadar(['doctor', '--offline'], {
      cwd: dir,
      env: { RADAR_LEDGER: url },
    });
    expect(before.stdout).toMatch(
      /\nledger\s+warn\s+none yet at postgres:\/\/\[REDACTED\]@127\.0\.0\.1:\d+\/\S+: radar scan or radar ingest creates it/,
    );
    openPgLedger(url).close();
    const after = await runRadar(['doctor', '--offline', '--json'], {
      cwd: dir,
      env: { RADAR_LEDGER: url },
    });
    const ledger = (
      JSON.parse(after.stdout) as {
        checks: { name: string; status: string; detail: string; data: Record<string, unknown> }[];
      }
    ).checks.find((c) => c.name === 'ledger');
    expect(ledger).toMatchObject({
      status: 'ok',
      data: { engine: 'PostgreSQL', engineVersion: expect.stringMatching(/^\d+(\.\d+)?/) },
    });
    expect(ledger?.detail).toMatch(
      /^postgres:\/\/\[REDACTED\]@127\.0\.0\.1:\d+\/\S+ \(PostgreSQL \d+(\.\d+)?, schema \d+, 0 token events, 0 scans\)$/,
    );
    expect(before.stdout + after.stdout + before.stderr + after.stderr).not.toContain(secret);
  });

  it('a server that cannot be reached: one line naming it (masked), exit 1, no stack', async () => {
    const secret = 'pgcore-unreachable-pw';
    const r = await runRadar(
      ['queue', '--ledger', `postgres://radar:${secret}@127.0.0.1:1/radar`],
      {
        cwd: temp(),
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'radar: cannot open the PostgreSQL ledger at postgres://[REDACTED]@127.0.0.1:1/radar: connect ECONNREFUSED 127.0.0.1:1\n',
    );
    expect(r.stdout).toBe('');
  });
});
