/**
 * What a session left behind, read when it ends: the commits on its branch ahead of the PR head
 * it started from and their diffstat (git, in the user's clone, where the branch outlives the
 * worktree), and the agent's final message (its run log). The decisions on them are pure
 * (results.ts).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { SessionWork } from '../core/actions.js';
import { git } from './git.js';
import { finalMessage, MAX_BODY_CHARS, parseNumstat } from './results.js';
import { sanitize } from './prompt.js';

/** The final message is at the end of a run log: at most this much of its tail is read. */
const TAIL_BYTES = 8 * 1024 * 1024;

function tailLines(path: string): string[] {
  let fd: number | undefined;
  try {
    const size = statSync(path).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    fd = openSync(path, 'r');
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n');
    // A tail that starts mid-line loses that line only.
    return length < size ? lines.slice(1) : lines;
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface InspectRequest {
  /** The clone and session branch (none: the session ran in a scratch folder). */
  clone?: string;
  branch?: string;
  /** The PR head the session started from. */
  baseSha: string;
  runLog: string;
  env: NodeJS.ProcessEnv;
}

/** Every changed path is returned (the guards read them all); the escalation keeps MAX_PATHS. */
export async function inspectWork(req: InspectRequest): Promise<Omit<SessionWork, 'guards'>> {
  const raw = finalMessage(tailLines(req.runLog));
  const message = raw === null ? null : sanitize(raw, MAX_BODY_CHARS) || null;
  const none = {
    branch: null,
    baseSha: req.baseSha,
    tipSha: null,
    commits: 0,
    files: 0,
    additions: 0,
    deletions: 0,
    paths: [],
    message,
  };
  if (!req.clone || !req.branch) return none;
  const tip = await git(['rev-parse', '--verify', `${req.branch}^{commit}`], req.env, req.clone);
  const range = `${req.baseSha}..${tip}`;
  const commits = Number(await git(['rev-list', '--count', range], req.env, req.clone));
  const stat =
    commits > 0
      ? parseNumstat(
          await git(
            ['diff', '--numstat', '--no-renames', '--no-color', req.baseSha, tip],
            req.env,
            req.clone,
          ),
        )
      : parseNumstat('');
  return {
    ...none,
    branch: req.branch,
    tipSha: tip,
    commits,
    ...stat,
  };
}
