import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario } from '../../src/demo/queue.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { openLedger } from '../../src/ledger/open.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { cliEnv, maxOverlap } from './helpers.js';

/**
 * `radar scan --dispatch` end to end, the way cron runs it: the real CLI, a fake GitHub serving a
 * queue like a real one, fake agents on PATH (one hangs, one crashes), several scans. The
 * decisions (order, budget, max, fallback) are table-tested in plan.test.ts.
 *
 * Sessions at once are measured from radar's own escalation rows (claimed to finished), not from
 * the agents' dumps: an agent stopped by a limit never writes its end, and counted as running
 * forever it overlapped every later session (3 at once whenever the sessions after it were slow,
 * as on a loaded machine).
 */

/** Each journey runs several CLI processes and waits out an idle limit: minutes under load. */
const JOURNEY_MS = 300_000;

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
      // A usage command that counts its runs (claude at 10% of its week).
      budget: {
        providers: [
          {
            name: 'claude',
            agent: 'claude',
            usageCommand: `echo run >> usage-runs.txt; echo '{"usage":{"secondary":{"usedPercent":10}}}'`,
          },
        ],
        // codex has no budget source here: dispatched by the opt-in.
        allowUnknown: true,
      },
      dispatch: {
        concurrency: 2,
        maxPerScan: 10,
        // The same allowance whatever claude's pace on the day the test runs (pace-journey tests it).
        burn: { maxPerScan: 10, concurrency: 2 },
        overPace: { maxPerScan: 10, holdAfterCheckpoint: false },
        idleTimeoutMs: 4000,
        killGraceMs: 300,
      },
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

/** The sessions radar ran, as its ledger records them (claimed at, ended at). */
const sessions = () => {
  const db = openLedger(join(t.dir, 'ledgers', 'radar.db'));
  try {
    return new DispatchStore(db)
      .escalations(1000)
      .filter((e) => e.outcome !== 'dry_run' && e.outcome !== 'refused')
      .map((e) => ({
        started: e.startedAt,
        ended: e.endedAt ?? undefined,
        pr: `${e.repo}#${e.number}`,
      }));
  } finally {
    db.close();
  }
};

/** How many times the usage command ran. */
const usageRuns = () => {
  const file = join(t.dir, 'usage-runs.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
};

const tokensByPr = async () => {
  const r = await runCli(['--json', 'report', 'tokens', '--by', 'pr'], { cwd: t.dir, env });
  const groups = (JSON.parse(r.stdout) as { groups: { key: string; tokens: number }[] }).groups;
  return Object.fromEntries(groups.map((g) => [g.key, g.tokens]));
};

describe('radar scan --dispatch', () => {
  it(
    'two scans dispatch each flagged PR once, within the cap, surviving hanging and crashing agents',
    { timeout: JOURNEY_MS },
    async () => {
      const first = await runCli(['scan', '--dispatch'], { cwd: t.dir, env, timeoutMs: 120_000 });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/timed_out \(stopped: no output within the idle time limit\)/);
      expect(first.stdout).toMatch(/failed \(exit 1: error: the model gave up\)/);
      // The budget is read once per scan, whatever the sessions that follow.
      expect(usageRuns()).toBe(1);
      const second = await runCli(['scan', '--dispatch'], { cwd: t.dir, env, timeoutMs: 120_000 });
      expect(second.code).toBe(0);
      expect(second.stdout).toBe('');
      expect(usageRuns()).toBe(2);
      const runs = dumps();
      const prs = runs.map((r) => r.env.RADAR_PR);
      // 8 PRs go to agents (a ninth, the stale description, to the human gate).
      expect(new Set(prs).size).toBe(8);
      expect(
        sessions()
          .map((r) => r.pr)
          .sort(),
      ).toEqual([...prs].sort());
      expect(maxOverlap(sessions())).toBe(2);
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
    },
  );

  it(
    'does not hold the scan lock while agents work: the next cron scan runs and dispatches nothing twice',
    { timeout: JOURNEY_MS },
    async () => {
      // Slow agents, none hanging: an idle limit far above their silence.
      writeFileSync(
        join(t.dir, 'config/radar.json'),
        JSON.stringify({
          watch: { authors: ['dev'] },
          budget: { allowUnknown: true },
          dispatch: { concurrency: 2, maxPerScan: 10, idleTimeoutMs: 60_000, killGraceMs: 300 },
        }),
      );
      const slow = { ...env, FAKE_AGENT_DELAY_MS: '2500', FAKE_AGENT_PLAN: '' };
      const a = runCli(['scan', '--dispatch', '--max', '3'], {
        cwd: t.dir,
        env: slow,
        timeoutMs: 120_000,
      });
      // Wait until A's first sessions run.
      const until = Date.now() + 60_000;
      while (dumps().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(dumps().length).toBeGreaterThanOrEqual(2);
      const b = await runCli(['scan', '--dispatch'], { cwd: t.dir, env: slow, timeoutMs: 120_000 });
      expect(b.code).toBe(0);
      expect(b.stderr).toBe('');
      const ra = await a;
      expect(ra.code).toBe(0);
      const prs = dumps().map((r) => r.env.RADAR_PR);
      expect(new Set(prs).size).toBe(prs.length);
      expect(maxOverlap(sessions())).toBeLessThanOrEqual(2);
    },
  );
});
