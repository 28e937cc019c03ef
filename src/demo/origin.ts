/**
 * The demo's stand-in for GitHub's git side: a bare repository serving one repository's PR heads
 * (`refs/heads/pr-N` and `refs/pull/N/head`, as GitHub serves them), and the user's clone of it
 * that `repos` points radar at. Agents work in worktrees of that clone; an approved push lands
 * in the bare repository, and the demo tells the fake GitHub about the new head.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../dispatch/git.js';
import type { FakePullRequest } from '../testing/fake-github/scenario.js';

export interface DemoOrigin {
  repo: string;
  bare: string;
  clone: string;
  /** The branch tip of a PR in the bare repository now. */
  head(pr: FakePullRequest): Promise<string>;
  /** GitHub moves `pull/N/head` with the branch: the same here, after a push. */
  follow(pr: FakePullRequest): Promise<string>;
}

const IDENTITY = ['-c', 'user.name=Demo Dev', '-c', 'user.email=demo-dev@example.invalid'];

/** Creates the bare repository and the clone; every PR of `repo` gets a real head commit. */
export async function createOrigin(
  dir: string,
  repo: string,
  prs: readonly FakePullRequest[],
  env: NodeJS.ProcessEnv,
): Promise<DemoOrigin> {
  const bare = join(dir, 'github', `${repo}.git`);
  const work = join(dir, 'github', 'seed');
  const clone = join(dir, 'clones', repo.replace('/', '-'));
  mkdirSync(bare, { recursive: true });
  mkdirSync(work, { recursive: true });
  await git(['init', '--quiet', '--bare', bare], env);
  await git(['init', '--quiet', '-b', 'main', work], env);
  writeFileSync(join(work, 'README.md'), `# ${repo}\n`);
  await git(['add', 'README.md'], env, work);
  await git([...IDENTITY, 'commit', '--quiet', '-m', 'Initial commit'], env, work);
  await git(['push', '--quiet', bare, 'main'], env, work);
  for (const pr of prs) {
    await git(['checkout', '--quiet', '-b', `pr-${pr.number}`, 'main'], env, work);
    writeFileSync(join(work, `change-${pr.number}.md`), `${pr.title}\n`);
    await git(['add', '.'], env, work);
    await git([...IDENTITY, 'commit', '--quiet', '-m', pr.title], env, work);
    pr.headSha = await git(['rev-parse', 'HEAD'], env, work);
    pr.headRef = `pr-${pr.number}`;
    await git(
      [
        'push',
        '--quiet',
        bare,
        `HEAD:refs/heads/pr-${pr.number}`,
        `HEAD:refs/pull/${pr.number}/head`,
      ],
      env,
      work,
    );
  }
  await git(['clone', '--quiet', bare, clone], env);
  const head = (pr: FakePullRequest) =>
    git(['--git-dir', bare, 'rev-parse', `refs/heads/pr-${pr.number}`], env);
  return {
    repo,
    bare,
    clone,
    head,
    follow: async (pr) => {
      const sha = await head(pr);
      await git(['--git-dir', bare, 'update-ref', `refs/pull/${pr.number}/head`, sha], env);
      return sha;
    },
  };
}
