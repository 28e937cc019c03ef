import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario } from '../../src/demo/queue.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { cliEnv } from './helpers.js';

/**
 * Dispatch follows the pace: the same queue on the same Thursday, once with codex under pace
 * ("under 30% by Wednesday: burn harder") and once on pace. The provider's used % comes from a
 * usage command; its weekly quota is large, so the reservations never bind.
 */

const JOURNEY_MS = 300_000;
const TOKEN = 'ghp_pace_journey';
/** A Thursday noon (the week starts on Monday 2026-06-01, in UTC). */
const THURSDAY = '2026-06-04T12:00:00Z';
const RESET = '2026-06-08T00:00:00Z';

let gh: FakeGitHub;
const trees: { cleanup(): void }[] = [];

beforeEach(async () => {
  gh = await startFakeGitHub(
    demoScenario({ author: 'dev', token: TOKEN, now: new Date(Date.parse(THURSDAY)) }),
  );
});
afterEach(async () => {
  for (const t of trees.splice(0)) t.cleanup();
  await gh.close();
});

interface PaceOut {
  max: number;
  concurrency: number;
  agents: { agent: string; mode: string; max: number; reason: string; watch: boolean }[];
}

/** One `radar scan --dispatch --json` on a fresh ledger with codex at `used` percent. */
async function scanAt(used: number, threshold?: number) {
  const usage = JSON.stringify({ usage: { secondary: { usedPercent: used, resetsAt: RESET } } });
  const t = tempTree({
    'config/radar.json': JSON.stringify({
      timezone: 'UTC',
      watch: { authors: ['dev'] },
      budget: {
        providers: [
          {
            name: 'codex',
            agent: 'codex',
            weeklyTokens: 100_000_000,
            usageCommand: `printf '%s' '${usage}'`,
            rolloutRateLimits: false,
          },
        ],
        sessionTokens: 1000,
      },
      rules: { fallback: [], ...(threshold !== undefined ? { threshold } : {}) },
      dispatch: {
        maxPerScan: 2,
        concurrency: 2,
        burn: { maxPerScan: 8, concurrency: 4 },
        idleTimeoutMs: 20_000,
        killGraceMs: 300,
      },
    }),
  });
  trees.push(t);
  const env = cliEnv(
    t.dir,
    { url: gh.url, token: TOKEN },
    { FAKE_AGENT_TOKENS: '500', RADAR_NOW: THURSDAY },
  );
  const r = await runCli(['scan', '--dispatch', '--json'], { cwd: t.dir, env, timeoutMs: 120_000 });
  expect(r.stderr).not.toMatch(/at .+\.js:\d+/);
  const lines = r.stdout.trim().split('\n');
  const { dispatch } = JSON.parse(lines[lines.length - 1]!) as {
    dispatch: {
      pace: PaceOut;
      results: {
        status: string;
        agent?: string;
        score: number;
        suppressed?: string;
        reason: string | null;
      }[];
    };
  };
  const started = dispatch.results.filter((x) => x.status !== 'skipped');
  return { pace: dispatch.pace, started, results: dispatch.results, scan: lines[0]! };
}

describe('dispatch follows the pace', () => {
  it(
    'a provider under pace on a Thursday dispatches more per scan than the same queue on pace',
    { timeout: JOURNEY_MS },
    async () => {
      const under = await scanAt(12);
      const onPace = await scanAt(45);

      const codex = (p: PaceOut) => p.agents.find((a) => a.agent === 'codex')!;
      expect(codex(under.pace)).toMatchObject({ mode: 'burn', max: 8, watch: true });
      expect(codex(under.pace).reason).toMatch(/under 30% by wednesday .*burn harder/);
      expect(under.pace.concurrency).toBe(4);
      expect(codex(onPace.pace)).toMatchObject({ mode: 'steady', max: 2, watch: false });
      expect(onPace.pace.concurrency).toBe(2);

      // On pace: the configured two; what else was flagged waits for the next scan.
      expect(onPace.started).toHaveLength(2);
      expect(onPace.results.filter((x) => x.suppressed === 'max').length).toBeGreaterThan(0);
      // Under pace: more, every session of codex.
      expect(under.started.length).toBeGreaterThan(onPace.started.length);
      expect(under.started.every((x) => x.agent === 'codex')).toBe(true);
    },
  );

  it(
    'over pace on a Thursday starts only the highest-scoring PR and says why the rest wait',
    { timeout: JOURNEY_MS },
    async () => {
      const over = await scanAt(95);
      const codex = over.pace.agents.find((a) => a.agent === 'codex')!;
      expect(codex).toMatchObject({ mode: 'slow', max: 1 });
      expect(codex.reason).toMatch(/ahead of pace \(used 95%, expected 50%\): slow down/);
      expect(over.started).toHaveLength(1);
      const waiting = over.results.filter((r) => r.suppressed === 'pace');
      expect(waiting.length).toBeGreaterThan(0);
      expect(waiting[0]!.reason).toMatch(/^codex: ahead of pace .*\(at most 1 this scan\)$/);
      expect(over.started[0]!.score).toBe(Math.max(...over.results.map((r) => r.score)));
    },
  );

  it(
    'under pace, watch-tier PRs below the threshold with a dispatchable signal become eligible',
    { timeout: JOURNEY_MS },
    async () => {
      // A high threshold: most flagged PRs of the demo queue are in the watch tier now.
      const under = await scanAt(12, 7);
      const onPace = await scanAt(45, 7);
      const escalated = onPace.started.length;
      // On pace every escalated PR got its session (none cut by the max or the pace): what more
      // starts under pace is watch-tier work.
      expect(
        onPace.results.filter((r) => r.suppressed === 'max' || r.suppressed === 'pace'),
      ).toEqual([]);
      expect(under.started.length).toBeGreaterThan(escalated);
      expect(under.started.every((x) => x.agent === 'codex')).toBe(true);
    },
  );
});
