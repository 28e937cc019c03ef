import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import type { FakePullRequest } from '../../src/testing/fake-github/scenario.js';
import { resolveEndpoint } from '../../src/github/endpoint.js';
import { openLedger } from '../../src/ledger/open.js';
import { runCli, runRadar, tempTree } from '../helpers/cli.js';
import { killHard, tryLockInChild } from '../ledger/hold-lock.js';

const TOKEN = 'ghp_scan_test_token';
let fake: FakeGitHub;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
  const scenario = generateQueue({ author: 'alice', prs: 60, repos: 9, token: TOKEN });
  // Outside the queue: someone else's PR, an ignored repo, an archived repo.
  const other = { ...scenario.pullRequests[0]!, number: 9000, author: 'bob' };
  const ignored = {
    ...scenario.pullRequests[1]!,
    repo: 'noisy-org/bot',
    number: 1,
    isDraft: false,
  };
  const archived = { ...scenario.pullRequests[2]!, repo: 'old/attic', number: 2, isDraft: false };
  scenario.pullRequests.push(other, ignored, archived);
  scenario.repositories!.push(
    { nameWithOwner: 'noisy-org/bot' },
    { nameWithOwner: 'old/attic', archived: true },
  );
  fake = await startFakeGitHub(scenario);
  const t = tempTree({
    'config/radar.json': JSON.stringify({ watch: { authors: ['alice'], ignore: ['noisy-org/*'] } }),
  });
  dir = t.dir;
  cleanup = t.cleanup;
});
afterEach(async () => {
  await fake.close();
  cleanup();
});

const env = (extra: Record<string, string | undefined> = {}) => ({
  GITHUB_API_URL: fake.url,
  GITHUB_TOKEN: TOKEN,
  ...extra,
});
const scan = (extra: Record<string, string | undefined> = {}) =>
  runRadar(['--json', 'scan'], { cwd: dir, env: env(extra) });
const queue = async (...args: string[]) => {
  const r = await runRadar(['--json', 'queue', ...args], { cwd: dir, env: env() });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
};

/** What a correct radar must report for a scenario PR, computed independently of radar's code. */
function truth(pr: FakePullRequest) {
  const states = pr.checks.map((c) =>
    c.kind === 'status'
      ? { name: c.context, s: c.state }
      : { name: c.name, s: c.status === 'COMPLETED' ? c.conclusion : c.status },
  );
  const failing = states.filter((c) =>
    ['FAILURE', 'ERROR', 'CANCELLED', 'TIMED_OUT', 'ACTION_REQUIRED', 'STARTUP_FAILURE'].includes(
      String(c.s),
    ),
  );
  const passing = states.filter((c) => ['SUCCESS', 'NEUTRAL', 'SKIPPED'].includes(String(c.s)));
  return {
    repo: pr.repo,
    number: pr.number,
    title: pr.title,
    url: `https://github.com/${pr.repo}/pull/${pr.number}`,
    state: pr.state.toLowerCase(),
    draft: Boolean(pr.isDraft),
    headSha: pr.headSha,
    mergeable: pr.mergeable.toLowerCase(),
    ci:
      states.length === 0
        ? 'none'
        : failing.length
          ? 'failing'
          : passing.length === states.length
            ? 'passing'
            : 'pending',
    failingChecks: failing.map((c) => c.name).sort(),
    review: pr.reviewDecision ? pr.reviewDecision.toLowerCase() : 'none',
    additions: pr.additions,
    deletions: pr.deletions,
    changedFiles: pr.changedFiles,
    createdAt: pr.createdAt,
    updatedAt: pr.updatedAt,
  };
}

const key = (p: object) =>
  `${String((p as { repo: unknown }).repo)}#${String((p as { number: unknown }).number)}`;

describe('radar scan', () => {
  it('records the whole queue, PR by PR as GitHub has it; an unchanged queue costs one request and at most 3 points per 50 PRs', async () => {
    const r = await scan();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    const expected = fake.scenario.pullRequests.filter(
      (p) =>
        p.author === 'alice' && !p.isDraft && p.repo !== 'noisy-org/bot' && p.repo !== 'old/attic',
    );
    expect(summary.prsSeen).toBe(expected.length);
    const pages = Math.ceil(expected.length / 50);
    // New PRs: a search page per 50, a details page (comment text, closing issues' labels) per 25.
    expect(fake.stats.graphqlRequests).toBe(pages + Math.ceil(expected.length / 25));
    expect(summary).toMatchObject({
      requests: fake.stats.requests,
      points: fake.stats.points,
      status: 'ok',
    });
    const got = await queue();
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
    const byKey = new Map(got.map((p) => [key(p), p]));
    for (const pr of expected) expect(byKey.get(key(pr))).toMatchObject(truth(pr));

    fake.resetStats();
    const again = JSON.parse((await scan()).stdout);
    expect(fake.stats.graphqlRequests).toBe(pages);
    expect(fake.stats.points).toBeLessThanOrEqual(3 * pages);
    expect(again).toMatchObject({ requests: pages, points: fake.stats.points, changes: 0 });
  });

  it('adds no history rows when nothing changed, and records only what changed', async () => {
    await scan();
    const db = () => new Database(join(dir, 'ledgers/radar.db'), { readonly: true });
    const count = () => {
      const d = db();
      const n = (d.prepare('SELECT count(*) AS n FROM pr_changes').get() as { n: number }).n;
      d.close();
      return n;
    };
    const afterFirst = count();
    for (let i = 0; i < 3; i++) expect((await scan()).code).toBe(0);
    expect(count()).toBe(afterFirst);
    const target = fake.scenario.pullRequests.find(
      (p) => p.author === 'alice' && !p.isDraft && p.checks.length > 0,
    )!;
    target.checks = [
      { kind: 'check_run', name: 'e2e', status: 'COMPLETED', conclusion: 'TIMED_OUT' },
    ];
    target.updatedAt = '2026-06-16T00:00:00Z';
    const s = JSON.parse((await scan()).stdout);
    expect(s.changed).toEqual([
      expect.objectContaining({ repo: target.repo, number: target.number }),
    ]);
    expect((await queue()).find((p) => key(p) === key(target))).toMatchObject({
      ci: 'failing',
      failingChecks: ['e2e'],
    });
  });

  it('keeps the last known mergeability while GitHub computes it, never calling it a conflict', async () => {
    const pr = fake.scenario.pullRequests.find(
      (p) => p.author === 'alice' && !p.isDraft && p.mergeable === 'MERGEABLE',
    )!;
    await scan();
    pr.mergeable = 'UNKNOWN';
    await scan();
    const entry = (await queue()).find((p) => key(p) === key(pr))!;
    expect(entry).toMatchObject({ mergeable: 'unknown', mergeableLastKnown: 'mergeable' });
  });

  it('resolves PRs that left the open queue to merged or closed in the same scan', async () => {
    await scan();
    const [a, b] = fake.scenario.pullRequests.filter((p) => p.author === 'alice' && !p.isDraft);
    a!.state = 'MERGED';
    a!.mergedAt = '2026-06-16T10:00:00Z';
    b!.state = 'CLOSED';
    b!.closedAt = '2026-06-16T11:00:00Z';
    const s = JSON.parse((await scan()).stdout);
    expect(s.resolved).toEqual(
      expect.arrayContaining([
        { repo: a!.repo, number: a!.number, state: 'merged' },
        { repo: b!.repo, number: b!.number, state: 'closed' },
      ]),
    );
    expect((await queue('--state', 'merged')).map(key)).toEqual([key(a!)]);
    expect((await queue('--state', 'closed')).map(key)).toEqual([key(b!)]);
    expect((await queue()).map(key)).not.toContain(key(a!));
  });

  it('filters the queue by repo and author', async () => {
    await scan();
    const repo = fake.scenario.pullRequests[0]!.repo;
    const only = await queue('--repo', repo);
    expect(only.length).toBeGreaterThan(0);
    expect(only.every((p) => p.repo === repo)).toBe(true);
    expect(await queue('--author', 'bob')).toEqual([]);
  });
});

describe('radar scan: faults and limits', () => {
  it('retries 5xx, connection resets and secondary limits (honouring retry-after)', async () => {
    fake.inject({ kind: 'status', status: 502, on: 'graphql' });
    fake.inject({ kind: 'connection-reset', on: 'graphql' });
    fake.inject({ kind: 'secondary-rate-limit', retryAfterSeconds: 1, on: 'graphql' });
    const r = await scan();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).prsSeen).toBeGreaterThan(50);
    expect(fake.stats.faults).toBe(3);
  });

  it('retries a malformed body, and reports a page GitHub keeps failing without losing the rest', async () => {
    fake.inject({ kind: 'malformed-body', on: 'graphql' });
    expect((await scan()).code).toBe(0);
    const kept = (await queue()).length;
    fake.inject({ kind: 'status', status: 502, on: 'graphql', times: 10 });
    const failing = await scan();
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('502');
    expect(failing.stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect((await queue()).length).toBe(kept);
  });

  it('stops early under the reserve or an exhausted limit, keeping what it fetched', async () => {
    fake.scenario.rateLimit = {
      limit: 5000,
      remaining: 150,
      resetAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const r = await scan();
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ stoppedEarly: true, status: 'partial' });
    const kept = (await queue()).length;
    expect(kept).toBe(s.prsSeen);
    expect(kept).toBeGreaterThan(40);
    expect(kept).toBeLessThanOrEqual(50);
    fake.scenario.rateLimit = undefined;
    fake.inject({ kind: 'primary-exhausted', on: 'graphql' });
    const again = await scan();
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('rate limit');
    expect((await queue()).length).toBe(kept); // nothing lost
  });

  it('exits 2 with a clear message for a missing or rejected token', async () => {
    const none = await runRadar(['scan'], {
      cwd: dir,
      env: { GITHUB_API_URL: fake.url, PATH: '/nonexistent' },
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no GitHub token');
    const bad = await scan({ GITHUB_TOKEN: 'ghp_wrong' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('rejected the token from GITHUB_TOKEN');
    expect(bad.stderr).not.toContain('ghp_wrong');
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('says GitHub could not be reached, which host and what to check, not the request', async () => {
    const gone = await startFakeGitHub(
      generateQueue({ author: 'alice', prs: 1, repos: 1, token: TOKEN }),
    );
    const url = new URL(gone.url);
    await gone.close();
    const r = await scan({ GITHUB_API_URL: gone.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `radar: scan: GitHub could not be reached at ${url.host}: the connection was refused (ECONNREFUSED); check the host and port`,
    );
    expect(r.stderr).not.toContain('is:pr');
    expect(r.stderr).not.toContain('HTTP 500');
    // Said once: the queries after the first are not sent to a host that is not there.
    expect(r.stderr.match(/could not be reached/g)).toHaveLength(1);
  });

  it('exits 75 while another scan holds the lock, and runs right after its holder is killed', async () => {
    openLedger(join(dir, 'ledgers/radar.db')).close();
    const ledger = join(dir, 'ledgers/radar.db');
    const holder = tryLockInChild(ledger, 'scan');
    expect(await holder.outcome).toBe(true);
    try {
      const busy = await scan();
      expect(busy.code).toBe(75);
      expect(busy.stderr.trim().split('\n')).toHaveLength(1);
      expect(busy.stderr).toContain(`another radar scan is running (pid ${holder.child.pid},`);
    } finally {
      await killHard(holder.child);
    }
    expect((await scan()).code).toBe(0);
  });

  it('is not kept out by an old pid lock file, even of a live pid on another host', async () => {
    openLedger(join(dir, 'ledgers/radar.db')).close();
    writeFileSync(
      join(dir, 'ledgers/radar.db.scan.lock'),
      JSON.stringify({ pid: process.pid, host: 'container-3f2a9c', startedAt: Date.now() }),
    );
    expect((await scan()).code).toBe(0);
  });

  it('runs exactly one of two scans started at once; the other exits 75', async () => {
    openLedger(join(dir, 'ledgers/radar.db')).close();
    fake.setLatency(500);
    // Two processes: the lock is between processes, so this journey spawns the built CLI.
    const spawned = () => runCli(['--json', 'scan'], { cwd: dir, env: env() });
    const results = await Promise.all([spawned(), spawned()]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 75]);
    const loser = results.find((r) => r.code === 75)!;
    expect(loser.stderr.trim()).toMatch(/^radar: another radar scan is running \(pid \d+,/);
    expect(loser.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('GitHub endpoint', () => {
  it('finds GraphQL next to the REST base, including GitHub Enterprise Server', () => {
    expect(resolveEndpoint({}).graphqlUrl).toBe('https://api.github.com/graphql');
    expect(resolveEndpoint({ GITHUB_API_URL: 'https://ghe.example.com/api/v3/' }).graphqlUrl).toBe(
      'https://ghe.example.com/api/graphql',
    );
    expect(() => resolveEndpoint({ GITHUB_API_URL: 'not a url' })).toThrow(/GITHUB_API_URL/);
    expect(() => resolveEndpoint({ GITHUB_API_URL: 'https://u:t0ken@ghe.example.com' })).toThrow(
      'GITHUB_API_URL must not contain credentials ("https://[REDACTED]@ghe.example.com")',
    );
  });
});

describe('radar doctor: the GitHub network check', () => {
  it('reports the login, scopes and remaining rate limit, and fails on a rejected token', async () => {
    const ok = await runRadar(['--json', 'doctor'], { cwd: dir, env: env() });
    const checks = (
      JSON.parse(ok.stdout) as { checks: { name: string; status: string; detail: string }[] }
    ).checks;
    expect(checks.find((c) => c.name === 'github token')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('alice'),
    });
    expect(checks.find((c) => c.name === 'github token')!.detail).toContain('repo');
    expect(checks.find((c) => c.name === 'github rate limit')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/GraphQL [\d,]+\/5,000/),
    });
    expect(fake.stats.points).toBeLessThanOrEqual(1);
    const bad = await runRadar(['doctor'], {
      cwd: dir,
      env: env({ GITHUB_TOKEN: 'ghp_nope_nope_nope_nope' }),
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/github token\s+FAIL\s+rejected/);
    const offline = await runRadar(['doctor', '--offline'], { cwd: dir, env: env() });
    expect(offline.stdout).toMatch(/github token\s+ok\s+present \(GITHUB_TOKEN\)/);
  });
});

describe('radar scan: partial GraphQL answers', () => {
  it('keeps the PRs GitHub sent alongside errors (e.g. an org blocking the token)', async () => {
    const { createServer } = await import('node:http');
    // A proxy in front of the fake that nulls one PR and adds a FORBIDDEN error, as GitHub does.
    const proxy = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        void fetch(`${fake.url}${req.url ?? '/'}`, {
          method: req.method,
          headers: {
            authorization: String(req.headers.authorization),
            'content-type': 'application/json',
          },
          body: req.method === 'POST' ? body : undefined,
        })
          .then(
            (r) =>
              r.json() as Promise<{ data?: { search?: { nodes: unknown[] } }; errors?: unknown[] }>,
          )
          .then((json) => {
            if (json.data?.search) {
              json.data.search.nodes[0] = null;
              json.errors = [
                {
                  type: 'FORBIDDEN',
                  message: 'Resource protected by organization SAML enforcement.',
                  path: ['search', 'nodes', 0],
                },
              ];
            }
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(json));
          });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const port = (proxy.address() as { port: number }).port;
      const r = await scan({ GITHUB_API_URL: `http://127.0.0.1:${port}` });
      const expected = fake.scenario.pullRequests.filter(
        (p) =>
          p.author === 'alice' &&
          !p.isDraft &&
          p.repo !== 'noisy-org/bot' &&
          p.repo !== 'old/attic',
      );
      // One PR per page is withheld (it may be one radar filters anyway); the rest is recorded.
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('warning: is:pr is:open author:alice');
      expect(r.stderr).toContain('SAML');
      const pages = Math.ceil(fake.scenario.pullRequests.length / 50);
      const seen = (JSON.parse(r.stdout) as { prsSeen: number }).prsSeen;
      expect(seen).toBeGreaterThanOrEqual(expected.length - pages);
      expect(seen).toBeLessThan(expected.length);
      expect((await queue()).length).toBe(seen);
    } finally {
      proxy.close();
    }
  });
});

describe('radar scan: a hostile PR', () => {
  it('a PR whose body and comment are 8 MiB is skipped and reported; the queue is scanned, now and later', async () => {
    const pr = fake.scenario.pullRequests[4]!;
    pr.body = 'B'.repeat(8 * 1024 * 1024);
    pr.comments.push({
      author: 'mallory',
      authorAssociation: 'NONE',
      body: 'A'.repeat(8 * 1024 * 1024),
      createdAt: '2026-06-14T00:00:00Z',
    });
    // GitHub gives up on an answer that large.
    fake.scenario.maxResponseBytes = 4 * 1024 * 1024;
    const first = await scan();
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ status: 'ok', errors: [] });
    expect(summary.skipped).toEqual([
      { repo: pr.repo, number: pr.number, reason: expect.stringContaining('Something went wrong') },
    ]);
    expect(first.stderr).toContain(`radar: scan: warning: ${pr.repo}#${pr.number}: skipped`);
    const others = (await queue()).filter((p) => p.number !== pr.number || p.repo !== pr.repo);
    expect(others.length).toBeGreaterThan(50);
    const again = await scan();
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
  });
});
