/**
 * A session's work reaches the PR, with real git: a bare repository stands in for GitHub's (its
 * `refs/pull/N/head` beside the head branches), the user's clone is configured in `repos`, and
 * the fake agents commit in their worktrees.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { SignalKind } from '../../src/core/verdict.js';
import { performApproval } from '../../src/dispatch/approvals.js';
import { dispatchFlagged, type DispatchOptions } from '../../src/dispatch/dispatch.js';
import { pusher } from '../../src/dispatch/push.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { sqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { createMemoryGitHub } from '../../src/testing/memory-github.js';
import {
  agentEnv,
  config,
  escalationFor,
  makePr,
  makeVerdict,
  signal,
  tempLedger,
  type TempLedger,
} from './helpers.js';

let t: TempLedger;
let origin: string;
let clone: string;
let work: string;
beforeEach(() => {
  t = tempLedger();
  origin = join(t.dir, 'acme', 'widget.git');
  work = join(t.dir, 'work');
  clone = join(t.dir, 'clone');
  mkdirSync(work);
  mkdirSync(origin, { recursive: true });
  git(origin, 'init', '-q', '--bare');
  git(work, 'init', '-q', '-b', 'main');
  writeFileSync(join(work, 'README'), 'base\n');
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'base');
  git(work, 'push', '-q', origin, 'HEAD:refs/heads/main');
});
afterEach(() => t.cleanup());

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV }).toString().trim();
}

/** PR n: a commit on branch `fix-n` of origin, also served as `refs/pull/n/head`. */
function openPr(n: number): string {
  git(work, 'checkout', '-q', '-B', `fix-${n}`, 'main');
  writeFileSync(join(work, `pr-${n}.txt`), `PR ${n}\n`);
  git(work, 'add', '.');
  git(work, 'commit', '-qm', `PR ${n}`);
  git(work, 'push', '-q', origin, `HEAD:refs/heads/fix-${n}`, `HEAD:refs/pull/${n}/head`);
  return git(work, 'rev-parse', 'HEAD');
}

const remoteHead = (branch: string) => git(origin, 'rev-parse', `refs/heads/${branch}`);

interface Case {
  n: number;
  mode: string;
  kinds?: SignalKind[];
  pr?: Parameters<typeof makePr>[0];
}

async function dispatch(
  cases: Case[],
  input: ConfigInput = {},
  extra: Partial<DispatchOptions> & { env?: Record<string, string> } = {},
) {
  const plan = join(t.dir, 'plan.json');
  const heads = cases.map((c) => openPr(c.n));
  git(t.dir, 'clone', '-q', '-b', 'main', origin, clone);
  writeFileSync(
    plan,
    JSON.stringify(Object.fromEntries(cases.map((c) => [`acme/widget#${c.n}`, c.mode]))),
  );
  const candidates = cases.map((c, i) => ({
    pr: makePr({
      number: c.n,
      headSha: heads[i]!,
      headRef: `fix-${c.n}`,
      headRepo: 'acme/widget',
      headFork: false,
      baseRef: 'main',
      ...c.pr,
    }),
    verdict: makeVerdict({
      signals: (c.kinds ?? ['ci_failing']).map((k) => signal(k, String(c.n))),
    }),
  }));
  const summary = await dispatchFlagged({
    candidates,
    max: 10,
    config: config({
      ...input,
      watch: { authors: ['me'], ...input.watch },
      budget: { allowUnknown: true },
      dispatch: { killGraceMs: 200, ...input.dispatch },
      repos: { 'acme/widget': { clone } },
    }),
    ledger: sqliteLedger(t.db),
    ledgerPath: t.path,
    budget: [],
    now: () => Date.now(),
    cwd: t.dir,
    ...extra,
    env: agentEnv(t.dir, { FAKE_AGENT_PLAN: plan, FAKE_AGENT_TOKENS: '1000', ...extra.env }),
  });
  return { summary, heads };
}

const store = () => new DispatchStore(t.db);
const approvalsOf = (n: number) =>
  store()
    .approvals()
    .filter((a) => a.number === n);
const guardsOf = (n: number) =>
  escalationFor(t.db, `acme/widget#${n}`)!.work!.guards.map((g) => g.kind);
const push = (env: NodeJS.ProcessEnv = GIT_ENV) =>
  pusher(config({ repos: { 'acme/widget': { clone } } }), env, t.dir);

describe('a session’s work reaches the PR', () => {
  it('records the commits, diffstat and final message; approving the push fast-forwards the head branch', async () => {
    const { heads } = await dispatch([{ n: 1, mode: 'commit' }]);
    const e = escalationFor(t.db, 'acme/widget#1')!;
    expect(e.work).toMatchObject({
      baseSha: heads[0],
      commits: 1,
      files: 1,
      additions: 1,
      deletions: 0,
      paths: ['fix-acme-widget-1.txt'],
      message: 'Fixed the failing test.',
      guards: [],
    });
    const [approval] = approvalsOf(1);
    expect(approval).toMatchObject({
      action: 'push',
      status: 'pending',
      escalationId: e.id,
      payload: { headRepo: 'acme/widget', branch: 'fix-1', from: heads[0], to: e.work!.tipSha },
    });
    // Nothing moved before the approval.
    expect(remoteHead('fix-1')).toBe(heads[0]);
    const r = await performApproval(approval!, { store: store(), now: () => 1, push: push() });
    expect(r).toMatchObject({ status: 'done' });
    expect(remoteHead('fix-1')).toBe(e.work!.tipSha);
    expect(git(origin, 'rev-parse', `${e.work!.tipSha}^`)).toBe(heads[0]);
    // The base branch never moves.
    expect(git(origin, 'rev-list', '--count', 'refs/heads/main')).toBe('1');
    expect(store().approval(approval!.id)!.status).toBe('done');
  });

  it('refuses the push, writing nothing, when the head branch moved during the session', async () => {
    await dispatch([{ n: 2, mode: 'commit' }]);
    // The user pushes to the PR meanwhile.
    git(work, 'checkout', '-q', 'fix-2');
    writeFileSync(join(work, 'by-hand.txt'), 'mine\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'by hand');
    git(work, 'push', '-q', origin, 'HEAD:refs/heads/fix-2');
    const moved = remoteHead('fix-2');
    const [approval] = approvalsOf(2);
    const r = await performApproval(approval!, { store: store(), now: () => 1, push: push() });
    expect(r.status).toBe('refused');
    expect(r.message).toContain('moved since the session started');
    expect(remoteHead('fix-2')).toBe(moved);
    expect(store().approval(approval!.id)!.status).toBe('refused');
  });

  it('queues no push when the session touched a workflow file, made no commit, or made too big a patch', async () => {
    await dispatch([
      { n: 3, mode: 'commit-workflow' },
      { n: 4, mode: 'ok' },
      { n: 5, mode: 'commit-big' },
    ]);
    expect(approvalsOf(3)).toEqual([]);
    expect(guardsOf(3)).toEqual(['workflow_files']);
    expect(escalationFor(t.db, 'acme/widget#3')!.work!.guards[0]!.reason).toContain(
      '.github/workflows/ci.yml',
    );
    expect(approvalsOf(4)).toEqual([]);
    expect(guardsOf(4)).toEqual(['no_commits']);
    expect(approvalsOf(5)).toEqual([]);
    expect(guardsOf(5)).toEqual(['patch_too_large']);
  });

  it('a fork radar cannot push to is a permission boundary, queued never', async () => {
    await dispatch([{ n: 6, mode: 'commit', pr: { headRepo: 'stranger/widget', headFork: true } }]);
    expect(approvalsOf(6)).toEqual([]);
    expect(guardsOf(6)).toEqual(['permission']);
  });

  it('a remote that refuses the push is recorded as a permission boundary and not asked again', async () => {
    await dispatch([
      { n: 7, mode: 'commit' },
      { n: 8, mode: 'commit' },
    ]);
    const hook = join(origin, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      '#!/bin/sh\necho "Permission to acme/widget.git denied to me." >&2\nexit 1\n',
    );
    chmodSync(hook, 0o755);
    const before = remoteHead('fix-7');
    const [first] = approvalsOf(7);
    const r = await performApproval(first!, { store: store(), now: () => 1, push: push() });
    expect(r.status).toBe('denied');
    expect(remoteHead('fix-7')).toBe(before);
    expect(store().boundary('acme/widget', 'push')).toMatchObject({ action: 'push' });
    let asked = 0;
    const [second] = approvalsOf(8);
    const again = await performApproval(second!, {
      store: store(),
      now: () => 2,
      push: () => {
        asked++;
        return Promise.resolve({ status: 'done', message: '' });
      },
    });
    expect(again.status).toBe('denied');
    expect(asked).toBe(0);
  });

  it('dispatch.autoApply pushes at once; a reply still waits', async () => {
    const { heads } = await dispatch(
      [{ n: 9, mode: 'commit', kinds: ['changes_requested'] }],
      { dispatch: { autoApply: true } },
      { env: { FAKE_AGENT_MESSAGE: 'Renamed the helper as asked.' } },
    );
    const e = escalationFor(t.db, 'acme/widget#9')!;
    expect(remoteHead('fix-9')).toBe(e.work!.tipSha);
    expect(remoteHead('fix-9')).not.toBe(heads[0]);
    expect(approvalsOf(9).map((a) => [a.action, a.status])).toEqual([
      ['push', 'done'],
      ['comment', 'pending'],
    ]);
  });

  it('a reply to a maintainer is queued once, posted on approval, and not queued again', async () => {
    const gh = createMemoryGitHub(generateQueue({ author: 'me', prs: 1, repos: 1, token: 't' }));
    const fake = gh.scenario.pullRequests[0]!;
    fake.repo = 'acme/widget';
    fake.number = 10;
    const message = 'It keeps the old flag for one release, then drops it.';
    await dispatch(
      [{ n: 10, mode: 'ok', kinds: ['maintainer_comment'] }],
      {},
      { env: { FAKE_AGENT_MESSAGE: message } },
    );
    const [reply] = approvalsOf(10);
    expect(reply).toMatchObject({ action: 'comment', body: message, status: 'pending' });
    const r = await performApproval(reply!, { store: store(), github: gh, now: () => 1 });
    expect(r.status).toBe('done');
    expect(fake.comments.at(-1)!.body).toContain(message);
    // A later session that says the same thing queues nothing.
    const again = await dispatchFlagged({
      candidates: [
        {
          pr: makePr({ number: 10, headRef: 'fix-10', headRepo: 'acme/widget' }),
          verdict: makeVerdict({ signals: [signal('maintainer_comment', 'later')] }),
        },
      ],
      max: 1,
      config: config({
        watch: { authors: ['me'] },
        budget: { allowUnknown: true },
        dispatch: { killGraceMs: 200 },
      }),
      ledger: sqliteLedger(t.db),
      ledgerPath: t.path,
      budget: [],
      now: () => Date.now(),
      cwd: t.dir,
      env: agentEnv(t.dir, { FAKE_AGENT_MESSAGE: `  ${message.toUpperCase()}  ` }),
    });
    expect(again.results[0]!.status).toBe('succeeded');
    expect(again.approvalsQueued).toEqual([]);
    expect(approvalsOf(10)).toHaveLength(1);
  });

  it('a drafted description is queued with the one it replaces, and applied on approval', async () => {
    const gh = createMemoryGitHub(generateQueue({ author: 'me', prs: 1, repos: 1, token: 't' }));
    const fake = gh.scenario.pullRequests[0]!;
    fake.repo = 'acme/widget';
    fake.number = 11;
    fake.body = 'Fixes the parser.\nCloses #3.';
    const drafted = 'Fixes the parser and the lexer.\nCloses #3 and #4.';
    await dispatch(
      [{ n: 11, mode: 'ok', kinds: ['stale_body'] }],
      {},
      {
        env: { FAKE_AGENT_MESSAGE: drafted },
        readBody: (repo, number) => gh.pullRequestBody(repo, number),
      },
    );
    const [edit] = approvalsOf(11);
    expect(edit).toMatchObject({
      action: 'edit_body',
      body: drafted,
      payload: { before: 'Fixes the parser.\nCloses #3.' },
    });
    const r = await performApproval(edit!, { store: store(), github: gh, now: () => 1 });
    expect(r.status).toBe('done');
    expect(fake.body).toBe(drafted);
  });

  it('a description edited after the draft was queued is not overwritten', async () => {
    const gh = createMemoryGitHub(generateQueue({ author: 'me', prs: 1, repos: 1, token: 't' }));
    const fake = gh.scenario.pullRequests[0]!;
    fake.repo = 'acme/widget';
    fake.number = 12;
    fake.body = 'old';
    await dispatch(
      [{ n: 12, mode: 'ok', kinds: ['stale_body'] }],
      {},
      {
        env: { FAKE_AGENT_MESSAGE: 'new' },
        readBody: (repo, number) => gh.pullRequestBody(repo, number),
      },
    );
    fake.body = 'edited by hand';
    const [edit] = approvalsOf(12);
    const r = await performApproval(edit!, { store: store(), github: gh, now: () => 1 });
    expect(r.status).toBe('refused');
    expect(fake.body).toBe('edited by hand');
  });
});
