import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario } from '../../src/demo/queue.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { cliEnv, maxOverlap } from './helpers.js';

/**
 * `radar scan --dispatch` end to end, the way cron runs it: the real CLI, a fake GitHub serving a
 * queue like a real one, fake agents on PATH (one hangs, one crashes), several scans.
 */

const TOKEN = 'ghp_scan_dispatch_token';
interface Dump {
  started: number;
  ended?: number;
  env: Record<string, string>;
  printed?: number;
}

let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;
let env: Record<string, string>;

beforeEach(async () => {
  const scenario = demoScenario({ author: 'dev', token: TOKEN, now: new Date() });
  gh = await startFakeGitHub(scenario);
  const ref = (i: number) =>
    `${scenario.pullRequests[i]!.repo}#${scenario.pullRequests[i]!.number}`;
  t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['dev'] },
      dispatch: { concurrency: 2, maxPerScan: 10, idleTimeoutMs: 4000, killGraceMs: 300 },
    }),
    'plan.json': JSON.stringify({ [ref(1)]: 'hang', [ref(3)]: 'fail' }),
  });
  env = cliEnv(
    t.dir,
    { url: gh.url, token: TOKEN },
    { FAKE_AGENT_PLAN: join(t.dir, 'plan.json'), FAKE_AGENT_DELAY_MS: '400' },
  );
});
afterEach(async () => {
  t.cleanup();
  await gh.close();
});

const dumps = (): Dump[] => {
  const dir = join(t.dir, 'dump');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dump);
};

const tokensByPr = async () => {
  const r = await runCli(['--json', 'report', 'tokens', '--by', 'pr'], { cwd: t.dir, env });
  const groups = (JSON.parse(r.stdout) as { groups: { key: string; tokens: number }[] }).groups;
  return Object.fromEntries(groups.map((g) => [g.key, g.tokens]));
};

describe('radar scan --dispatch', () => {
  it('two scans dispatch each flagged PR once, within the cap, surviving hanging and crashing agents', async () => {
    const first = await runCli(['scan', '--dispatch'], { cwd: t.dir, env, timeoutMs: 120_000 });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/timed_out \(stopped: no output within the idle time limit\)/);
    expect(first.stdout).toMatch(/failed \(exit 1: error: the model gave up\)/);
    const second = await runCli(['scan', '--dispatch'], { cwd: t.dir, env, timeoutMs: 120_000 });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    const runs = dumps();
    const prs = runs.map((r) => r.env.RADAR_PR);
    // 8 PRs go to agents (a ninth, the stale description, to the human gate).
    expect(prs).toHaveLength(8);
    expect(new Set(prs).size).toBe(8);
    expect(maxOverlap(runs)).toBe(2);
    // No secret reached an agent.
    for (const r of runs) expect(r.env.GITHUB_TOKEN).toBeUndefined();
    // The ledger's tokens per PR are what the agents printed.
    const printed = Object.fromEntries(
      runs.filter((r) => r.printed !== undefined).map((r) => [r.env.RADAR_PR, r.printed]),
    );
    expect(Object.keys(printed)).toHaveLength(7);
    expect(await tokensByPr()).toEqual(printed);
    // Their rollouts and transcripts, ingested from the agents' folders, change nothing.
    const ingest = await runCli(['ingest', join(t.dir, 'codex'), join(t.dir, 'claude')], {
      cwd: t.dir,
      env,
    });
    expect(ingest.stdout).toMatch(/7 new events, 0 new tokens/);
    expect(await tokensByPr()).toEqual(printed);
    // A new signal on another PR: only that one is dispatched by the next scan.
    gh.scenario.pullRequests[20]!.checks = [
      { kind: 'check_run', name: 'build', status: 'COMPLETED', conclusion: 'FAILURE' },
    ];
    const third = await runCli(['--json', 'scan', '--dispatch'], { cwd: t.dir, env });
    const lines = third.stdout.trim().split('\n');
    const dispatched = (
      JSON.parse(lines.at(-1)!) as { dispatch: { results: { pr: string; status: string }[] } }
    ).dispatch.results.filter((r) => r.status !== 'skipped');
    const p = gh.scenario.pullRequests[20]!;
    expect(dispatched).toEqual([
      expect.objectContaining({ pr: `${p.repo}#${p.number}`, status: 'succeeded' }),
    ]);
    expect(dumps()).toHaveLength(9);
  });

  it('does not hold the scan lock while agents work: the next cron scan runs and dispatches nothing twice', async () => {
    const slow = { ...env, FAKE_AGENT_DELAY_MS: '2500' };
    const a = runCli(['scan', '--dispatch', '--max', '3'], {
      cwd: t.dir,
      env: slow,
      timeoutMs: 120_000,
    });
    // Wait until A's first sessions run.
    const until = Date.now() + 30_000;
    while (dumps().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const b = await runCli(['scan', '--dispatch'], { cwd: t.dir, env: slow, timeoutMs: 120_000 });
    expect(b.code).toBe(0);
    expect(b.stderr).toBe('');
    const ra = await a;
    expect(ra.code).toBe(0);
    const prs = dumps().map((r) => r.env.RADAR_PR);
    expect(new Set(prs).size).toBe(prs.length);
    expect(maxOverlap(dumps())).toBeLessThanOrEqual(2);
  });

  it('respects the weekly budget: falls back to claude when codex is spent, then stops', async () => {
    writeFileSync(
      join(t.dir, 'config/radar.json'),
      JSON.stringify({
        watch: { authors: ['dev'] },
        budget: {
          providers: [
            { name: 'codex', agent: 'codex', weeklyTokens: 2000 },
            { name: 'claude', agent: 'claude', weeklyTokens: 2000 },
          ],
        },
        dispatch: { concurrency: 1, maxPerScan: 10, idleTimeoutMs: 4000, killGraceMs: 300 },
      }),
    );
    const fixed = { ...env, FAKE_AGENT_TOKENS: '1000', FAKE_AGENT_PLAN: '' };
    const first = await runCli(['scan', '--dispatch'], {
      cwd: t.dir,
      env: fixed,
      timeoutMs: 120_000,
    });
    expect(first.code).toBe(0);
    // 1,100 tokens a session against 2,000 a week: two sessions per provider, then nothing.
    expect(dumps()).toHaveLength(4);
    expect(first.stdout.match(/codex succeeded/g)).toHaveLength(2);
    expect(first.stdout.match(/claude succeeded/g)).toHaveLength(2);
    expect(first.stdout).toMatch(/not dispatched \(budget\): budget exhausted for codex, claude/);
    const second = await runCli(['scan', '--dispatch'], { cwd: t.dir, env: fixed });
    expect(second.code).toBe(0);
    expect(dumps()).toHaveLength(4);
  });

  it('refuses a bad --max before scanning', async () => {
    const r = await runCli(['scan', '--dispatch', '--max', 'lots'], { cwd: t.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('radar: --max: "lots" is not a number of PRs\n');
    expect(gh.stats.requests).toBe(0);
  });
});
