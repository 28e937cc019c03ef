import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import type { GitHubPort, KnownSnapshots } from '../../src/github/port.js';
import { GitHubError } from '../../src/github/errors.js';
import { OutcomeStore } from '../../src/ledger/outcome-store.js';
import { PrStore } from '../../src/ledger/pr-store.js';
import { RulesStore } from '../../src/ledger/rules-store.js';
import { runScan, type ScanSummary } from '../../src/scan/scan.js';
import { pullRequestNodeId } from '../../src/testing/fake-github/server.js';
import type { FakePullRequest, FakeScenario } from '../../src/testing/fake-github/scenario.js';
import { createMemoryGitHub, type MemoryGitHub } from '../../src/testing/memory-github.js';
import { tempLedger, type TempLedger } from '../dispatch/helpers.js';
import { commentedQueue } from './helpers.js';

/**
 * A PR node GitHub sends as the last scan saw it is not checked, normalised and merged again: the
 * stored PR is reused. The same scans run on two ledgers, one through a port that never reuses
 * (the `known` snapshots are not passed on); after every scan both ledgers must hold the same.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-15T12:00:00Z');

const scenario = (): FakeScenario => {
  const s = commentedQueue({ author: 'alice', prs: 30, repos: 4 });
  s.pullRequests.forEach((p, i) => {
    p.closingIssues = [{ number: 900 + i, state: 'OPEN', labels: ['bug'] }];
  });
  return s;
};

/** One ledger and its port: `reuse` false passes no known snapshots on. */
interface Side {
  ledger: TempLedger;
  gh: MemoryGitHub;
  /** Node ids answered with a known snapshot in the last scan. */
  reused: string[];
  port: GitHubPort;
}

function side(s: FakeScenario, reuse: boolean): Side {
  const gh = createMemoryGitHub(s);
  const reused: string[] = [];
  const pass = (known: KnownSnapshots | undefined) => (reuse ? known : undefined);
  const count = <T extends { prs: readonly unknown[] }>(known: KnownSnapshots | undefined) => {
    return (answer: T): T => {
      for (const p of answer.prs as ({ nodeId: string } | null)[])
        if (p && known?.get(p.nodeId) === p) reused.push(p.nodeId);
      return answer;
    };
  };
  // The memory port's request count is a getter: the wrapper inherits it.
  const port = Object.assign(Object.create(gh) as GitHubPort, {
    searchAnswer: ((q, first, after, sizes) =>
      gh.searchAnswer(q, first, after, sizes).then((answer) => ({
        ...answer,
        read: (known?: KnownSnapshots) => answer.read(pass(known)).then(count(known)),
      }))) as GitHubPort['searchAnswer'],
    pullRequestsById: ((ids, sizes, known) =>
      gh
        .pullRequestsById(ids, sizes, pass(known))
        .then(count(known))) as GitHubPort['pullRequestsById'],
  });
  return { ledger: tempLedger(), gh, reused, port };
}

let s: FakeScenario;
let skip: Side;
let full: Side;
let at: number;

async function scanBoth(config = configSchema.parse({ watch: { authors: ['alice'] } })) {
  at += HOUR;
  const out: ScanSummary[] = [];
  for (const x of [skip, full]) {
    x.reused.length = 0;
    out.push(
      await runScan({
        port: x.port,
        store: new PrStore(x.ledger.db),
        rules: new RulesStore(x.ledger.db),
        outcomes: new OutcomeStore(x.ledger.db),
        config,
        logger: pino({ level: 'silent' }),
        now: () => at,
      }),
    );
  }
  return out as [ScanSummary, ScanSummary];
}

/** Everything a scan leaves in a ledger that the skip could change. */
function contents(x: Side) {
  const rules = new RulesStore(x.ledger.db);
  return {
    prs: new PrStore(x.ledger.db).all().sort((a, b) => a.nodeId.localeCompare(b.nodeId)),
    histories: [...rules.histories()].sort(([a], [b]) => a.localeCompare(b)),
    verdicts: [...rules.verdicts()].sort(([a], [b]) => a.localeCompare(b)),
    funnel: rules.funnelRows(0),
  };
}

/** Both scans said and recorded the same. */
function expectSame([a, b]: [ScanSummary, ScanSummary]) {
  // Both ports draw on one scenario's rate limit: what remains differs.
  const { durationMs: _a, remaining: _ra, ...said } = a;
  const { durationMs: _b, remaining: _rb, ...saidFull } = b;
  expect(said).toEqual(saidFull);
  expect(contents(skip)).toEqual(contents(full));
}

const idOf = (p: FakePullRequest) => pullRequestNodeId(p.repo, p.number);
const open = () => s.pullRequests.filter((p) => p.state === 'OPEN' && !p.isDraft);

beforeEach(async () => {
  s = scenario();
  skip = side(s, true);
  full = side(s, false);
  at = T0;
  expectSame(await scanBoth());
  expect(skip.reused).toEqual([]);
  // Unchanged: every PR is reused, and nothing differs from reading them all again.
  expectSame(await scanBoth());
  expect(skip.reused.sort()).toEqual(open().map(idOf).sort());
  expect(full.reused).toEqual([]);
});
afterEach(() => {
  skip.ledger.cleanup();
  full.ledger.cleanup();
});

describe('a scan reuses the PRs GitHub sends unchanged', () => {
  it.each<[string, (p: FakePullRequest) => void]>([
    ['title', (p) => (p.title = 'a new title')],
    [
      "a check's conclusion",
      (p) =>
        (p.checks = p.checks.map(
          (c) => ({ ...c, status: 'COMPLETED', conclusion: 'FAILURE' }) as typeof c,
        )),
    ],
    [
      'a review',
      (p) =>
        p.reviews.push({
          author: 'maint9',
          authorAssociation: 'MEMBER',
          state: 'CHANGES_REQUESTED',
          submittedAt: '2026-06-15T13:30:00Z',
          body: 'not like this',
        }),
    ],
    [
      'a comment edited (GitHub moves the PR`s updatedAt)',
      (p) => {
        p.comments[0]!.body = 'edited';
        p.updatedAt = '2026-06-15T13:30:00Z';
      },
    ],
    [
      "a closing issue's state and labels",
      (p) => (p.closingIssues = [{ number: 999, state: 'CLOSED', labels: ['wontfix'] }]),
    ],
    ['closed', (p) => ((p.state = 'CLOSED'), (p.closedAt = '2026-06-15T13:30:00Z'))],
    ['a push', (p) => (p.headSha = 'f'.repeat(40))],
  ])('a changed node is read again: %s', async (_what, change) => {
    const pr = open()[3]!;
    change(pr);
    expectSame(await scanBoth());
    expect(skip.reused).not.toContain(idOf(pr));
    expect(skip.reused).toHaveLength(open().filter((p) => p !== pr).length);
    // Recorded as read, the next scan reuses it in turn.
    expectSame(await scanBoth());
    expect(skip.reused.sort()).toEqual(open().map(idOf).sort());
  });

  it('the same node under another config: a PR no longer watched is read again', async () => {
    const pr = open()[0]!;
    const config = configSchema.parse({ watch: { authors: ['alice'], ignore: [pr.repo] } });
    expectSame(await scanBoth(config));
    expect(skip.reused).not.toContain(idOf(pr));
    expect(skip.reused.length).toBeGreaterThan(0);
  });

  it('a PR GitHub stopped returning is recorded closed; back as it was, it is read again', async () => {
    const pr = open()[5]!;
    s.pullRequests.splice(s.pullRequests.indexOf(pr), 1);
    expectSame(await scanBoth());
    expect(new PrStore(skip.ledger.db).byNodeId(idOf(pr))).toMatchObject({
      state: 'closed',
      nodeDigest: null,
    });
    s.pullRequests.push(pr);
    expectSame(await scanBoth());
    expect(skip.reused).not.toContain(idOf(pr));
    expect(new PrStore(skip.ledger.db).byNodeId(idOf(pr))?.state).toBe('open');
  });

  it('PRs whose details never came are not reused until they do', async () => {
    // Enough new PRs for their failing details requests to exhaust the scan's failure budget.
    const added = Array.from({ length: 10 }, (_, i): FakePullRequest => {
      const base = open()[i]!;
      return {
        ...base,
        number: 700 + i,
        comments: [{ ...base.comments[0]!, id: `IC_new_${i}`, body: `new text ${i}` }],
      };
    });
    s.pullRequests.push(...added);
    for (const x of [skip, full])
      x.gh.fail = (call) =>
        call.method === 'details' ? new GitHubError('GitHub is having a bad day') : undefined;
    expectSame(await scanBoth());
    const stored = () => new PrStore(skip.ledger.db);
    expect(added.map((p) => stored().byNodeId(idOf(p))?.detailsAt)).toEqual(added.map(() => null));
    for (const x of [skip, full]) x.gh.fail = undefined;
    expectSame(await scanBoth());
    expect(skip.reused.filter((id) => added.some((p) => idOf(p) === id))).toEqual([]);
    expect(added.map((p) => stored().byNodeId(idOf(p))?.comments[0]?.body)).toEqual(
      added.map((_, i) => `new text ${i}`),
    );
  });
});
