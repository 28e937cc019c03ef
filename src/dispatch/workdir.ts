/**
 * Where an agent works: a git worktree per PR, created from the user's local clone at the PR's
 * head (`pull/N/head` fetched from origin) on a branch of its own, so the user's checkout is never
 * touched and the agent's commits survive the worktree's removal. A repo without a configured
 * clone gets an empty scratch folder (the prompt warns the agent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { git as runGit } from './git.js';
import { makeFolders } from '../files/folders.js';

export interface Workdir {
  path: string;
  kind: 'worktree' | 'scratch';
  /** The branch the worktree is on, and the PR head it starts from (worktrees only). */
  branch?: string;
  startSha?: string;
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

export class WorkdirError extends Error {}

async function git(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  try {
    return await runGit(args, env, cwd);
  } catch (error) {
    throw new WorkdirError((error as Error).message);
  }
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
  makeFolders(req.root);
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
  const startSha = await git(['rev-parse', 'HEAD'], req.env, path);
  return {
    path,
    kind: 'worktree',
    branch,
    startSha,
    remove: () =>
      serialized(clone, async () => {
        await git(['worktree', 'remove', '--force', path], req.env, clone).catch(() =>
          rmSync(path, { recursive: true, force: true }),
        );
        await git(['worktree', 'prune'], req.env, clone).catch(() => undefined);
      }),
  };
}
