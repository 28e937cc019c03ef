import { afterEach, describe, expect, it } from 'vitest';
import { runRadar, tempTree } from '../helpers/cli.js';

/**
 * Two Claude accounts, each with its own folder of transcripts: `radar report tokens --by
 * account` gives each its own events (the backup's folder is the backup's, not the first
 * account's), and `radar budget --json` paces each on its own week and shows the value each
 * subscription's tokens were worth this billing month against its price.
 */

const line = (session: string, at: Date, input: number, output: number) =>
  JSON.stringify({
    type: 'assistant',
    sessionId: session,
    timestamp: at.toISOString(),
    message: {
      id: `msg_${session}`,
      model: 'claude-sonnet-4-5',
      usage: {
        input_tokens: input,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: output,
      },
    },
  }) + '\n';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('accounts in reports and the budget', () => {
  it('each account its own events, week and subscription value', async () => {
    // A Wednesday (the week began on Monday); the billing month began a week ago, on the 3rd.
    const NOW = '2026-06-10T12:00:00.000Z';
    const at = new Date(Date.parse(NOW) - 3_600_000);
    const renewsOn = 3;
    const t = tempTree({
      '.claude/projects/p/main.jsonl': line('main', at, 40_000, 4_000),
      '.claude-backup/projects/p/backup.jsonl': line('backup', at, 10_000, 1_000),
      'config/radar.json': JSON.stringify({
        timezone: 'UTC',
        budget: {
          providers: [
            { name: 'codex', agent: 'codex', rolloutRateLimits: false },
            {
              name: 'claude-main',
              agent: 'claude',
              weeklyTokens: 1_000_000,
              monthlyPrice: 200,
              renewsOn,
            },
            {
              name: 'claude-backup',
              agent: 'claude',
              weeklyTokens: 100_000,
              monthlyPrice: 100,
              renewsOn,
              env: { CLAUDE_CONFIG_DIR: '~/.claude-backup' },
            },
          ],
        },
      }),
    });
    cleanup = t.cleanup;
    const env = { CLAUDE_CONFIG_DIR: undefined, CODEX_HOME: undefined, RADAR_NOW: NOW };
    const run = (args: string[]) => runRadar(args, { cwd: t.dir, env });
    expect((await run(['ingest'])).code).toBe(0);

    const report = await run(['--json', 'report', 'tokens', '--by', 'account']);
    expect(report.code).toBe(0);
    const { groups } = JSON.parse(report.stdout) as {
      groups: { key: string; tokens: number; costUsd?: number }[];
    };
    const tokens = Object.fromEntries(groups.map((g) => [g.key, g.tokens]));
    expect(tokens).toEqual({ 'claude-main': 44_000, 'claude-backup': 11_000 });

    const budget = await run(['--json', 'budget']);
    expect(budget.code).toBe(0);
    const { providers } = JSON.parse(budget.stdout) as {
      providers: {
        provider: string;
        usedPercent: number;
        detail?: string;
        value: { priceUsd: number; usedUsd: number; ratio: number } | null;
      }[];
    };
    const byName = new Map(providers.map((p) => [p.provider, p]));
    expect(byName.get('codex')?.value).toBeNull();
    const main = byName.get('claude-main')!;
    const backup = byName.get('claude-backup')!;
    // Each account's own week: its own folder's tokens against its own quota.
    expect([main.detail, main.usedPercent]).toEqual(['44000 of 1000000 tokens', 4.4]);
    expect([backup.detail, backup.usedPercent]).toEqual(['11000 of 100000 tokens', 11]);
    // The value: the same model priced, so the accounts' costs stand as their tokens (4 : 1).
    const cost = Object.fromEntries(groups.map((g) => [g.key, g.costUsd]));
    expect(main.value).toMatchObject({ priceUsd: 200, usedUsd: round(cost['claude-main']!) });
    expect(backup.value).toMatchObject({ priceUsd: 100, usedUsd: round(cost['claude-backup']!) });
    expect(main.value!.usedUsd).toBeGreaterThan(0);
    expect(main.value!.ratio).toBe(Math.round((main.value!.usedUsd / 200) * 100) / 100);
    expect(main.value).toMatchObject({
      since: '2026-06-03T00:00:00.000Z',
      renewsAt: '2026-07-03T00:00:00.000Z',
    });

    const text = await run(['budget']);
    expect(text.stdout).toContain(
      `claude-main: $${main.value!.usedUsd.toFixed(2)} of API use for $200 this billing month`,
    );
  });
});

const round = (usd: number) => Math.round(usd * 100) / 100;
