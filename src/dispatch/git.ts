/**
 * git as radar runs it: through the process runner, no terminal prompt (a push that needs a
 * password fails instead of waiting), bounded in time.
 */
import { describeFailure, run } from '../process/run.js';

const GIT_TIMEOUT_MS = 300_000;

export class GitError extends Error {
  constructor(
    message: string,
    /** git's whole stderr (a refused push explains itself there). */
    readonly stderr = '',
  ) {
    super(message);
  }
}

/** Runs git; its stdout (trimmed), or a GitError naming the subcommand and git's last words. */
export async function git(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  const result = await run('git', {
    args,
    cwd,
    env: { ...env, GIT_TERMINAL_PROMPT: '0' },
    timeoutMs: GIT_TIMEOUT_MS,
    killGraceMs: 2000,
  });
  const failure = describeFailure(result, GIT_TIMEOUT_MS);
  if (failure || result.kind !== 'exited')
    throw new GitError(
      `git ${args[0] ?? ''}: ${failure ?? 'did not run'}`,
      result.kind === 'exited' ? result.stderr.text : '',
    );
  return result.stdout.text.trim();
}
