import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario } from '../../src/demo/queue.js';
import { openLedger } from '../../src/ledger/open.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { cliEnv } from './helpers.js';

/**
 * Two Claude accounts, the first exhausted (its usage command says 100%): sessions run under
 * the second account's CLAUDE_CONFIG_DIR, their tokens land in its week, and `radar budget
 * --json` shows both accounts.
 */

const JOURNEY_MS = 300_000;
const TOKEN = 'ghp_accounts_journey';
const EXHAUSTED = `echo '{"usage":{"secondary":{"usedPercent":100}}}'`;

let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;
let env: Record<string, string>;

beforeEach(async () => {
  gh = await startFakeGitHub(demoScenario({ author: 'dev', token: TOKEN, now: new Date() }));
  t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['dev'] },
      budget: {
        // codex has no budget source: its PRs fall back to claude.
        providers: [
          { name: 'codex', agent: 'codex' },
          {
            name: 'claude-main',
            agent: 'claude',
            usageCommand: EXHAUSTED,
            env: { CLAUDE_CONFIG_DIR: '~/claude-main' },
          },
          {
            name: 'claude-backup',
            agent: 'claude',
            weeklyTokens: 10_000_000,
            env: { CLAUDE_CONFIG_DIR: '~/claude-backup' },
          },
        ],
        sessionTokens: 10_000,
      },
      rules: { fallback: ['claude'] },
      dispatch: { concurrency: 2, maxPerScan: 2, idleTimeoutMs: 20_000, killGraceMs: 300 },
    }),
  });
  env = cliEnv(t.dir, { url: gh.url, token: TOKEN }, { HOME: t.dir, FAKE_AGENT_TOKENS: '5000' });
});
afterEach(async () => {
  t.cleanup();
  await gh.close();
});

interface Dump {
  tool: string;
  env: Record<string, string>;
}

describe('several accounts of one agent', () => {
  it(
    'the first account exhausted: sessions run under the second, radar budget shows both',
    { timeout: JOURNEY_MS },
    async () => {
      const scan = await runCli(['scan', '--dispatch'], { cwd: t.dir, env, timeoutMs: 120_000 });
      expect(scan.stderr).not.toMatch(/at .+\.js:\d+/);
      const dumpDir = join(t.dir, 'dump');
      const dumps = existsSync(dumpDir)
        ? readdirSync(dumpDir).map(
            (f) => JSON.parse(readFileSync(join(dumpDir, f), 'utf8')) as Dump,
          )
        : [];
      expect(dumps.length).toBeGreaterThan(0);
      expect(dumps.map((d) => [d.tool, d.env.CLAUDE_CONFIG_DIR])).toEqual(
        dumps.map(() => ['claude', join(t.dir, 'claude-backup')]),
      );
      const db = openLedger(join(t.dir, 'ledgers', 'radar.db'));
      try {
        const rows = db
          .prepare(
            `SELECT agent, account, tokens FROM escalations WHERE outcome NOT IN ('dry_run', 'refused')`,
          )
          .all() as { agent: string; account: string; tokens: number }[];
        expect(rows.length).toBe(dumps.length);
        expect(rows.map((r) => [r.agent, r.account])).toEqual(
          rows.map(() => ['claude', 'claude-backup']),
        );
      } finally {
        db.close();
      }

      const budget = await runCli(['budget', '--json'], { cwd: t.dir, env });
      expect(budget.code).toBe(0);
      const { providers } = JSON.parse(budget.stdout) as {
        providers: { provider: string; verdict: string; detail?: string }[];
      };
      const byName = new Map(providers.map((p) => [p.provider, p]));
      expect(byName.get('claude-main')?.verdict).toBe('exhausted');
      // The backup's week holds the sessions' tokens (5,000 input and 500 output each).
      expect(byName.get('claude-backup')?.detail).toBe(`${dumps.length * 5500} of 10000000 tokens`);
    },
  );
});
