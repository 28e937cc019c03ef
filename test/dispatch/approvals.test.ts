import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLAIM_TTL_MS,
  PING_COMMENT,
  approvalMarker,
  bodyHash,
  claimDecision,
  normalizeBody,
  performApproval,
  queueActions,
} from '../../src/dispatch/approvals.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import type { Approval } from '../../src/core/dispatch.js';
import { openLedger } from '../../src/ledger/open.js';
import { startFakeGitHub } from '../../src/testing/fake-github/server.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { createMemoryGitHub, type MemoryGitHub } from '../../src/testing/memory-github.js';
import { createGitHubClient } from '../../src/github/client.js';
import { RateLimitError } from '../../src/github/errors.js';
import pino from 'pino';
import { makePr, makeVerdict, signal, tempLedger, type TempLedger } from './helpers.js';

const TOKEN = 'ghp_approvals_test';
let t: TempLedger;
/** The GitHub port in memory: approvals' writes without HTTP. */
let gh: MemoryGitHub;
beforeEach(() => {
  t = tempLedger();
  gh = createMemoryGitHub(generateQueue({ author: 'me', prs: 3, repos: 1, token: TOKEN }));
});
afterEach(() => {
  t.cleanup();
});

const fakePr = (i: number) => gh.scenario.pullRequests[i]!;
const storedPr = (i: number) => makePr({ repo: fakePr(i).repo, number: fakePr(i).number });
const writes = () => gh.calls.filter((c) => 'repo' in c);

describe('human gate', () => {
  it.each([
    ['Hi!  Friendly ping', 'hi! friendly ping'],
    ['Thanks.\n\nPlease   merge!!', 'thanks. please merge'],
    ['Friendly ping\n\n<!-- radar approval 12-1767225600000 -->', 'friendly ping'],
  ])('normalises %j', (body, normal) => {
    expect(normalizeBody(body)).toBe(normal);
  });

  it('queues a templated comment and a recommended close, never twice', () => {
    const store = new DispatchStore(t.db);
    const verdict = makeVerdict({
      route: 'template',
      signals: [signal('stale_body')],
      recommendation: 'close',
      reasons: ['no progress after 3 escalations'],
    });
    expect(queueActions(store, storedPr(0), verdict, 1)).toHaveLength(2);
    expect(queueActions(store, storedPr(0), verdict, 2)).toEqual([]);
    expect(
      store
        .approvals('pending')
        .map((a) => a.action)
        .sort(),
    ).toEqual(['close', 'comment']);
    expect(writes()).toEqual([]);
  });

  it('approve posts the comment through the API; the same body is never posted twice', async () => {
    const store = new DispatchStore(t.db);
    const github = gh;
    const verdict = makeVerdict({ route: 'template', signals: [signal('stale_body')] });
    const [id] = queueActions(store, storedPr(0), verdict, 1);
    const r = await performApproval(store.approval(id!)!, { store, github, now: () => 2 });
    expect(r.status).toBe('done');
    const approval = store.approval(id!)!;
    expect(fakePr(0).comments.at(-1)).toMatchObject({
      author: 'me',
      body: `${PING_COMMENT}\n\n${approvalMarker(approval)}`,
    });
    expect(store.approval(id!)).toMatchObject({ status: 'done', decidedAt: 2 });
    // Posted once: the same comment is not even queued again.
    expect(queueActions(store, storedPr(0), verdict, 3)).toEqual([]);
    // A comment the user posted by hand (seen by the scan) is not posted again either.
    const [other] = queueActions(store, storedPr(1), verdict, 4);
    const dup = await performApproval(store.approval(other!)!, {
      store,
      github,
      now: () => 5,
      existingBodies: [`  ${PING_COMMENT.toUpperCase()}  `],
    });
    expect(dup.status).toBe('duplicate');
    expect(writes()).toHaveLength(1);
  });

  it('approve closes a PR that stop-loss recommends closing', async () => {
    const store = new DispatchStore(t.db);
    const [id] = queueActions(store, storedPr(2), makeVerdict({ recommendation: 'close' }), 1);
    const r = await performApproval(store.approval(id!)!, {
      store,
      github: gh,
      now: () => 2,
    });
    expect(r).toMatchObject({ status: 'done' });
    expect(fakePr(2).state).toBe('CLOSED');
  });

  it('a denied write is recorded as a permission boundary and never retried', async () => {
    const store = new DispatchStore(t.db);
    const github = gh;
    gh.scenario.denyWrites = [{ repo: fakePr(0).repo, action: 'comment', status: 403 }];
    const verdict = makeVerdict({ route: 'template', signals: [signal('stale_body')] });
    const [a] = queueActions(store, storedPr(0), verdict, 1);
    const first = await performApproval(store.approval(a!)!, { store, github, now: () => 2 });
    expect(first.status).toBe('denied');
    expect(store.boundary(fakePr(0).repo, 'comment')).toMatchObject({ status: 403 });
    // Another PR of the same repo: refused without asking GitHub again.
    const [b] = queueActions(store, storedPr(1), verdict, 3);
    const second = await performApproval(store.approval(b!)!, { store, github, now: () => 4 });
    expect(second.status).toBe('denied');
    expect(second.message).toContain('not retried');
    expect(writes()).toHaveLength(1);
    // 404 (no access to the repo at all) counts as denied too.
    gh.scenario.denyWrites = [{ repo: fakePr(2).repo, action: 'close', status: 404 }];
    const [c] = queueActions(store, storedPr(2), makeVerdict({ recommendation: 'close' }), 5);
    const third = await performApproval(store.approval(c!)!, { store, github, now: () => 6 });
    expect(third.status).toBe('denied');
    expect(store.boundary(fakePr(2).repo, 'close')).toMatchObject({ status: 404 });
    expect(fakePr(2).state).toBe('OPEN');
  });

  it('reject drops an approval; a decided approval is not performed', async () => {
    const store = new DispatchStore(t.db);
    const [id] = queueActions(store, storedPr(0), makeVerdict({ recommendation: 'close' }), 1);
    expect(store.decide(id!, 'rejected', null, 2)).toBe(true);
    const r = await performApproval(store.approval(id!)!, {
      store,
      github: gh,
      now: () => 3,
    });
    expect(r.status).toBe('not-pending');
    expect(writes()).toEqual([]);
    expect(bodyHash('a')).toHaveLength(32);
  });

  it('a rate-limited write stays pending: it is not a denial', async () => {
    const store = new DispatchStore(t.db);
    gh.fail = () => new RateLimitError('secondary', 60, undefined, 403);
    const [id] = queueActions(store, storedPr(0), makeVerdict({ recommendation: 'close' }), 1);
    const r = await performApproval(store.approval(id!)!, { store, github: gh, now: () => 2 });
    expect(r.status).toBe('failed');
    expect(store.approval(id!)).toMatchObject({ status: 'pending' });
    expect(store.boundary(fakePr(0).repo, 'close')).toBeUndefined();
  });

  it('over HTTP, the Octokit port posts, closes and edits, and reports a denial by its status', async () => {
    const http = await startFakeGitHub(gh.scenario);
    try {
      const port = createGitHubClient({
        endpoint: { apiUrl: http.url, graphqlUrl: `${http.url}/graphql` },
        token: TOKEN,
        logger: pino({ level: 'silent' }),
      });
      const pr = fakePr(0);
      expect(await port.comment(pr.repo, pr.number, 'hello')).toEqual({ ok: true });
      expect(pr.comments.at(-1)).toMatchObject({ body: 'hello', author: gh.scenario.viewer });
      expect(await port.editBody(pr.repo, pr.number, 'new text')).toEqual({ ok: true });
      expect(pr.body).toBe('new text');
      expect(await port.close(pr.repo, pr.number)).toEqual({ ok: true });
      expect(pr.state).toBe('CLOSED');
      gh.scenario.denyWrites = [{ repo: pr.repo, action: 'comment', status: 403 }];
      expect(await port.comment(pr.repo, pr.number, 'again')).toEqual({
        ok: false,
        status: 403,
        message: 'Resource not accessible by personal access token',
      });
      // A 5xx is not resent: the comment may have been posted already.
      http.inject({ kind: 'status', status: 502, on: 'rest' });
      gh.scenario.denyWrites = [];
      expect(await port.comment(pr.repo, pr.number, 'once')).toMatchObject({
        ok: false,
        status: 502,
      });
      expect(http.stats.log.filter((l) => l.method === 'POST')).toHaveLength(3);
    } finally {
      await http.close();
    }
  });
});

/** A pid that no process has: one that has just exited (and was reaped). */
const deadPid = () => spawnSync('true').pid!;

describe('claiming an approval', () => {
  const ALIVE = 100;
  const alive = (pid: number) => pid === ALIVE;
  const row = (a: Partial<Approval>) => ({
    status: 'performing' as const,
    claimedBy: ALIVE,
    claimedAt: 1_000,
    ...a,
  });
  it.each([
    ['pending: claim it', row({ status: 'pending', claimedBy: null, claimedAt: null }), 'claim'],
    ['performing by a live radar: busy', row({}), 'busy'],
    ['performing by a dead radar: recover', row({ claimedBy: 200 }), 'recover'],
    ['performing, left after an unknown outcome: recover', row({ claimedBy: null }), 'recover'],
    [
      'performing for too long (its pid reused): recover',
      row({ claimedAt: -CLAIM_TTL_MS }),
      'recover',
    ],
    ['done: nothing to do', row({ status: 'done' }), 'decided'],
    ['rejected: nothing to do', row({ status: 'rejected' }), 'decided'],
  ] as const)('%s', (_name, a, expected) => {
    expect(claimDecision(a, 1_000, alive)).toBe(expected);
  });
});

describe('approve under concurrency and crashes', () => {
  const pingOn = (i: number) =>
    fakePr(i).comments.filter((c) => normalizeBody(c.body) === normalizeBody(PING_COMMENT));
  const queuePing = (store: DispatchStore, i: number) =>
    queueActions(
      store,
      storedPr(i),
      makeVerdict({ route: 'template', signals: [signal('stale_body')] }),
      1,
    )[0]!;

  it('two approve of the same id at once post one comment', async () => {
    // Two processes' worth: each its own connection to the ledger file.
    const other = openLedger(t.path);
    try {
      const a = new DispatchStore(t.db);
      const b = new DispatchStore(other);
      const id = queuePing(a, 0);
      const github = gh;
      const outcomes = await Promise.all([
        performApproval(a.approval(id)!, { store: a, github, now: () => 2 }),
        performApproval(b.approval(id)!, { store: b, github, now: () => 2 }),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['busy', 'done']);
      expect(pingOn(0)).toHaveLength(1);
      expect(a.approval(id)).toMatchObject({ status: 'done' });
    } finally {
      other.close();
    }
  });

  it.each([
    ['after its comment was posted: found on the PR, not posted again', true],
    ['before its comment was posted: posted once', false],
  ])('a radar that died %s', async (_when, landed) => {
    const store = new DispatchStore(t.db);
    const github = gh;
    const id = queuePing(store, 1);
    const now = Date.now();
    expect(store.claimApproval(id, deadPid(), now)).toBe(true);
    // The comment that landed before the crash, or none.
    const landedBodies = landed
      ? [`${PING_COMMENT}\n\n${approvalMarker(store.approval(id)!)}`]
      : [];
    for (const body of landedBodies)
      expect((await github.comment(fakePr(1).repo, fakePr(1).number, body)).ok).toBe(true);
    const r = await performApproval(store.approval(id)!, { store, github, now: () => now + 5 });
    expect(r.status).toBe('done');
    expect(pingOn(1)).toHaveLength(1);
    expect(store.approval(id)).toMatchObject({ status: 'done' });
    // Recorded as posted: never queued again.
    expect(queuePing(store, 1)).toBeUndefined();
  });

  it('a write whose answer is lost stays performing, and the next approve finds it', async () => {
    const store = new DispatchStore(t.db);
    const id = queuePing(store, 2);
    // GitHub takes the comment, the answer never comes back.
    const real = gh;
    const lost = {
      ...real,
      comment: async (repo: string, number: number, body: string) => {
        await real.comment(repo, number, body);
        return { ok: false as const, status: 0, message: 'socket hang up' };
      },
    };
    const first = await performApproval(store.approval(id)!, { store, github: lost, now: () => 2 });
    expect(first.status).toBe('failed');
    expect(store.approval(id)).toMatchObject({ status: 'performing', claimedBy: null });
    const again = await performApproval(store.approval(id)!, { store, github: real, now: () => 3 });
    expect(again.status).toBe('done');
    expect(pingOn(2)).toHaveLength(1);
  });
});
