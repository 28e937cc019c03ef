import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { demoScenario } from '../../src/demo/queue.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { CLI, tempTree, type CliResult } from '../helpers/cli.js';

/**
 * `radar scan --dispatch` as cron runs it: `env -i` with cron's PATH (no agent CLI on it), a HOME
 * and the GitHub variables only, started in HOME (no cd), config and ledger in their default
 * places. Flagged PRs that get no agent must not pass in silence.
 */

const TOKEN = 'ghp_cron_dispatch_token';
let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;

beforeEach(async () => {
  gh = await startFakeGitHub(demoScenario({ author: 'dev', token: TOKEN, now: new Date() }));
  t = tempTree();
  mkdirSync(join(t.dir, '.config/radar'), { recursive: true });
  writeFileSync(
    join(t.dir, '.config/radar/radar.json'),
    JSON.stringify({ watch: { authors: ['dev'] }, budget: { allowUnknown: true } }),
  );
});
afterEach(async () => {
  t.cleanup();
  await gh.close();
});

/** `env -i NAME=VALUE… node cli.js ARGS` in HOME, as a crontab line runs it. */
function cronRun(args: readonly string[], vars: Record<string, string>): Promise<CliResult> {
  const assignments = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/env', ['-i', ...assignments, process.execPath, CLI, ...args], {
      cwd: vars.HOME,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('radar scan --dispatch under cron', () => {
  it('with flagged PRs and no agent on PATH, says which were held back and why, and exits 4', async () => {
    const r = await cronRun(['scan', '--dispatch'], {
      PATH: '/usr/bin:/bin',
      HOME: t.dir,
      GITHUB_API_URL: gh.url,
      GITHUB_TOKEN: TOKEN,
    });
    expect(r.code).toBe(ExitCode.notDispatched);
    expect(r.stderr).toMatch(
      /^radar: \d+ flagged PRs not dispatched: no agent installed \(codex, claude\): [\w-]+\/[\w-]+#\d+/m,
    );
    expect(r.stderr).toContain('radar: no agent command was found on PATH (/usr/bin:/bin)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // The scan itself was recorded where an interactive shell finds it.
    expect(existsSync(join(t.dir, '.local/state/radar/radar.db'))).toBe(true);
  });
});
