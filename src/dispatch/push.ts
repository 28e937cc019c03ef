/**
 * A session's commits to the PR's head branch: a plain fast-forward push through the clone's own
 * remote and credentials (radar's GitHub token is not handed to git). The remote head is read
 * again first; if the branch moved since the session started, nothing is pushed. Never `--force`:
 * a push git cannot fast-forward is refused by git itself.
 */
import type { RadarConfig } from '../config/schema.js';
import { expandHome } from '../config/paths.js';
import type { Approval } from '../core/dispatch.js';
import { git, GitError } from './git.js';
import { isPermissionRefusal, parseRemotes, pushRemote } from './results.js';

export interface PushRequest {
  clone: string;
  /** The PR's repository, its head repository and head branch. */
  repo: string;
  headRepo: string;
  branch: string;
  /** The head the session started from, and the session's tip. */
  from: string;
  to: string;
  /** `repos.<repo>.remote` when configured. */
  remote?: string;
  /** git's environment, without radar's GitHub token. */
  env: NodeJS.ProcessEnv;
}

export type PushOutcome =
  | { status: 'done' | 'refused' | 'denied'; message: string }
  /** Nothing was written; the approval may be tried again. */
  | { status: 'retry'; message: string };

const short = (sha: string) => sha.slice(0, 7);

async function remoteHead(req: PushRequest, remote: string): Promise<string | null> {
  const out = await git(
    ['ls-remote', '--heads', remote, `refs/heads/${req.branch}`],
    req.env,
    req.clone,
  );
  const line = out.split('\n').find((l) => l.endsWith(`\trefs/heads/${req.branch}`));
  return line ? line.split('\t')[0]! : null;
}

const failure = (error: unknown, what: string): PushOutcome => {
  const stderr = error instanceof GitError ? error.stderr : '';
  const message = `${what}: ${(error as Error).message}`;
  return isPermissionRefusal(stderr) || isPermissionRefusal(message)
    ? { status: 'denied', message }
    : { status: 'retry', message };
};

export async function pushFastForward(req: PushRequest): Promise<PushOutcome> {
  const target = `${req.headRepo}:${req.branch}`;
  let remote: string | undefined;
  try {
    remote = pushRemote(
      parseRemotes(await git(['remote', '-v'], req.env, req.clone)),
      req,
      req.remote,
    );
  } catch (error) {
    return failure(error, 'reading the clone’s remotes');
  }
  if (!remote)
    return {
      status: 'retry',
      message: `no remote of ${req.clone} points at ${req.headRepo}; add one (git remote add <name> <url of ${req.headRepo}>) and approve again`,
    };
  let head: string | null;
  try {
    head = await remoteHead(req, remote);
  } catch (error) {
    return failure(error, `reading ${target}`);
  }
  if (head === req.to)
    return { status: 'done', message: `${target} is already at ${short(req.to)}` };
  if (head === null)
    return {
      status: 'refused',
      message: `${target} no longer exists on ${remote}; nothing pushed`,
    };
  if (head !== req.from)
    return {
      status: 'refused',
      message: `${target} moved since the session started (${short(req.from)} → ${short(head)}); nothing pushed (radar escalate dispatches it again)`,
    };
  try {
    await git(['merge-base', '--is-ancestor', req.from, req.to], req.env, req.clone);
  } catch {
    return {
      status: 'refused',
      message: `${short(req.to)} does not descend from ${short(req.from)}: not a fast-forward; nothing pushed`,
    };
  }
  try {
    await git(
      ['push', '--quiet', remote, `${req.to}:refs/heads/${req.branch}`],
      req.env,
      req.clone,
    );
  } catch (error) {
    const stderr = error instanceof GitError ? error.stderr : '';
    if (/non-fast-forward|fetch first|\[rejected\]/i.test(stderr))
      return {
        status: 'refused',
        message: `${target} moved while pushing; git refused the push (not a fast-forward)`,
      };
    return failure(error, `pushing to ${target}`);
  }
  return {
    status: 'done',
    message: `pushed ${short(req.from)}..${short(req.to)} to ${target} (${remote})`,
  };
}

/** git's environment: the user's, without the variables kept from agents (radar's token). */
export function gitEnv(env: NodeJS.ProcessEnv, secretEnv: readonly string[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of secretEnv) delete out[name];
  return out;
}

/** What `radar approve` (or dispatch.autoApply) calls for a `push` approval. */
export function pusher(
  config: Pick<RadarConfig, 'repos' | 'dispatch'>,
  env: NodeJS.ProcessEnv,
  cwd: string,
): (approval: Approval) => Promise<PushOutcome> {
  return async (approval) => {
    const p = approval.payload ?? {};
    const text = (key: string) => (typeof p[key] === 'string' ? p[key] : '');
    const repo = config.repos[approval.repo];
    if (!repo?.clone)
      return {
        status: 'retry',
        message: `no clone of ${approval.repo} is configured (repos.${approval.repo}.clone)`,
      };
    if (!text('headRepo') || !text('branch') || !text('from') || !text('to'))
      return { status: 'refused', message: 'the approval does not say what to push where' };
    return pushFastForward({
      clone: expandHome(repo.clone, env, cwd),
      repo: approval.repo,
      headRepo: text('headRepo'),
      branch: text('branch'),
      from: text('from'),
      to: text('to'),
      remote: repo.remote,
      env: gitEnv(env, config.dispatch.secretEnv),
    });
  };
}
