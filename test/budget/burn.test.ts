import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { burn, type Burn, type BurnInput } from '../../src/budget/burn.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { openLedger } from '../../src/ledger/open.js';
import { runCli, tempTree } from '../helpers/cli.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 4, 12); // Thursday noon
const RESET = Date.UTC(2026, 5, 8); // Monday: 84 hours on

describe('burn arithmetic', () => {
  it.each<[string, Partial<BurnInput>, Burn]>([
    [
      'runs out before the reset',
      { lastDayTokens: 24_000, usedPercent: 44, weeklyTokens: 100_000 },
      {
        tokensPerHour: 1000,
        projectedPercent: 128,
        runsOutAt: new Date(NOW + 56 * HOUR).toISOString(),
        lastsToReset: false,
      },
    ],
    [
      'lasts to the reset',
      { lastDayTokens: 2400, usedPercent: 44, weeklyTokens: 100_000 },
      { tokensPerHour: 100, projectedPercent: 52.4, runsOutAt: null, lastsToReset: true },
    ],
    [
      'idle: the week ends where it is',
      { lastDayTokens: 0, usedPercent: 30, weeklyTokens: 100_000 },
      { tokensPerHour: 0, projectedPercent: 30, runsOutAt: null, lastsToReset: true },
    ],
    [
      'out already',
      { lastDayTokens: 4800, usedPercent: 101, weeklyTokens: 100_000 },
      {
        tokensPerHour: 200,
        projectedPercent: 101 + 16.8,
        runsOutAt: new Date(NOW).toISOString(),
        lastsToReset: false,
      },
    ],
    [
      'a percentage source without weeklyTokens: the rate only',
      { lastDayTokens: 4800, usedPercent: 50 },
      { tokensPerHour: 200, projectedPercent: null, runsOutAt: null, lastsToReset: null },
    ],
    [
      'no reset known',
      { lastDayTokens: 4800, usedPercent: 50, weeklyTokens: 100_000, resetsAt: null },
      { tokensPerHour: 200, projectedPercent: null, runsOutAt: null, lastsToReset: null },
    ],
    [
      'past the reset: nothing more is spent in this week',
      { lastDayTokens: 24_000, usedPercent: 10, weeklyTokens: 100_000, now: RESET + HOUR },
      { tokensPerHour: 1000, projectedPercent: 10, runsOutAt: null, lastsToReset: true },
    ],
  ])('%s', (_name, over, expected) => {
    const got = burn({
      now: NOW,
      lastDayTokens: 0,
      usedPercent: null,
      resetsAt: RESET,
      ...over,
    });
    expect({
      ...got,
      projectedPercent: got.projectedPercent && round(got.projectedPercent),
    }).toEqual(expected);
  });
});

const round = (n: number) => Math.round(n * 1000) / 1000;

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** A Codex rollout whose cumulative totals reach `totals` at the given instants. */
function rollout(id: string, points: [string, number][]): string {
  return [
    { timestamp: points[0]![0], type: 'session_meta', payload: { id } },
    ...points.map(([ts, total]) => ({
      timestamp: ts,
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: {
          total_token_usage: {
            input_tokens: total - 1000,
            cached_input_tokens: 0,
            output_tokens: 1000,
            reasoning_output_tokens: 0,
            total_tokens: total,
          },
        },
        rate_limits: null,
      },
    })),
  ]
    .map((l) => JSON.stringify(l))
    .join('\n')
    .concat('\n');
}

describe('radar budget: burn rate, projection, estimates and the week’s roll-over', () => {
  it('shows the last day’s rate, where it ends the week and when the quota runs out', async () => {
    const t = tempTree({
      'config/radar.json': JSON.stringify({
        timezone: 'UTC',
        weekStart: 'monday',
        budget: {
          providers: [
            { name: 'codex', agent: 'codex', weeklyTokens: 100_000, rolloutRateLimits: false },
          ],
        },
      }),
      // 20,000 on Tuesday, then 24,000 more within the last day before Thursday noon.
      'codex/sessions/rollout-a.jsonl': rollout('a', [
        ['2026-06-02T10:00:00.000Z', 20_000],
        ['2026-06-04T06:00:00.000Z', 44_000],
      ]),
    });
    cleanups.push(t.cleanup);
    const thursday = { RADAR_NOW: '2026-06-04T12:00:00Z' };
    expect((await runCli(['ingest', 'codex'], { cwd: t.dir, env: thursday })).code).toBe(0);
    // A session that reported no usage keeps its reservation of 5,000 as an estimate.
    const db = openLedger(join(t.dir, 'ledgers', 'radar.db'));
    try {
      const store = new DispatchStore(db);
      const claim = store.claim({
        nodeId: 'PR_1',
        repo: 'acme/widget',
        number: 1,
        headSha: null,
        fingerprints: new Map([['ci_failing:1', 'ci_failing']]),
        agent: 'codex',
        argv: [],
        now: Date.UTC(2026, 5, 3, 9),
        concurrency: 3,
        radarPid: process.pid,
        reason: null,
        live: () => false,
        reservation: { tokens: 5000, since: 0, until: RESET, fits: () => true },
      });
      expect(claim.kind).toBe('claimed');
      if (claim.kind !== 'claimed') return;
      store.finish(claim.escalationId, {
        endedAt: Date.UTC(2026, 5, 3, 10),
        exitCode: 0,
        outcome: 'succeeded',
        sessionId: null,
        tokens: null,
        runLog: null,
        reason: null,
        estimated: true,
      });
    } finally {
      db.close();
    }

    const json = await runCli(['--json', 'budget'], { cwd: t.dir, env: thursday });
    expect(json.code).toBe(0);
    const [codex] = (JSON.parse(json.stdout) as { providers: Record<string, unknown>[] }).providers;
    expect(codex).toMatchObject({
      usedPercent: 44,
      resetsAt: '2026-06-08T00:00:00.000Z',
      burn: {
        tokensPerHour: 1000,
        projectedPercent: 128,
        runsOutAt: '2026-06-06T20:00:00.000Z',
        lastsToReset: false,
      },
      estimated: { tokens: 5000, sessions: 1 },
    });
    const table = await runCli(['budget'], { cwd: t.dir, env: thursday });
    expect(table.stdout).toMatch(
      /codex\s+44\.0%\s+50\.0%\s+\S+\s+1,000\s+128\.0%\s+2026-06-06 20:00/,
    );
    expect(table.stdout).toContain(
      'codex: ~5,000 tokens estimated this week (1 session reported no usage',
    );
    const report = await runCli(['report', 'tokens', '--by', 'agent'], {
      cwd: t.dir,
      env: thursday,
    });
    expect(report.stdout).toMatch(/^codex\s+44,000/m);
    expect(report.stdout).toContain(
      'estimated: ~5,000 tokens of codex in 1 session that reported no usage (their reservations; not in the totals)',
    );

    // The next Monday: a new week, nothing spent in it and nothing in the last day.
    const monday = { RADAR_NOW: '2026-06-08T12:00:00Z' };
    const next = await runCli(['--json', 'budget'], { cwd: t.dir, env: monday });
    const [rolled] = (JSON.parse(next.stdout) as { providers: Record<string, unknown>[] })
      .providers;
    expect(rolled).toMatchObject({
      usedPercent: 0,
      resetsAt: '2026-06-15T00:00:00.000Z',
      burn: { tokensPerHour: 0, projectedPercent: 0, runsOutAt: null, lastsToReset: true },
      estimated: { tokens: 0, sessions: 0 },
    });
  });
});
