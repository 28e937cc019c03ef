import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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

/** Writes its own pid and a background grandchild's pid, then waits forever. */
const STUBBORN = 'echo $$ > leader.pid; sleep 1000 & echo $! > grandchild.pid; wait';

describe('radar budget usage command', () => {
  it('gives up on a slow command at commandTimeoutMs and falls back to the next source', async () => {
    const dir = withUsageCommand('sleep 4; echo {}', 300);
    const started = Date.now();
    const r = await runCli(['--json', 'budget'], { cwd: dir });
    // Before: the shell was killed but `sleep` kept its pipes open, holding radar for 4.5 s.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.code).toBe(0);
    const claude = (JSON.parse(r.stdout) as { providers: Record<string, unknown>[] }).providers[0];
    expect(claude).toMatchObject({
      source: expect.stringContaining('ledger'),
      problems: ['usage command failed (timed out after 300 ms)'],
    });
  });

  it('returns from a command that never exits, and leaves nothing of it running', async () => {
    const dir = withUsageCommand(STUBBORN, 300);
    const r = await runCli(['budget'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('claude: usage command failed (timed out after 300 ms)');
    for (const file of ['leader.pid', 'grandchild.pid']) {
      expect(await deadWithin(await pidFromFile(join(dir, file)))).toBe(true);
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
