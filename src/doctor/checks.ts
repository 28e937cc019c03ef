import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** Extra machine-readable facts for --json. */
  data?: Record<string, unknown>;
}

/** Finds an executable on PATH (what `which` does), without spawning a shell. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  if (command.includes('/')) return isExecutable(command) ? command : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Runs `<cli> --version` with a time limit; the first line of its output, or an error. */
export function commandVersion(
  path: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 5000,
): Promise<{ version?: string; error?: string }> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(path, ['--version'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (error) => resolve({ error: error.message }));
    child.on('close', (code, signal) => {
      const first = out.trim().split('\n')[0]?.trim();
      if (signal) resolve({ error: `timed out after ${timeoutMs} ms` });
      else if (code !== 0) resolve({ error: `exited ${code}${first ? `: ${first}` : ''}` });
      else resolve({ version: first || '(no version printed)' });
    });
  });
}

export function folderStatus(path: string): 'found' | 'missing' | 'not-a-folder' {
  if (!existsSync(path)) return 'missing';
  try {
    return statSync(path).isDirectory() ? 'found' : 'not-a-folder';
  } catch {
    return 'missing';
  }
}
