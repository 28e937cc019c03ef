import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateQueue } from '../../../src/testing/fake-github/generate.js';
import { startFakeGitHub, type FakeGitHub } from '../../../src/testing/fake-github/server.js';
import { runRadar, tempTree } from '../../helpers/cli.js';
import { freshPgSchema } from '../../helpers/pg.js';

/**
 * The same scans of the same queue into a SQLite and a PostgreSQL ledger: `radar queue --json`
 * and `radar explain` of every PR read the same, history (a push, a CI that turned, a PR that
 * left the queue) included.
 */
const TOKEN = 'ghp_same_reports_token_0123456789';
let fake: FakeGitHub;
let dir: string;
let sqlite: string;
let pg: ReturnType<typeof freshPgSchema>;
const cleanups: (() => void | Promise<void>)[] = [];

beforeAll(async () => {
  const scenario = generateQueue({ author: 'alice', prs: 16, repos: 6, token: TOKEN });
  fake = await startFakeGitHub(scenario);
  cleanups.push(() => fake.close());
  const tree = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['alice'] },
      budget: { providers: [] },
    }),
  });
  cleanups.push(tree.cleanup);
  dir = tree.dir;
  sqlite = join(dir, 'ledgers', 'radar.db');
  pg = freshPgSchema();
  cleanups.push(pg.drop);
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const radar = (ledger: string, now: string, ...args: string[]) =>
  runRadar(args, {
    cwd: dir,
    env: { GITHUB_API_URL: fake.url, GITHUB_TOKEN: TOKEN, RADAR_LEDGER: ledger, RADAR_NOW: now },
  });

async function both(now: string, ...args: string[]): Promise<[string, string]> {
  const [a, b] = [await radar(sqlite, now, ...args), await radar(pg.url, now, ...args)];
  expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: '' });
  expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: '' });
  return [a.stdout, b.stdout];
}

describe('a SQLite and a PostgreSQL ledger fed the same scans', () => {
  it('give the same queue and the same explanation of every PR', async () => {
    const first = '2026-06-15T12:00:00Z';
    const later = '2026-06-16T09:30:00Z';
    await both(first, 'scan');
    // Between the scans: a push, a CI run that turned, a review, a PR merged.
    const prs = fake.scenario.pullRequests;
    prs[0]!.headSha = 'f'.repeat(40);
    prs[1]!.checks = prs[1]!.checks.map((c) =>
      c.kind === 'status'
        ? { ...c, state: 'FAILURE' }
        : { ...c, status: 'COMPLETED', conclusion: 'FAILURE' },
    );
    prs[2]!.reviewDecision = 'CHANGES_REQUESTED';
    prs[3]!.state = 'MERGED';
    prs[3]!.mergedAt = later;
    await both(later, 'scan');

    const [queueSqlite, queuePg] = await both(later, '--json', 'queue', '--state', 'all');
    const rows = JSON.parse(queueSqlite) as { tier: string; state: string }[];
    expect(new Set(rows.map((r) => r.tier))).toEqual(
      new Set(['escalate', 'watch', 'zombie', 'closed']),
    );
    expect(rows.map((r) => r.state)).toContain('merged');
    expect(queuePg).toBe(queueSqlite);

    for (const pr of prs) {
      const [explainSqlite, explainPg] = await both(later, 'explain', `${pr.repo}#${pr.number}`);
      expect(explainSqlite).toContain(`${pr.repo}#${pr.number}`);
      expect(explainPg).toBe(explainSqlite);
    }
    // Two engines, two scans each, 2 × 19 commands: minutes, not seconds, on a loaded machine.
  }, 300_000);
});
