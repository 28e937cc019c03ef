import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderScan } from '../../src/commands/scan.js';
import { configSchema } from '../../src/config/schema.js';
import { GitHubError } from '../../src/github/errors.js';
import { PrStore } from '../../src/ledger/pr-store.js';
import { RulesStore } from '../../src/ledger/rules-store.js';
import { OutcomeStore } from '../../src/ledger/outcome-store.js';
import { DETAIL_FAILURE_BUDGET } from '../../src/scan/plan.js';
import { runScan } from '../../src/scan/scan.js';
import { pullRequestNodeId } from '../../src/testing/fake-github/server.js';
import type { FakeScenario } from '../../src/testing/fake-github/scenario.js';
import { createMemoryGitHub, type MemoryGitHub } from '../../src/testing/memory-github.js';
import { tempLedger, type TempLedger } from '../dispatch/helpers.js';
import { commentedQueue } from './helpers.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';

/** The scan against the GitHub port in memory: every branch without a process or a socket. */

const NOW = Date.parse('2026-06-15T12:00:00Z');
let t: TempLedger;
let gh: MemoryGitHub;

const scenario = (prs: number, author = 'alice'): FakeScenario =>
  commentedQueue({ author, prs, repos: 9 });
const config = (authors = ['alice']) =>
  configSchema.parse({ watch: { authors, includeDrafts: true } });
const scan = (cfg = config()) =>
  runScan({
    port: gh,
    store: new PrStore(t.db),
    rules: new RulesStore(t.db),
    outcomes: new OutcomeStore(t.db),
    config: cfg,
    logger: pino({ level: 'silent' }),
    now: () => NOW,
  });
const idOf = (i: number) =>
  pullRequestNodeId(gh.scenario.pullRequests[i]!.repo, gh.scenario.pullRequests[i]!.number);
const detailCalls = () => gh.calls.filter((c) => c.method === 'details');
const stored = () => new PrStore(t.db).all();

beforeEach(() => {
  t = tempLedger();
  gh = createMemoryGitHub(scenario(60));
});
afterEach(() => t.cleanup());

describe('scan against the GitHub port in memory', () => {
  it('records the queue with its comment text; an unchanged queue reads no details again', async () => {
    const first = await scan();
    const open = gh.scenario.pullRequests.filter((p) => p.state === 'OPEN');
    expect(first).toMatchObject({ status: 'ok', prsSeen: open.length, newPrs: open.length });
    expect(detailCalls()).toHaveLength(Math.ceil(open.length / 25));
    const prs = stored();
    expect(prs.every((p) => p.detailsAt === NOW)).toBe(true);
    expect(prs.find((p) => p.nodeId === idOf(7))!.comments.at(-1)!.body).toBe('please look at 7');
    gh.calls.length = 0;
    const second = await scan();
    expect(second).toMatchObject({ status: 'ok', changes: 0 });
    expect(gh.calls.map((c) => c.method)).toEqual(['search', 'search']);
  });

  it('one PR GitHub cannot read is skipped and reported; the rest get their details; later scans go on', async () => {
    const bad = idOf(12);
    const badPr = gh.scenario.pullRequests[12]!;
    gh.fail = (call) =>
      call.method === 'details' && call.ids.includes(bad)
        ? new GitHubError('Something went wrong while executing your query')
        : undefined;
    const first = await scan();
    expect(first.status).toBe('ok');
    expect(first.errors).toEqual([]);
    expect(first.skipped).toEqual([
      {
        repo: badPr.repo,
        number: badPr.number,
        reason: 'Something went wrong while executing your query',
      },
    ]);
    expect(first.warnings.join('\n')).toContain(`${badPr.repo}#${badPr.number}: skipped`);
    // The terminal summary names it too, not only stderr.
    expect(renderScan(first)).toContain(`skipped ${badPr.repo}#${badPr.number}: GitHub could not`);
    const prs = stored();
    const others = prs.filter((p) => p.nodeId !== bad);
    expect(others.every((p) => p.comments.every((c) => c.body !== undefined))).toBe(true);
    expect(prs.find((p) => p.nodeId === bad)!.comments.every((c) => c.body === undefined)).toBe(
      true,
    );
    // Narrowed down in halves, 25 → 13 → 7 → 4 → 2 → 1 at most.
    const asked = detailCalls().filter((c) => 'ids' in c && c.ids.includes(bad));
    expect(asked.length).toBeLessThanOrEqual(6);
    expect(asked.at(-1)).toEqual({ method: 'details', ids: [bad] });

    // Not asked for again while it is unchanged: the next scan neither fails nor pays for it.
    gh.calls.length = 0;
    expect(await scan()).toMatchObject({ status: 'ok', skipped: [] });
    expect(detailCalls()).toEqual([]);

    // Once it changes (and GitHub can answer), its text is read.
    gh.fail = undefined;
    badPr.updatedAt = '2026-06-15T11:00:00Z';
    await scan();
    expect(
      stored()
        .find((p) => p.nodeId === bad)!
        .comments.at(-1)!.body,
    ).toBe('please look at 12');
  });

  it('a GitHub that fails every details request costs a bounded number of requests and is an error', async () => {
    gh.fail = (call) =>
      call.method === 'details' ? new GitHubError('HTTP 502: Bad Gateway', 502) : undefined;
    const r = await scan();
    expect(r.status).toBe('partial');
    expect(r.errors).toEqual(['reading comment details: HTTP 502: Bad Gateway']);
    expect(detailCalls()).toHaveLength(DETAIL_FAILURE_BUDGET + 1);
    // The PRs are recorded all the same; their details are asked for again next time.
    expect(stored().every((p) => p.detailsAt === null)).toBe(true);
  });

  it.each([
    ['GitHub fails past the budget', () => new GitHubError('HTTP 502: Bad Gateway', 502)],
    [
      'a rate limit stops the scan',
      async () =>
        new (await import('../../src/github/errors.js')).RateLimitError(
          'primary',
          undefined,
          '2026-06-15T13:00:00Z',
        ),
    ],
  ])(
    'a new comment whose details were not read (%s) is read by the next scan, though the PR does not change again',
    async (_, failure) => {
      await scan();
      const pr = gh.scenario.pullRequests[5]!;
      pr.comments.push({
        id: 'IC_new',
        author: 'maint',
        authorAssociation: 'MEMBER',
        body: 'one more thing',
        createdAt: '2026-06-15T10:00:00Z',
      });
      // Every PR changed: GitHub fails the details of all of them, never a single one.
      for (const p of gh.scenario.pullRequests) p.updatedAt = '2026-06-15T10:00:00Z';
      const error = await failure();
      gh.fail = (call) => (call.method === 'details' ? error : undefined);
      expect((await scan()).status).toBe('partial');
      const row = () => stored().find((p) => p.nodeId === idOf(5))!;
      expect(row().comments.at(-1)!.body).toBeUndefined();
      gh.fail = undefined;
      expect((await scan()).status).toBe('ok');
      expect(row().comments.at(-1)!.body).toBe('one more thing');
      expect(row().detailsAt).toBe(NOW);
    },
  );

  it('a malformed PR is dropped and named; the rest is kept, and it is not taken for closed', async () => {
    await scan();
    const odd = idOf(3);
    gh.tamper = (node) => {
      if (node.id === odd) node.mergeable = 'SOMETIMES';
    };
    const r = await scan();
    expect(r.warnings.join('\n')).toContain(`${odd}: mergeable:`);
    expect(r.resolved).toEqual([]);
    expect(stored().find((p) => p.nodeId === odd)!.state).toBe('open');
    expect(r.prsSeen).toBe(gh.scenario.pullRequests.filter((p) => p.state === 'OPEN').length - 1);
  });

  it('a rate limit on the details stops the scan and keeps every PR searched', async () => {
    const { RateLimitError } = await import('../../src/github/errors.js');
    gh.fail = (call) =>
      call.method === 'details'
        ? new RateLimitError('primary', undefined, '2026-06-15T13:00:00Z')
        : undefined;
    const r = await scan();
    expect(r).toMatchObject({
      status: 'partial',
      stoppedEarly: true,
      stop: { reason: 'rate-limit', retryAt: '2026-06-15T13:00:00Z' },
    });
    expect(detailCalls()).toHaveLength(1);
    expect(stored()).toHaveLength(r.prsSeen);
  });

  it('splits a search of more than 1,000 PRs by creation date and sees every one', async () => {
    gh = createMemoryGitHub(generateQueue({ author: 'carol', prs: 1300, repos: 40 }));
    const r = await scan(config(['carol']));
    expect(r).toMatchObject({ prsSeen: 1300, status: 'ok', errors: [] });
    expect(new Set(stored().map((p) => p.number)).size).toBe(1300);
    const searches = gh.calls.filter((c) => c.method === 'search');
    expect(searches.some((c) => 'query' in c && c.query.includes('created:>='))).toBe(true);
    // Splitting costs a few probes, but stays far from one request per PR.
    expect(searches.length).toBeLessThan(1300 / 50 + 5);
  });
});
