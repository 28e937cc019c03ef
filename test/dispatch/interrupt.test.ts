import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { CLI, pinnedPaths, runCli, tempTree } from '../helpers/cli.js';
import { deadWithin } from '../process/alive.js';
import { cliEnv, escalationFor } from './helpers.js';

const TOKEN = 'ghp_interrupt_test';
let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;
let env: Record<string, string>;

beforeAll(async () => {
  gh = await startFakeGitHub(generateQueue({ author: 'dev', prs: 3, repos: 1, token: TOKEN }));
  t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['dev'] },
      budget: { allowUnknown: true },
    }),
  });
  env = cliEnv(t.dir, { url: gh.url, token: TOKEN }, { TZ: 'UTC', HOME: t.dir, NO_COLOR: '1' });
  expect((await runCli(['scan'], { cwd: t.dir, env })).code).toBe(0);
});
afterAll(async () => {
  t.cleanup();
  await gh.close();
});

const ref = (i: number) => {
  const p = gh.scenario.pullRequests[i]!;
  return `${p.repo}#${p.number}`;
};

describe('Ctrl-C on radar', () => {
  it('stops its agent (the whole group), and the next dispatch records the session as failed', async () => {
    const radar = spawn(process.execPath, [CLI, 'escalate', ref(0), '--yes'], {
      cwd: t.dir,
      env: { ...env, ...pinnedPaths(t.dir), FAKE_AGENT_MODE: 'hang' },
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      radar.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const dumpDir = join(t.dir, 'dump');
    const until = Date.now() + 30_000;
    while (!(existsSync(dumpDir) && readdirSync(dumpDir).length > 0) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    const agent = JSON.parse(readFileSync(join(dumpDir, readdirSync(dumpDir)[0]!), 'utf8')) as {
      pid: number;
    };
    radar.kill('SIGINT');
    const end = await exited;
    expect(end.signal === 'SIGINT' || end.code === 130).toBe(true);
    expect(await deadWithin(agent.pid, 5000)).toBe(true);
    // The next dispatch (any radar command that dispatches) closes the orphaned row.
    const next = await runCli(['escalate', ref(1), '--yes'], { cwd: t.dir, env });
    expect(next.code).toBe(0);
    const db = openLedger(join(t.dir, 'ledgers', 'radar.db'));
    try {
      const first = escalationFor(db, ref(0));
      expect(first).toMatchObject({
        outcome: 'failed',
        reason: 'radar stopped before the session ended',
        tokens: null,
      });
      expect(first!.runLog).toMatch(/\.log$/);
    } finally {
      db.close();
    }
  });
});
