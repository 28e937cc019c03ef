/**
 * Where an agent works: a git worktree per PR, created from the user's local clone at the PR's
 * head (`pull/N/head` fetched from origin) on a branch of its own, so the user's checkout is never
 * touched and the agent's commits survive the worktree's removal. A repo without a configured
 * clone gets an empty scratch folder (the prompt warns the agent).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, run } from '../process/run.js';

export interface Workdir {
  path: string;
  kind: 'worktree' | 'scratch';
  /** The branch the worktree is on (worktrees only). */
  branch?: string;
  /** Removes the folder (a worktree through git, so the clone forgets it). */
  remove(): Promise<void>;
}

export interface WorkdirRequest {
  /** Folder holding every workdir. */
  root: string;
  repo: string;
  number: number;
  headSha: string;
  /** Unique per session (the escalation id). */
  tag: string;
  clone?: string;
  remote?: string;
  /** Environment for git (PATH, HOME for its config). */
  env: NodeJS.ProcessEnv;
}

const GIT_TIMEOUT_MS = 300_000;

export class WorkdirError extends Error {}

async function git(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  const result = await run('git', {
    args,
    cwd,
    env: { ...env, GIT_TERMINAL_PROMPT: '0' },
    timeoutMs: GIT_TIMEOUT_MS,
    killGraceMs: 2000,
  });
  const failure = describeFailure(result, GIT_TIMEOUT_MS);
  if (failure || result.kind !== 'exited')
    throw new WorkdirError(`git ${args[0] ?? ''}: ${failure ?? 'did not run'}`);
  return result.stdout.text.trim();
}

const slug = (repo: string) => repo.replace(/[^\w.-]+/g, '_');

/**
 * Git operations on one clone, one at a time in this process: concurrent fetches and worktree
 * additions in the same repository race for its lock files. Another process holding a lock is
 * waited out with a few retries.
 */
const clones = new Map<string, Promise<unknown>>();
function serialized<T>(clone: string, fn: () => Promise<T>): Promise<T> {
  const turn = (clones.get(clone) ?? Promise.resolve()).then(async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= 4 || !/\.lock\b|index\.lock|File exists/i.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
      }
    }
  });
  clones.set(
    clone,
    turn.catch(() => undefined),
  );
  return turn;
}

export async function prepareWorkdir(req: WorkdirRequest): Promise<Workdir> {
  mkdirSync(req.root, { recursive: true });
  const name = `${slug(req.repo)}-${req.number}-${req.tag}`;
  if (!req.clone) {
    const path = mkdtempSync(join(req.root, `${name}-scratch-`));
    return {
      path,
      kind: 'scratch',
      remove: async () => rmSync(path, { recursive: true, force: true }),
    };
  }
  const clone = req.clone;
  return serialized(clone, () => addWorktree(req, clone, name));
}

async function addWorktree(req: WorkdirRequest, clone: string, name: string): Promise<Workdir> {
  const remote = req.remote ?? 'origin';
  const ref = `refs/radar/pull/${req.number}`;
  try {
    await git(
      ['fetch', '--no-tags', '--quiet', remote, `+pull/${req.number}/head:${ref}`],
      req.env,
      clone,
    );
  } catch (error) {
    // Offline, or a remote without pull refs: the head may already be in the clone.
    const known = await git(['cat-file', '-e', `${req.headSha}^{commit}`], req.env, clone).then(
      () => true,
      () => false,
    );
    if (!known) throw error;
    await git(['update-ref', ref, req.headSha], req.env, clone);
  }
  const path = join(req.root, name);
  const branch = `radar/pr-${req.number}-${req.tag}`;
  await git(['worktree', 'add', '--quiet', '-b', branch, path, ref], req.env, clone);
  return {
    path,
    kind: 'worktree',
    branch,
    remove: () =>
      serialized(clone, async () => {
        await git(['worktree', 'remove', '--force', path], req.env, clone).catch(() =>
          rmSync(path, { recursive: true, force: true }),
        );
        await git(['worktree', 'prune'], req.env, clone).catch(() => undefined);
      }),
  };
}
