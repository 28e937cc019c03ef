import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import type { FakeCheck, FakePullRequest } from '../../src/testing/fake-github/scenario.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { FAKE_BIN } from '../dispatch/helpers.js';

/**
 * The whole loop from the command line: `radar scan --dispatch` twice against the fake GitHub,
 * with the fake agents on PATH. Each flagged PR gets one session, a hanging agent is stopped by
 * the idle timeout without holding up the rest, and the ledger's tokens per PR equal what the
 * agents printed.
 */

const TOKEN = 'ghp_scan_dispatch_token';
const NOW = '2026-06-15T12:00:00Z';
const REPO = 'acme/app';
const TOKENS = 20_000; // each fake session: 20,000 input and 2,000 output tokens

const failing: FakeCheck[] = [
  { kind: 'check_run', name: 'build', status: 'COMPLETED', conclusion: 'FAILURE' },
];
const pr = (number: number, extra: Partial<FakePullRequest> = {}): FakePullRequest => ({
  repo: REPO,
  number,
  title: `PR ${number}`,
  author: 'me',
  state: 'OPEN',
  headSha: `${number}`.padStart(40, 'c'),
  mergeable: 'MERGEABLE',
  reviewDecision: 'REVIEW_REQUIRED',
  checks: failing,
  reviews: [],
  comments: [],
  additions: 5,
  deletions: 1,
  changedFiles: 1,
  createdAt: '2026-06-10T00:00:00Z',
  updatedAt: '2026-06-14T00:00:00Z',
  ...extra,
});

let fake: FakeGitHub;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  fake = await startFakeGitHub({
    viewer: 'me',
    tokens: [TOKEN],
    scopes: ['repo'],
    pullRequests: [
      pr(1),
      pr(2),
      pr(3),
      pr(4),
      pr(5, {
        checks: [{ kind: 'check_run', name: 'build', status: 'COMPLETED', conclusion: 'SUCCESS' }],
      }),
    ],
  });
  const t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['me'] },
      dispatch: { concurrency: 2, maxPerScan: 10, idleTimeoutMs: 1500, killGraceMs: 1000 },
    }),
    'plan.json': JSON.stringify({ [`${REPO}#3`]: 'hang' }),
  });
  dir = t.dir;
  cleanup = t.cleanup;
});
afterAll(async () => {
  await fake.close();
  cleanup();
});

const env = () => ({
  GITHUB_API_URL: fake.url,
  GITHUB_TOKEN: TOKEN,
  RADAR_NOW: NOW,
  PATH: `${FAKE_BIN}:${process.env.PATH ?? ''}`,
  CODEX_HOME: join(dir, 'codex-home'),
  CLAUDE_CONFIG_DIR: join(dir, 'claude-home'),
  FAKE_AGENT_PLAN: join(dir, 'plan.json'),
  FAKE_AGENT_TOKENS: String(TOKENS),
});
const cli = (...args: string[]) =>
  runCli(['--json', ...args], { cwd: dir, env: env(), timeoutMs: 60_000 });

describe('radar scan --dispatch', () => {
  it('dispatches each flagged PR once over two scans; a hanging agent is stopped; tokens per PR are what the agents printed', async () => {
    const first = await cli('scan', '--dispatch');
    expect(first.code).toBe(0);
    // The scan's summary, then the dispatch's results: one JSON line each.
    const [summary, { dispatch }] = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(summary.flagged.map((f: { number: number }) => f.number).sort()).toEqual([1, 2, 3, 4]);
    const outcomes = Object.fromEntries(
      (dispatch.results as { pr: string; status: string }[]).map((r) => [r.pr, r.status]),
    );
    expect(outcomes).toEqual({
      [`${REPO}#1`]: 'succeeded',
      [`${REPO}#2`]: 'succeeded',
      [`${REPO}#3`]: 'timed_out',
      [`${REPO}#4`]: 'succeeded',
    });

    const second = await cli('scan', '--dispatch');
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout.trim().split('\n')[1]!);
    // Every flagged PR was acted on: nothing is left in the escalate tier.
    expect(JSON.parse(second.stdout.trim().split('\n')[0]!).flagged).toEqual([]);
    expect(
      again.dispatch.results.filter((r: { status: string }) => r.status !== 'skipped'),
    ).toEqual([]);

    const db = new Database(join(dir, 'ledgers/radar.db'), { readonly: true });
    try {
      const rows = db
        .prepare(
          `SELECT number, count(*) AS n, max(started_at) AS s, min(ended_at) AS e FROM escalations GROUP BY number ORDER BY number`,
        )
        .all() as { number: number; n: number }[];
      expect(rows.map((r) => [r.number, r.n])).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ]);
      // Never more than two sessions at once.
      const spans = db.prepare(`SELECT started_at AS s, ended_at AS e FROM escalations`).all() as {
        s: number;
        e: number;
      }[];
      for (const a of spans)
        expect(spans.filter((b) => b.s <= a.s && b.e > a.s).length).toBeLessThanOrEqual(2);
    } finally {
      db.close();
    }
    const report = await cli('report', 'tokens', '--by', 'pr');
    const byPr = Object.fromEntries(
      (JSON.parse(report.stdout).groups as { key: string; tokens: number }[]).map((g) => [
        g.key,
        g.tokens,
      ]),
    );
    for (const n of [1, 2, 4]) expect(byPr[`${REPO}#${n}`]).toBe(TOKENS + TOKENS / 10);
    expect(byPr[`${REPO}#5`]).toBeUndefined();
  });
});
