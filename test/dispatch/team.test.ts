import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario } from '../../src/demo/queue.js';
import { openPgLedger } from '../../src/ledger/pg/pg-ledger.js';
import { PgSyncClient } from '../../src/ledger/pg/sync-client.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree, type CliResult } from '../helpers/cli.js';
import { freshPgSchema } from '../helpers/pg.js';
import { cliEnv, maxOverlap } from './helpers.js';

/**
 * A team on one PostgreSQL ledger: four simulated machines (each its own HOME, machine id, fake
 * agents and their dumps) run `radar scan --dispatch` at once against one queue on a fake
 * GitHub. Scans take the server's scan lock in turn (a machine that finds it taken tries again,
 * as its next cron run would); their dispatches, which hold no scan lock, overlap. Every flagged
 * PR goes to an agent exactly once, the sessions at once never pass the cap, the week's room is
 * never overspent, and a machine killed mid-session is taken over once its lease has expired.
 */

const JOURNEY_MS = 400_000;
const TOKEN = 'ghp_team_dispatch_token';
/** demoScenario's queue: 8 PRs go to agents (a ninth, a stale description, to the human gate). */
const FLAGGED = 8;
const MACHINES = ['m-laptop', 'm-desktop', 'm-build', 'm-ci'];

interface Dump {
  started: number;
  ended?: number;
  env: Record<string, string>;
}

interface Session {
  pr: string;
  machine: string | null;
  outcome: string;
  reason: string | null;
  radarPid: number | null;
  agentPgid: number | null;
  leaseUntil: number | null;
  reserved: number | null;
  tokens: number | null;
}

let gh: FakeGitHub;
let schema: ReturnType<typeof freshPgSchema>;
let trees: ReturnType<typeof tempTree>[] = [];

beforeEach(async () => {
  gh = await startFakeGitHub(demoScenario({ author: 'dev', token: TOKEN, now: new Date() }));
  schema = freshPgSchema();
  // The ledger exists before the machines start (each would migrate it otherwise, in turn).
  openPgLedger(schema.url).close();
});
afterEach(async () => {
  for (const t of trees) t.cleanup();
  trees = [];
  await gh.close();
  schema.drop();
});

/** A machine: its own folder (HOME, config, agents' homes and dumps) on the shared ledger. */
function machine(id: string, config: object, extra: Record<string, string> = {}) {
  const t = tempTree({ 'config/radar.json': JSON.stringify(config) });
  trees.push(t);
  const env = {
    ...cliEnv(t.dir, { url: gh.url, token: TOKEN }, extra),
    RADAR_LEDGER: schema.url,
    RADAR_MACHINE_ID: id,
  };
  const run = (args: string[]) => runCli(args, { cwd: t.dir, env, timeoutMs: 180_000 });
  return {
    id,
    dir: t.dir,
    run,
    /** `radar scan --dispatch`, again while another machine holds the scan lock (exit 75). */
    scanDispatch: async (): Promise<CliResult> => {
      for (;;) {
        const r = await run(['scan', '--dispatch']);
        if (r.code !== 75) return r;
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
      }
    },
    dumps: (): Dump[] => {
      const dir = join(t.dir, 'dump');
      if (!existsSync(dir)) return [];
      return readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dump);
    },
  };
}

/** The sessions every machine claimed, from the shared ledger. */
function sessions(): Session[] {
  const c = new PgSyncClient(schema.url);
  try {
    return c.query<Session>(
      `SELECT repo || '#' || number AS pr, machine, outcome, reason, radar_pid AS "radarPid",
         agent_pgid AS "agentPgid", lease_until AS "leaseUntil", reserved, tokens
       FROM escalations WHERE outcome NOT IN ('dry_run', 'refused') ORDER BY id`,
    ).rows;
  } finally {
    c.close();
  }
}

/**
 * What the shared ledger holds of the sessions and their tokens, and what each machine printed:
 * the message of an assertion on the team's sessions, so that a failure says how it came about.
 */
function trail(runs: readonly CliResult[]): string {
  const c = new PgSyncClient(schema.url);
  try {
    const rows = (sql: string) => c.query(sql).rows.map((r) => JSON.stringify(r));
    return [
      'escalations:',
      ...rows(
        `SELECT id, repo || '#' || number AS pr, machine, agent, account, outcome, reason,
           started_at, ended_at, lease_until, reserved, live_tokens, tokens, tokens_estimated
         FROM escalations ORDER BY id`,
      ),
      'token events:',
      ...rows(
        `SELECT t.id, escalation_id, agent, at, counted, total, run_key, s.path
         FROM token_events t LEFT JOIN token_sources s ON s.id = t.source_id ORDER BY t.id`,
      ),
      ...runs.map((r, i) => `run ${i} (exit ${r.code}):\n${r.stdout}\n${r.stderr}`),
    ].join('\n');
  } finally {
    c.close();
  }
}

const quiet = (r: CliResult) => {
  expect(r.stderr).not.toMatch(/at .+\.js:\d+/);
  expect(r.stderr).not.toContain(schema.url);
  expect(r.stdout).not.toContain(schema.url);
};

describe('four machines dispatching from one PostgreSQL ledger', () => {
  it(
    'dispatch every flagged PR exactly once, never more sessions at once than the cap',
    { timeout: JOURNEY_MS },
    async () => {
      // Three sessions at once across the team, two per scan of a machine: no machine can take
      // the whole queue, and the machines' sessions compete for the cap.
      const config = {
        watch: { authors: ['dev'] },
        budget: { allowUnknown: true },
        dispatch: {
          concurrency: 3,
          maxPerScan: 2,
          burn: { maxPerScan: 2, concurrency: 3 },
          overPace: { maxPerScan: 2, holdAfterCheckpoint: false },
          idleTimeoutMs: 60_000,
          killGraceMs: 300,
        },
      };
      const team = MACHINES.map((id) => machine(id, config, { FAKE_AGENT_DELAY_MS: '1500' }));
      // Rounds of cron: a machine whose claims found the cap full leaves those PRs to a later
      // round (its own or another machine's).
      for (let round = 0; round < 6; round++) {
        const runs = await Promise.all(team.map((m) => m.scanDispatch()));
        for (const r of runs) quiet(r);
        if (new Set(sessions().map((s) => s.pr)).size >= FLAGGED) break;
      }
      const all = sessions();
      const prs = all.map((s) => s.pr);
      expect(new Set(prs).size).toBe(FLAGGED);
      // Exactly once: one escalation per PR, one agent run per PR across the machines.
      expect(prs).toHaveLength(FLAGGED);
      const runs = team.flatMap((m) => m.dumps());
      expect(runs.map((r) => r.env.RADAR_PR).sort()).toEqual([...prs].sort());
      expect(all.every((s) => s.outcome === 'succeeded')).toBe(true);
      // The agents that ran at once, on every machine together (each ran between its claim and
      // its end, so this is at most the sessions the ledger held as running).
      expect(maxOverlap(runs)).toBeLessThanOrEqual(3);
      // The second machine to scan found the first's two sessions and a free slot: the work was
      // shared.
      expect(new Set(all.map((s) => s.machine)).size).toBeGreaterThan(1);
      expect(all.every((s) => MACHINES.includes(s.machine!))).toBe(true);
    },
  );

  it(
    'never reserve past the week’s room, whichever machines claim',
    { timeout: JOURNEY_MS },
    async () => {
      // Each session prints 10,000 input and 1,000 output tokens and reserves as much: the week
      // has room for three.
      const spent = 11_000;
      const config = {
        watch: { authors: ['dev'] },
        budget: {
          providers: [{ name: 'codex', agent: 'codex', weeklyTokens: 3 * spent }],
          sessionTokens: spent,
        },
        rules: { fallback: [] },
        dispatch: { concurrency: 4, maxPerScan: 10, idleTimeoutMs: 60_000, killGraceMs: 300 },
      };
      const team = MACHINES.map((id) =>
        machine(id, config, { FAKE_AGENT_TOKENS: '10000', FAKE_AGENT_DELAY_MS: '800' }),
      );
      const runs = await Promise.all(team.map((m) => m.scanDispatch()));
      for (const r of runs) quiet(r);
      const all = sessions();
      expect(all.length).toBeGreaterThan(0);
      expect(all.every((s) => s.reserved === spent && s.tokens === spent)).toBe(true);
      expect(
        all.reduce((sum, s) => sum + s.tokens!, 0),
        trail(runs),
      ).toBeLessThanOrEqual(3 * spent);
      expect(runs.map((r) => r.stdout).join('\n')).toMatch(
        /not dispatched \(budget\): a session of codex reserves 11000 tokens/,
      );
    },
  );

  it(
    'a machine killed mid-session is taken over by another once its lease has expired',
    { timeout: JOURNEY_MS },
    async () => {
      // A takes one PR per scan; B takes every PR it can.
      const config = (perScan: number) => ({
        watch: { authors: ['dev'] },
        budget: { allowUnknown: true },
        dispatch: {
          concurrency: 4,
          maxPerScan: perScan,
          burn: { maxPerScan: perScan, concurrency: 4 },
          overPace: { maxPerScan: perScan, holdAfterCheckpoint: false },
          idleTimeoutMs: 120_000,
          killGraceMs: 300,
          // Long enough for B's scan below to end well before it, on a loaded machine.
          leaseMs: 40_000,
        },
      });
      const [a, b] = [
        machine(MACHINES[0]!, config(1), { FAKE_AGENT_MODE: 'hang' }),
        machine(MACHINES[1]!, config(10)),
      ];
      // Machine A starts one session, whose agent hangs; A's radar and agent are killed hard.
      const running = a.run(['scan', '--dispatch']);
      let victim: Session | undefined;
      while (!victim?.agentPgid) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        victim = sessions().find((s) => s.outcome === 'running');
      }
      process.kill(victim.radarPid!, 'SIGKILL');
      process.kill(-victim.agentPgid, 'SIGKILL');
      await running;
      // Before the lease expires, B takes the session for alive (though A's radar process is
      // gone, and on this one host its pid could be seen): B dispatches other PRs.
      const before = await b.scanDispatch();
      quiet(before);
      expect(sessions().filter((s) => s.pr !== victim!.pr).length).toBeGreaterThan(0);
      expect(sessions().find((s) => s.pr === victim!.pr)).toMatchObject({
        outcome: 'running',
        machine: a.id,
      });
      // Expired: B's next `scan --dispatch` closes it and frees its PR before judging the queue,
      // and takes the PR over in that same run (reap, then plan), not one scan later.
      while (Date.now() <= victim.leaseUntil!)
        await new Promise((resolve) => setTimeout(resolve, 250));
      const after = await b.scanDispatch();
      quiet(after);
      expect(after.code).toBe(0);
      const ofVictim = sessions().filter((s) => s.pr === victim!.pr);
      expect(ofVictim).toEqual([
        expect.objectContaining({
          machine: a.id,
          outcome: 'failed',
          reason: 'its machine’s lease expired before the session ended',
        }),
        expect.objectContaining({ machine: b.id, outcome: 'succeeded' }),
      ]);
    },
  );
});
