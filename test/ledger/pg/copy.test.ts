import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoScenario } from '../../../src/demo/queue.js';
import { PgSyncClient } from '../../../src/ledger/pg/sync-client.js';
import { migratedTables } from '../../../src/ledger/pg/maintenance.js';
import { startFakeGitHub, type FakeGitHub } from '../../../src/testing/fake-github/server.js';
import { ROOT, runCli, runRadar, tempTree, type CliResult } from '../../helpers/cli.js';
import { freshPgSchema, pgServerUrl } from '../../helpers/pg.js';
import { cliEnv } from '../../dispatch/helpers.js';

/**
 * A SQLite ledger filled as a user fills one (an ingest of real agents' logs, scans of a queue on
 * a fake GitHub, a dispatch to fake agents, another scan), copied with `radar ledger copy` into
 * a PostgreSQL ledger: every table holds the same rows with the same ids, and the reports read
 * the same, byte for byte. A second copy into the filled ledger is refused and writes nothing.
 */
const TOKEN = 'ghp_ledger_copy_token_0123456789';
const PASSWORD = 'copy-secret-pw-4711';
const MACHINE = 'machine-of-the-copy';
let gh: FakeGitHub;
let tree: ReturnType<typeof tempTree>;
let sqlite: string;
let pg: ReturnType<typeof freshPgSchema>;
/** The target with a password in it (the suite's server trusts loopback, so any is accepted). */
let target: string;

beforeAll(async () => {
  gh = await startFakeGitHub(demoScenario({ author: 'dev', token: TOKEN, now: new Date() }));
  tree = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['dev'] },
      budget: { allowUnknown: true },
      dispatch: { concurrency: 2, maxPerScan: 2, idleTimeoutMs: 60_000, killGraceMs: 300 },
    }),
  });
  sqlite = join(tree.dir, 'ledgers', 'radar.db');
  pg = freshPgSchema();
  target = pg.url.replace('postgres://radar@', `postgres://radar:${PASSWORD}@`);
});
afterAll(async () => {
  tree?.cleanup();
  await gh?.close();
  pg?.drop();
});

const env = (extra: Record<string, string> = {}) => ({
  ...cliEnv(tree.dir, { url: gh.url, token: TOKEN }, { FAKE_AGENT_TOKENS: '2500' }),
  RADAR_MACHINE_ID: MACHINE,
  ...extra,
});
const radar = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { cwd: tree.dir, env: env(extra), timeoutMs: 180_000 });
/** The command layer in this process (runRadar): for the reports read from either ledger. */
const radarHere = (args: string[], extra: Record<string, string> = {}) =>
  runRadar(args, { cwd: tree.dir, env: env(extra) });

const ok = (r: CliResult) => {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return r.stdout;
};

/** Every row of every table, as the engine gives it, in a stable order. */
function sqliteRows(table: string): unknown[] {
  const db = new Database(sqlite, { readonly: true });
  try {
    return sorted(db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]);
  } finally {
    db.close();
  }
}
function pgRows(table: string): unknown[] {
  return pgRowsOf([table])[0]!;
}
/** Every row of each table, read over one connection (one per table took seconds each under load). */
function pgRowsOf(tables: readonly string[]): unknown[][] {
  const c = new PgSyncClient(pg.url);
  try {
    return tables.map((t) => sorted(c.query<Record<string, unknown>>(`SELECT * FROM "${t}"`).rows));
  } finally {
    c.close();
  }
}
const sorted = (rows: Record<string, unknown>[]) =>
  rows
    .map((r) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))))
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
const without = (rows: unknown[], ...keys: string[]) =>
  sorted(
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r as Record<string, unknown>).filter(([k]) => !keys.includes(k)),
      ),
    ),
  );

describe('radar ledger copy', () => {
  it(
    'copies a ledger filled by a realistic journey: same rows and ids, same reports',
    { timeout: 600_000 },
    async () => {
      ok(await radar(['ingest', join(ROOT, 'test/fixtures/real')]));
      ok(await radar(['scan', '--dispatch']));
      // A push and a merge between scans: PR history, changed verdicts, a closed PR.
      const prs = gh.scenario.pullRequests;
      prs[0]!.headSha = 'f'.repeat(40);
      prs[1]!.state = 'MERGED';
      prs[1]!.mergedAt = new Date().toISOString();
      ok(await radar(['scan']));
      ok(await radar(['ingest', join(tree.dir, 'codex')]));

      const copy = await radar(['ledger', 'copy', '--to', target]);
      expect(ok(copy)).toMatch(
        /^copied [\d,]+ rows in \d+ tables from .*radar\.db to postgres:\/\/\[REDACTED\]@/,
      );
      expect(copy.stdout + copy.stderr).not.toContain(PASSWORD);

      // Every table: the same rows, ids and references. PostgreSQL's `seq` is SQLite's rowid
      // order; SQLite's scan_runs.judged_at is folded into the verdicts (compared by the reports).
      const tables = migratedTables();
      const copied = pgRowsOf(tables);
      for (const [i, table] of tables.entries()) {
        const [a, b] = [sqliteRows(table), copied[i]!];
        if (table === 'verdicts')
          expect(without(b, 'seq', 'scan_id', 'evaluated_at')).toEqual(
            without(a, 'scan_id', 'evaluated_at'),
          );
        else expect(without(b, 'seq'), table).toEqual(without(a, 'judged_at'));
      }
      expect(sqliteRows('token_events').length).toBeGreaterThan(100);
      expect(sqliteRows('escalations').length).toBeGreaterThan(0);
      expect(pgRows('machines')).toEqual([expect.objectContaining({ id: MACHINE })]);

      // The reports on either ledger, at one pinned moment, by the same command layer.
      const now = { RADAR_NOW: new Date().toISOString() };
      const both = async (...args: string[]) => {
        const a = ok(await radarHere(args, { ...now, RADAR_LEDGER: sqlite }));
        const b = ok(await radarHere(args, { ...now, RADAR_LEDGER: pg.url }));
        expect(b, args.join(' ')).toBe(a);
        return a;
      };
      const tokens = JSON.parse(await both('report', 'tokens', '--json')) as { total: unknown };
      expect(tokens.total).toMatchObject({ tokens: expect.any(Number) });
      await both('report', 'tokens', '--json', '--by', 'machine');
      const queue = JSON.parse(await both('queue', '--json', '--state', 'all')) as unknown[];
      expect(queue.length).toBe(prs.length);
      expect(await both('escalations')).toMatch(/succeeded/);
      await both('escalations', '--json');
      for (const pr of prs.slice(0, 4)) {
        await both('explain', `${pr.repo}#${pr.number}`);
        // lastScan.at: when the PR was last judged (SQLite keeps it beside the unchanged verdict).
        await both('explain', '--json', `${pr.repo}#${pr.number}`);
      }

      // The next id on the server follows the copied ones: a new scan's rows do not collide.
      ok(await radar(['scan'], { RADAR_LEDGER: pg.url }));
    },
  );

  it('refuses a ledger that already holds rows, writes nothing, and never prints the password', async () => {
    const counts = () => {
      const tables = migratedTables();
      const rows = pgRowsOf(tables);
      return tables.map((t, i) => [t, rows[i]!.length]);
    };
    const before = counts();
    const again = await radar(['ledger', 'copy', '--to', target]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^radar: the PostgreSQL ledger at postgres:\/\/\[REDACTED\]@.* already holds a radar ledger with rows; radar copies only into an empty one, and wrote nothing\n {2}\w+: \d+ rows\n/,
    );
    expect(again.stderr).not.toContain(PASSWORD);
    expect(again.stderr).not.toMatch(/at .+\.js:\d+/);
    expect(counts()).toEqual(before);
  });

  it('refuses a target that is not a PostgreSQL server, and a server it cannot reach, masked', async () => {
    const file = await radar(['ledger', 'copy', '--to', join(tree.dir, 'other.db')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/--to takes a PostgreSQL connection string/);
    // A port nobody listens on: one line, credentials masked, nothing written anywhere.
    const closed = pgServerUrl()
      .replace(/:(\d+)\//, ':1/')
      .replace('radar@', `radar:${PASSWORD}@`);
    const refused = await radar(['ledger', 'copy', '--to', closed]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^radar: cannot copy into postgres:\/\/\[REDACTED\]@127\.0\.0\.1:1\/.*nothing was written\n$/,
    );
    expect(refused.stderr).not.toContain(PASSWORD);
  });
});
