import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { LockedError } from '../../src/core/errors.js';
import { demoScenario } from '../../src/demo/queue.js';
import { openPgLedger } from '../../src/ledger/pg/pg-ledger.js';
import { PgSyncClient } from '../../src/ledger/pg/sync-client.js';
import type { OpenLedger } from '../../src/ledger/ports.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree, type CliResult } from '../helpers/cli.js';
import { freshPgSchema } from '../helpers/pg.js';
import { cliEnv } from './helpers.js';

/**
 * A team on one PostgreSQL ledger (team.test.ts, team-lease.test.ts): simulated machines, each
 * its own HOME, machine id, fake agents and their dumps, run `radar scan --dispatch` against one
 * queue on a fake GitHub.
 */

export const JOURNEY_MS = 400_000;
const TOKEN = 'ghp_team_dispatch_token';
/** demoScenario's queue: 8 PRs go to agents (a ninth, a stale description, to the human gate). */
export const FLAGGED = 8;
export const MACHINES = ['m-laptop', 'm-desktop', 'm-build', 'm-ci'];

export interface Dump {
  started: number;
  ended?: number;
  env: Record<string, string>;
}

export interface Session {
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

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registers a fresh fake GitHub and PostgreSQL schema per test (the ledger created before the
 * machines start: each would migrate it otherwise, in turn) and returns what the tests use.
 */
export function team() {
  let gh: FakeGitHub;
  let schema: ReturnType<typeof freshPgSchema>;
  /** The test's own connection to the shared ledger: what it reads, and its look at the lock. */
  let client: PgSyncClient;
  let ledger: OpenLedger;
  let trees: ReturnType<typeof tempTree>[] = [];

  beforeEach(async () => {
    gh = await startFakeGitHub(demoScenario({ author: 'dev', token: TOKEN, now: new Date() }));
    schema = freshPgSchema();
    ledger = openPgLedger(schema.url);
    client = new PgSyncClient(schema.url);
  });
  afterEach(async () => {
    for (const t of trees) t.cleanup();
    trees = [];
    client.close();
    ledger.close();
    await gh.close();
    schema.drop();
  });

  /**
   * Waits while another radar holds the ledger's scan lock, as the next cron run of a machine
   * would find it: the lock is taken and released at once through the ledger's port, so no
   * radar process is started only to be told to try again.
   */
  async function scanLockFree(): Promise<void> {
    for (;;) {
      try {
        ledger.lock('scan', 'radar scan')();
        return;
      } catch (error) {
        if (!(error instanceof LockedError)) throw error;
      }
      await pause(100);
    }
  }

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
      /** `radar scan --dispatch`, again once the lock is free while another machine holds it (exit 75). */
      scanDispatch: async (): Promise<CliResult> => {
        for (;;) {
          const r = await run(['scan', '--dispatch']);
          if (r.code !== 75) return r;
          await scanLockFree();
          await pause(Math.random() * 300);
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
    return client.query<Session>(
      `SELECT repo || '#' || number AS pr, machine, outcome, reason, radar_pid AS "radarPid",
         agent_pgid AS "agentPgid", lease_until AS "leaseUntil", reserved, tokens
       FROM escalations WHERE outcome NOT IN ('dry_run', 'refused') ORDER BY id`,
    ).rows;
  }

  /**
   * What the shared ledger holds of the sessions and their tokens, and what each machine printed:
   * the message of an assertion on the team's sessions, so that a failure says how it came about.
   */
  function trail(runs: readonly CliResult[]): string {
    const rows = (sql: string) => client.query(sql).rows.map((r) => JSON.stringify(r));
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
  }

  /** No stack trace and no ledger URL (its password) in what radar printed. */
  const quiet = (r: CliResult) => {
    expect(r.stderr).not.toMatch(/at .+\.js:\d+/);
    expect(r.stderr).not.toContain(schema.url);
    expect(r.stdout).not.toContain(schema.url);
  };

  return { machine, sessions, trail, quiet, pause };
}
