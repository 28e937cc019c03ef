import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { OutcomeStore } from '../../src/ledger/outcome-store.js';
import { PrStore } from '../../src/ledger/pr-store.js';
import { RulesStore } from '../../src/ledger/rules-store.js';
import { runScan } from '../../src/scan/scan.js';
import type { FakePullRequest } from '../../src/testing/fake-github/scenario.js';
import { pullRequestNodeId } from '../../src/testing/fake-github/server.js';
import { createMemoryGitHub, type MemoryGitHub } from '../../src/testing/memory-github.js';
import { tempLedger, type TempLedger } from '../dispatch/helpers.js';

/**
 * Outcomes settled over real scans (the GitHub port in memory, a real ledger): a push waits,
 * CI runs on the pushed head, CI passes; a settled outcome never changes again.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-15T12:00:00Z');
const OLD_HEAD = 'a'.repeat(40);
const NEW_HEAD = 'c'.repeat(40);
let t: TempLedger;
let gh: MemoryGitHub;
let now = T0;

const check = (conclusion: 'SUCCESS' | 'FAILURE' | null) =>
  ({
    kind: 'check_run',
    name: 'build',
    status: conclusion ? 'COMPLETED' : 'IN_PROGRESS',
    conclusion,
  }) as const;

function pullRequest(): FakePullRequest {
  return {
    repo: 'acme/app',
    number: 7,
    title: 'fix: the parser',
    author: 'alice',
    state: 'OPEN',
    headSha: OLD_HEAD,
    mergeable: 'MERGEABLE',
    mergeStateStatus: 'UNSTABLE',
    reviewDecision: null,
    checks: [check('FAILURE')],
    reviews: [],
    comments: [],
    additions: 10,
    deletions: 1,
    changedFiles: 1,
    createdAt: '2026-06-14T00:00:00Z',
    updatedAt: '2026-06-14T00:00:00Z',
  };
}

const config = configSchema.parse({ watch: { authors: ['alice'] } });
const scan = async (at: number) => {
  now = at;
  await runScan({
    port: gh,
    store: new PrStore(t.db),
    rules: new RulesStore(t.db),
    outcomes: new OutcomeStore(t.db),
    config,
    logger: pino({ level: 'silent' }),
    now: () => now,
  });
  return new OutcomeStore(t.db).outcomeRows(0);
};
const pr = () => gh.scenario.pullRequests[0]!;

beforeEach(() => {
  t = tempLedger();
  gh = createMemoryGitHub({
    viewer: 'alice',
    tokens: ['t'],
    scopes: ['repo'],
    pullRequests: [pullRequest()],
  });
});
afterEach(() => t.cleanup());

describe('outcomes settled over scans', () => {
  it('push waiting → CI running on the pushed head → resolved, and then final', async () => {
    await scan(T0);
    const dispatch = new DispatchStore(t.db);
    const nodeId = pullRequestNodeId('acme/app', 7);
    const claimed = dispatch.claim({
      nodeId,
      repo: 'acme/app',
      number: 7,
      headSha: OLD_HEAD,
      fingerprints: new Map([[`ci_failing:${OLD_HEAD.slice(0, 12)}:x`, 'ci_failing']]),
      agent: 'codex',
      argv: [],
      now: T0 + 60_000,
      concurrency: 3,
      radarPid: process.pid,
      reason: null,
      live: () => true,
    });
    if (claimed.kind !== 'claimed') throw new Error(`not claimed: ${claimed.kind}`);
    const id = claimed.escalationId;
    expect((await scan(T0 + HOUR / 2)).map((r) => r.outcome)).toEqual(['pending']);
    dispatch.finish(id, {
      endedAt: T0 + HOUR,
      exitCode: 0,
      outcome: 'succeeded',
      sessionId: null,
      tokens: 42_000,
      runLog: null,
      reason: null,
    });
    const push = dispatch.queueApproval({
      nodeId,
      repo: 'acme/app',
      number: 7,
      action: 'push',
      body: null,
      bodyHash: 'push-1',
      reason: 'the session committed a fix',
      fingerprint: null,
      escalationId: id,
      now: T0 + HOUR,
    });
    if (push === undefined) throw new Error('not queued');

    expect(await scan(T0 + 2 * HOUR)).toMatchObject([
      { id, outcome: 'pending', reason: 'push waiting', settledAt: null },
    ]);

    // Approved: the branch moves, CI starts on the pushed head.
    expect(dispatch.decide(push, 'done', 'pushed', T0 + 3 * HOUR)).toBe(true);
    Object.assign(pr(), { headSha: NEW_HEAD, checks: [check(null)], mergeStateStatus: 'BLOCKED' });
    expect(await scan(T0 + 4 * HOUR)).toMatchObject([
      { id, outcome: 'pending', reason: 'CI running on pushed head' },
    ]);

    Object.assign(pr(), { checks: [check('SUCCESS')], mergeStateStatus: 'CLEAN' });
    expect(await scan(T0 + 5 * HOUR)).toMatchObject([
      { id, outcome: 'resolved', tokens: 42_000, settledAt: T0 + 5 * HOUR },
    ]);

    // Settled is final: CI failing later is a new problem, not this escalation's.
    Object.assign(pr(), { headSha: 'd'.repeat(40), checks: [check('FAILURE')] });
    expect(await scan(T0 + 6 * HOUR)).toMatchObject([
      { id, outcome: 'resolved', settledAt: T0 + 5 * HOUR },
    ]);
    // The history the rules read carries it too.
    expect(new RulesStore(t.db).histories(nodeId).get(nodeId)?.outcomes).toMatchObject([
      { escalationId: id, outcome: 'resolved', firstJudgedAt: T0 + HOUR / 2 },
    ]);
  });
});
