import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario } from '../../src/demo/queue.js';
import { openLedger } from '../../src/ledger/open.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { cliEnv } from './helpers.js';

/**
 * The budget gate across processes: two `radar scan --dispatch` at once against a codex week
 * with room for about three sessions, fake agents that each spend more than they reserve. The
 * reservations are taken in the claiming transaction, so the two radars see each other's; the
 * week's total may pass the budget by at most one session's excess over its reservation.
 */

const JOURNEY_MS = 300_000;
const TOKEN = 'ghp_reservation_journey';
/** Each fake session prints 10,000 input and 1,000 output tokens. */
const SPENT = 11_000;
const RESERVED = 10_000;
const WEEKLY = 33_000;

let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;
let env: Record<string, string>;

beforeEach(async () => {
  gh = await startFakeGitHub(demoScenario({ author: 'dev', token: TOKEN, now: new Date() }));
  t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['dev'] },
      // codex alone has a budget; claude has no source and is not dispatched.
      budget: {
        providers: [{ name: 'codex', agent: 'codex', weeklyTokens: WEEKLY }],
        sessionTokens: RESERVED,
      },
      rules: { fallback: [] },
      dispatch: { concurrency: 4, maxPerScan: 10, idleTimeoutMs: 20_000, killGraceMs: 300 },
    }),
  });
  env = cliEnv(
    t.dir,
    { url: gh.url, token: TOKEN },
    { FAKE_AGENT_TOKENS: '10000', FAKE_AGENT_DELAY_MS: '800' },
  );
});
afterEach(async () => {
  t.cleanup();
  await gh.close();
});

describe('reservations across radar processes', () => {
  it(
    'two scans dispatching at once spend at most the week plus one session’s excess',
    { timeout: JOURNEY_MS },
    async () => {
      const both = await Promise.all(
        [0, 1].map(() => runCli(['scan', '--dispatch'], { cwd: t.dir, env, timeoutMs: 120_000 })),
      );
      for (const r of both) expect(r.stderr).not.toMatch(/at .+\.js:\d+/);
      const db = openLedger(join(t.dir, 'ledgers', 'radar.db'));
      try {
        const rows = db
          .prepare(
            `SELECT agent, reserved, tokens, outcome FROM escalations
             WHERE outcome NOT IN ('dry_run', 'refused')`,
          )
          .all() as { agent: string; reserved: number; tokens: number; outcome: string }[];
        expect(rows.length).toBeGreaterThanOrEqual(3);
        expect(rows.every((r) => r.agent === 'codex' && r.reserved === RESERVED)).toBe(true);
        expect(rows.map((r) => r.tokens)).toEqual(rows.map(() => SPENT));
        const total = rows.reduce((sum, r) => sum + r.tokens, 0);
        expect(total).toBeLessThanOrEqual(WEEKLY + (SPENT - RESERVED));
        // What did not fit stays flagged, counted as held back by budget.
        const held = db
          .prepare(`SELECT count(*) AS n FROM signal_candidates WHERE suppressed = 'budget'`)
          .get() as { n: number };
        expect(held.n).toBeGreaterThan(0);
      } finally {
        db.close();
      }
      const out = both.map((r) => r.stdout).join('\n');
      expect(out).toMatch(/not dispatched \(budget\): a session of codex reserves 10000 tokens/);
    },
  );
});
