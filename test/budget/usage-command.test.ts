import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromCommand } from '../../src/budget/sources.js';
import type { ProviderConfig } from '../../src/config/schema.js';
import { openLedger } from '../../src/ledger/open.js';
import { CLI, pinnedPaths, runCli, tempTree } from '../helpers/cli.js';
import { deadWithin, pidFromFile } from '../process/alive.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** A folder whose config has one provider fed by `usageCommand`. */
function withUsageCommand(usageCommand: string, commandTimeoutMs: number): string {
  const t = tempTree({
    'config/radar.json': JSON.stringify({
      budget: {
        commandTimeoutMs,
        providers: [{ name: 'claude', agent: 'claude', usageCommand, weeklyTokens: 1000 }],
      },
    }),
  });
  cleanups.push(t.cleanup);
  openLedger(join(t.dir, 'ledgers/radar.db')).close();
  return t.dir;
}

const PROVIDER: ProviderConfig = {
  name: 'claude',
  agent: 'claude',
  usagePath: 'usage.secondary.usedPercent',
  resetsAtPath: 'usage.secondary.resetsAt',
  rolloutRateLimits: false,
};
const ENV = { PATH: process.env.PATH };

/** Writes its own pid and a background grandchild's pid, then waits forever. */
const STUBBORN = 'echo $$ > leader.pid; sleep 1000 & echo $! > grandchild.pid; wait';

const RESET = '2026-06-15T00:00:00.000Z';

describe('reading a usage command', () => {
  it.each([
    {
      script: `echo '{"usage":{"secondary":{"usedPercent":42.5,"resetsAt":"${RESET}"}}}'`,
      expected: {
        usedPercent: 42.5,
        resetsAt: Date.parse(RESET),
        windowStart: Date.parse(RESET) - 7 * 86_400_000,
        source: 'usage command (echo)',
      },
    },
    {
      script: `echo '{"usage":{"secondary":{"usedPercent":7,"resetsAt":1781481600}}}'`,
      expected: {
        usedPercent: 7,
        resetsAt: 1781481600_000,
        windowStart: 1781481600_000 - 7 * 86_400_000,
        source: 'usage command (echo)',
      },
    },
    {
      script: `echo '{"usage":{"secondary":{"usedPercent":7}}}'`,
      expected: {
        usedPercent: 7,
        resetsAt: undefined,
        windowStart: undefined,
        source: 'usage command (echo)',
      },
    },
    { script: 'echo not json', expected: { error: 'usage command did not print JSON' } },
    {
      script: `echo '{"usage":{"secondary":{"usedPercent":"7"}}}'`,
      expected: { error: 'usage command output has no number at usage.secondary.usedPercent' },
    },
    {
      script: 'echo nope >&2; exit 3',
      expected: { error: 'usage command failed (exit 3: nope)' },
    },
  ])('$script', async ({ script, expected }) => {
    expect(await fromCommand({ ...PROVIDER, usageCommand: script }, 10_000, ENV)).toEqual(expected);
  });

  it('passes when no command is configured', async () => {
    expect(await fromCommand(PROVIDER, 10_000, ENV)).toBeUndefined();
  });
});

describe('radar budget usage command', () => {
  it('gives up on a slow command at commandTimeoutMs and falls back to the next source', async () => {
    // Were radar to wait for the command (before: the shell was killed, but `sleep` kept its pipes
    // open), it would still be running when the harness ends it: exit -1, not 0.
    const dir = withUsageCommand('sleep 1000; echo {}', 300);
    const r = await runCli(['--json', 'budget'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    const claude = (JSON.parse(r.stdout) as { providers: Record<string, unknown>[] }).providers[0];
    expect(claude).toMatchObject({
      source: expect.stringContaining('ledger'),
      problems: ['usage command failed (timed out after 300 ms)'],
    });
  });

  it('returns from a command that never exits, and leaves nothing of it running', async () => {
    const dir = tempTree();
    cleanups.push(dir.cleanup);
    const provider = { ...PROVIDER, usageCommand: `cd '${dir.dir}' && ${STUBBORN}` };
    const usage = await fromCommand(provider, 300, ENV);
    expect(usage).toEqual({ error: 'usage command failed (timed out after 300 ms)' });
    for (const file of ['leader.pid', 'grandchild.pid']) {
      expect(await deadWithin(await pidFromFile(join(dir.dir, file)))).toBe(true);
    }
  });

  it('takes its children with it when it is terminated by a signal', async () => {
    const dir = withUsageCommand(STUBBORN, 60_000);
    const radar = spawn(process.execPath, [CLI, 'budget'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', ...pinnedPaths(dir) },
      stdio: 'ignore',
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      radar.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const leader = await pidFromFile(join(dir, 'leader.pid'));
    const grandchild = await pidFromFile(join(dir, 'grandchild.pid'));
    radar.kill('SIGTERM');
    expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await deadWithin(leader)).toBe(true);
    expect(await deadWithin(grandchild)).toBe(true);
  });
});
