/**
 * The demo's stand-in for GitHub's git side: a bare repository serving one repository's PR heads
 * (`refs/heads/pr-N` and `refs/pull/N/head`, as GitHub serves them), and the user's clone of it
 * that `repos` points radar at. Agents work in worktrees of that clone; an approved push lands
 * in the bare repository, and the demo tells the fake GitHub about the new head.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../dispatch/git.js';
import { describeFailure, run } from '../process/run.js';
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

/** A fixed author and time: the demo's commits, and so its SHAs, are the same every run. */
const COMMITTER = 'Demo Dev <demo-dev@example.invalid> 1780000000 +0000';

/** One `git fast-import` command: a commit with one file, on `ref`, after `from`. */
function commit(ref: string, mark: number, from: number | null, file: string, text: string) {
  const message = `${file === 'README.md' ? 'Initial commit' : text.trim()}\n`;
  const bytes = (t: string) => Buffer.byteLength(t);
  return [
    `commit ${ref}`,
    `mark :${mark}`,
    `committer ${COMMITTER}`,
    `data ${bytes(message)}`,
    message,
    ...(from === null ? [] : [`from :${from}`]),
    `M 644 inline ${file}`,
    `data ${bytes(text)}`,
    text,
  ].join('\n');
}

/** Creates the bare repository and the clone; every PR of `repo` gets a real head commit. */
export async function createOrigin(
  dir: string,
  repo: string,
  prs: readonly FakePullRequest[],
  env: NodeJS.ProcessEnv,
): Promise<DemoOrigin> {
  const bare = join(dir, 'github', `${repo}.git`);
  const clone = join(dir, 'clones', repo.replace('/', '-'));
  mkdirSync(bare, { recursive: true });
  await git(['init', '--quiet', '--bare', bare], env);
  // Every commit and ref in one process (a git per commit costs seconds on a loaded machine).
  const stream = [commit('refs/heads/main', 1, null, 'README.md', `# ${repo}\n`)];
  prs.forEach((pr, i) => {
    stream.push(
      commit(`refs/heads/pr-${pr.number}`, i + 2, 1, `change-${pr.number}.md`, `${pr.title}\n`),
    );
    stream.push(`reset refs/pull/${pr.number}/head\nfrom :${i + 2}\n`);
  });
  const imported = await run('git', {
    args: ['--git-dir', bare, 'fast-import', '--quiet'],
    input: `${stream.join('\n')}\n`,
    env: { ...env, GIT_TERMINAL_PROMPT: '0' },
    timeoutMs: 60_000,
    killGraceMs: 1000,
  });
  const failure = describeFailure(imported, 60_000);
  if (failure) throw new Error(`git fast-import: ${failure}`);
  const heads = new Map(
    (await git(['--git-dir', bare, 'for-each-ref', '--format=%(refname) %(objectname)'], env))
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
  for (const pr of prs) {
    pr.headSha = heads.get(`refs/heads/pr-${pr.number}`)!;
    pr.headRef = `pr-${pr.number}`;
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
