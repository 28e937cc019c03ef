import { existsSync, statSync } from 'node:fs';
import { describeFailure, run } from '../process/run.js';

export { findOnPath } from '../process/which.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** Extra machine-readable facts for --json. */
  data?: Record<string, unknown>;
}

/** Runs `<cli> --version` with a time limit; the first line of its output, or an error. */
export async function commandVersion(
  path: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 5000,
): Promise<{ version?: string; error?: string }> {
  const result = await run(path, { args: ['--version'], env, timeoutMs, killGraceMs: 1000 });
  const failure = describeFailure(result, timeoutMs);
  if (failure || result.kind !== 'exited') return { error: failure };
  const first = `${result.stdout.text}\n${result.stderr.text}`.trim().split('\n')[0]?.trim();
  return { version: first || '(no version printed)' };
}

export function folderStatus(path: string): 'found' | 'missing' | 'not-a-folder' {
  if (!existsSync(path)) return 'missing';
  try {
    return statSync(path).isDirectory() ? 'found' : 'not-a-folder';
  } catch {
    return 'missing';
  }
}
