import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { configSchema } from '../config/schema.js';

interface DemoOptions {
  keep?: boolean;
}

/**
 * radar's main job on a built-in demo: a generated log corpus and a fake GitHub queue, a
 * temporary ledger, and the same commands a user runs. Nothing touches the network or the
 * user's own ledger, config or logs.
 */
export async function run(ctx: Context, options: DemoOptions): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'radar-demo-'));
  const ledger = join(dir, 'radar.db');
  const logs = join(dir, 'logs');
  const write = (text: string) => ctx.stdout.write(text);
  const section = (title: string) =>
    write(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}\n`);
  try {
    const [{ generateDemoCorpus }, { createContext }] = await Promise.all([
      import('../demo/corpus.js'),
      import('../context.js'),
    ]);
    const now = ctx.now();
    await generateDemoCorpus(logs, now);
    const config = configSchema.parse({
      budget: {
        providers: [
          { name: 'codex', agent: 'codex' },
          { name: 'claude', agent: 'claude', weeklyTokens: 40_000_000 },
        ],
      },
    });
    const demo = await createContext(
      { ...ctx.options, ledger, config: undefined },
      { config, env: { ...ctx.env, GITHUB_TOKEN: undefined, GH_TOKEN: undefined } },
    );
    try {
      write(`radar demo: a sample corpus of agent logs in ${logs}\n`);
      section('radar ingest');
      await (await import('./ingest.js')).run(demo, [logs], {});
      section('radar report tokens --by bucket');
      await (await import('./report-tokens.js')).run(demo, { by: 'bucket' });
      section('radar budget');
      await (await import('./budget.js')).run(demo);
    } finally {
      demo.close();
    }
    await demoQueue(ctx, ledger, now, section, write);
    if (options.keep) write(`\nledger kept at ${ledger}\n`);
    return 0;
  } finally {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** The PR-queue half of the demo: a fake GitHub on 127.0.0.1 serving a generated 34-PR queue. */
async function demoQueue(
  ctx: Context,
  ledger: string,
  now: Date,
  section: (title: string) => void,
  write: (text: string) => void,
): Promise<void> {
  const [{ startFakeGitHub }, { generateQueue }, { createContext }] = await Promise.all([
    import('../testing/fake-github/server.js'),
    import('../testing/fake-github/generate.js'),
    import('../context.js'),
  ]);
  const token = 'ghp_radar_demo_token_not_a_secret';
  const fake = await startFakeGitHub(
    generateQueue({ author: 'demo-dev', prs: 34, repos: 12, now, token }),
  );
  try {
    const config = configSchema.parse({ watch: { authors: ['demo-dev'] } });
    const demo = await createContext(
      { ...ctx.options, ledger, config: undefined, verbose: true },
      {
        config,
        env: { ...ctx.env, GITHUB_API_URL: fake.url, GITHUB_TOKEN: token, GH_TOKEN: undefined },
      },
    );
    try {
      write(
        `\nA fake GitHub on ${fake.url} serves a queue of 34 open PRs across 12 repositories.\n`,
      );
      section('radar scan');
      await (await import('./scan.js')).run(demo);
      // Something happens between two cron runs: CI breaks on one PR, another is merged.
      const prs = fake.scenario.pullRequests.filter((p) => !p.isDraft);
      const green = prs.find(
        (p) =>
          p.checks.every((c) => (c.kind === 'status' ? c.state : c.conclusion) === 'SUCCESS') &&
          p.checks.length > 0,
      );
      if (green)
        green.checks = [
          { kind: 'check_run', name: 'build', status: 'COMPLETED', conclusion: 'FAILURE' },
          ...green.checks.slice(1),
        ];
      const merged = prs.find((p) => p !== green);
      if (merged) Object.assign(merged, { state: 'MERGED', mergedAt: now.toISOString() });
      section('radar scan (five minutes later)');
      await (await import('./scan.js')).run(demo);
      section('radar queue');
      await (await import('./queue.js')).run(demo, {});
      write(
        `\nGitHub saw ${fake.stats.requests} requests costing ${fake.stats.points} rate-limit points for both scans.\n`,
      );
    } finally {
      demo.close();
    }
  } finally {
    await fake.close();
  }
}
