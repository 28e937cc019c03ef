import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runRadar, tempTree } from '../helpers/cli.js';

const TOKEN = 'ghp_rate_limit_test';
let fake: FakeGitHub;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
  // 120 PRs by alice (three pages of 50), and three more authors: four search queries.
  fake = await startFakeGitHub(
    generateQueue({ author: 'alice', prs: 120, repos: 6, token: TOKEN }),
  );
  const t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['alice', 'bob', 'carol', 'dave'], includeDrafts: true },
    }),
  });
  dir = t.dir;
  cleanup = t.cleanup;
});
afterEach(async () => {
  await fake.close();
  cleanup();
});

const scan = () =>
  runRadar(['--json', 'scan'], {
    cwd: dir,
    env: { GITHUB_API_URL: fake.url, GITHUB_TOKEN: TOKEN },
  });

function ledger<T>(read: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'ledgers/radar.db'), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe('radar scan: a secondary rate limit that persists', () => {
  for (const status of [403, 429] as const) {
    it(`stops the whole scan after the retries of the first request (${status})`, async () => {
      fake.inject({
        kind: 'secondary-rate-limit',
        retryAfterSeconds: 1,
        status,
        times: Infinity,
        on: 'graphql',
      });
      const r = await scan();
      expect(r.code).toBe(1);
      // The first request and its two retries; no other query, no further pages.
      expect(fake.stats.graphqlRequests).toBe(3);
      expect(fake.stats.requests).toBe(3);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^radar: scan: GitHub's secondary rate limit persisted; stopped after 3 requests, kept 0 PRs; try again after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
      expect(JSON.parse(r.stdout)).toMatchObject({
        status: 'error',
        stoppedEarly: true,
        requests: 3,
        stop: { reason: 'secondary-rate-limit' },
      });
      // The run is on record, with its reason.
      const runs = ledger((db) => db.prepare('SELECT status, errors FROM scan_runs').all());
      expect(runs).toEqual([
        { status: 'error', errors: expect.stringContaining('secondary rate limit persisted') },
      ]);
    });
  }

  it('keeps the PRs of the pages GitHub answered before the limit', async () => {
    fake.inject({
      kind: 'secondary-rate-limit',
      retryAfterSeconds: 1,
      after: 1,
      times: Infinity,
      on: 'graphql',
    });
    const r = await scan();
    expect(r.code).toBe(1);
    expect(fake.stats.graphqlRequests).toBe(1 + 3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('stopped after 4 requests, kept 50 PRs');
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'partial', prsSeen: 50 });
    const firstPage = fake.scenario.pullRequests
      .slice()
      .sort((a, b) => (a.repo === b.repo ? a.number - b.number : a.repo < b.repo ? -1 : 1))
      .slice(0, 50)
      .map((p) => `${p.repo}#${p.number}`);
    const stored = ledger((db) =>
      (db.prepare('SELECT repo, number FROM prs').all() as { repo: string; number: number }[]).map(
        (p) => `${p.repo}#${p.number}`,
      ),
    );
    expect(stored.sort()).toEqual(firstPage.sort());

    // Once GitHub takes requests again, the next scan completes the queue.
    fake.clearFaults();
    const again = await scan();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'ok', prsSeen: 120 });
  });

  it('stops on an exhausted primary limit the same way: one line, what was fetched kept', async () => {
    fake.inject({ kind: 'primary-exhausted', after: 2, times: Infinity, on: 'graphql' });
    const r = await scan();
    expect(r.code).toBe(1);
    // Never retried: the primary limit resets up to an hour later.
    expect(fake.stats.graphqlRequests).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^radar: scan: GitHub's rate limit is exhausted; stopped after 3 requests, kept 100 PRs; try again after \d{4}-/,
    );
    expect(ledger((db) => db.prepare('SELECT count(*) AS n FROM prs').get())).toEqual({ n: 100 });
  });
});
