import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakePullRequest } from '../../src/testing/fake-github/scenario.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { cliEnv } from './helpers.js';

/**
 * The journey from a flagged PR to the PR itself, with the real CLI: a fake GitHub on GitHub's
 * schema, a bare git repository standing in for GitHub's (head branches and `pull/N/head`),
 * the user's clone in `repos`, and fake agents that commit in their worktrees.
 */

const JOURNEY_MS = 300_000;
const TOKEN = 'ghp_push_journey_token';
const REPO = 'acme/widget';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: GIT_ENV }).toString().trim();

let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;
let env: Record<string, string>;
let origin: string;
let work: string;

function pr(n: number, headSha: string, extra: Partial<FakePullRequest>): FakePullRequest {
  const at = new Date(Date.now() - 2 * 86_400_000).toISOString();
  return {
    repo: REPO,
    number: n,
    title: `fix ${n}`,
    author: 'dev',
    state: 'OPEN',
    headSha,
    headRef: `fix-${n}`,
    mergeable: 'MERGEABLE',
    reviewDecision: null,
    checks: [{ kind: 'check_run', name: 'build', status: 'COMPLETED', conclusion: 'SUCCESS' }],
    reviews: [],
    comments: [],
    additions: 1,
    deletions: 0,
    changedFiles: 1,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

beforeEach(async () => {
  t = tempTree({});
  origin = join(t.dir, 'origin.git');
  work = join(t.dir, 'work');
  const clone = join(t.dir, 'clone');
  mkdirSync(work);
  git(t.dir, 'init', '-q', '--bare', origin);
  git(work, 'init', '-q', '-b', 'main');
  writeFileSync(join(work, 'README'), 'base\n');
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'base');
  git(work, 'push', '-q', origin, 'HEAD:refs/heads/main');
  const heads = [1, 2, 3, 4].map((n) => {
    git(work, 'checkout', '-q', '-B', `fix-${n}`, 'main');
    writeFileSync(join(work, `pr-${n}.txt`), `PR ${n}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-qm', `PR ${n}`);
    git(work, 'push', '-q', origin, `HEAD:refs/heads/fix-${n}`, `HEAD:refs/pull/${n}/head`);
    return git(work, 'rev-parse', 'HEAD');
  });
  git(t.dir, 'clone', '-q', '-b', 'main', origin, clone);
  const failing = {
    checks: [
      {
        kind: 'check_run' as const,
        name: 'build',
        status: 'COMPLETED' as const,
        conclusion: 'FAILURE' as const,
      },
    ],
  };
  gh = await startFakeGitHub({
    viewer: 'dev',
    tokens: [TOKEN],
    scopes: ['repo'],
    pullRequests: [
      pr(1, heads[0]!, failing),
      pr(2, heads[1]!, {
        comments: [
          {
            author: 'maint',
            authorAssociation: 'OWNER',
            body: 'Why does this keep the old flag?',
            createdAt: new Date(Date.now() - 86_400_000).toISOString(),
          },
        ],
      }),
      pr(3, heads[2]!, failing),
      pr(4, heads[3]!, failing),
    ],
  });
  writeFileSync(
    join(t.dir, 'plan.json'),
    JSON.stringify({
      [`${REPO}#1`]: 'commit',
      [`${REPO}#2`]: 'ok',
      [`${REPO}#3`]: 'commit-workflow',
      [`${REPO}#4`]: 'commit',
    }),
  );
  mkdirSync(join(t.dir, 'config'));
  writeFileSync(
    join(t.dir, 'config', 'radar.json'),
    JSON.stringify({
      watch: { authors: ['dev'] },
      budget: { allowUnknown: true },
      dispatch: { maxPerScan: 10 },
      repos: { [REPO]: { clone } },
    }),
  );
  env = cliEnv(
    t.dir,
    { url: gh.url, token: TOKEN },
    {
      FAKE_AGENT_PLAN: join(t.dir, 'plan.json'),
      FAKE_AGENT_MESSAGE: 'It keeps the flag for one release.',
    },
  );
});
afterEach(async () => {
  t.cleanup();
  await gh.close();
});

interface Listed {
  id: number;
  kind: string;
  repo: string;
  number: number;
  what: string;
  status: string;
  payload: { to?: string } | null;
}

describe('a session’s work reaches the PR (CLI)', () => {
  it(
    'scan --dispatch queues a push and a reply, none for a workflow change; approve pushes, posts, and refuses a moved branch',
    { timeout: JOURNEY_MS },
    async () => {
      const cli = (...args: string[]) => runCli(args, { cwd: t.dir, env, timeoutMs: 120_000 });
      const scan = await cli('scan', '--dispatch');
      expect(scan.stderr).toBe('');
      expect(scan.code).toBe(0);
      const listed = JSON.parse((await cli('--json', 'approvals')).stdout) as Listed[];
      const of = (n: number) => listed.filter((a) => a.number === n).map((a) => a.kind);
      expect(of(1)).toEqual(['push']);
      expect(of(2)).toEqual(['comment']);
      expect(of(3)).toEqual([]);
      expect(of(4)).toEqual(['push']);
      const push1 = listed.find((a) => a.number === 1)!;
      expect(push1).toMatchObject({ repo: REPO, status: 'pending' });
      expect(push1.what).toContain(`to ${REPO}:fix-1`);

      const explain = await cli('explain', `${REPO}#3`);
      expect(explain.stdout).toContain('not pushed: workflow_files');

      const before1 = git(origin, 'rev-parse', 'refs/heads/fix-1');
      const approved = await cli('approve', String(push1.id));
      expect(approved.stdout).toContain('done');
      expect(approved.code).toBe(0);
      expect(git(origin, 'rev-parse', 'refs/heads/fix-1')).toBe(push1.payload!.to);
      expect(git(origin, 'rev-parse', `${push1.payload!.to}^`)).toBe(before1);

      const reply = listed.find((a) => a.number === 2)!;
      expect((await cli('approve', String(reply.id))).code).toBe(0);
      const posted = gh.scenario.pullRequests.find((p) => p.number === 2)!.comments.at(-1)!;
      expect(posted.body).toContain('It keeps the flag for one release.');

      // The user pushes to #4 by hand before approving: refused, the remote left alone.
      git(work, 'checkout', '-q', 'fix-4');
      writeFileSync(join(work, 'hand.txt'), 'by hand\n');
      git(work, 'add', '.');
      git(work, 'commit', '-qm', 'by hand');
      git(work, 'push', '-q', origin, 'HEAD:refs/heads/fix-4');
      const moved = git(origin, 'rev-parse', 'refs/heads/fix-4');
      const push4 = listed.find((a) => a.number === 4)!;
      const refused = await cli('approve', String(push4.id));
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('moved since the session started');
      expect(git(origin, 'rev-parse', 'refs/heads/fix-4')).toBe(moved);
    },
  );
});
