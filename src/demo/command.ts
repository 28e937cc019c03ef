import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../context.js';
import type { CommandOptions } from '../commands/types.js';
import { configSchema } from '../config/schema.js';

type DemoOptions = CommandOptions<'demo'>;

/**
 * The `radar demo` command. It lives in demo/, not commands/: the demo runs the other commands,
 * so it sits above them and commands/ never imports demo/ (program.ts loads it lazily like any
 * command).
 *
 * radar's main job on a built-in demo: a generated log corpus and a fake GitHub queue, a
 * temporary ledger, and the same commands a user runs. Nothing touches the network or the
 * user's own ledger, config or logs.
 */
export async function run(ctx: Context, options: DemoOptions): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'radar-demo-'));
  // The pages outlive the demo's folder: they are what it leaves to look at.
  const pages = mkdtempSync(join(tmpdir(), 'radar-demo-pages-'));
  const ledger = join(dir, 'radar.db');
  const logs = join(dir, 'logs');
  const write = (text: string) => ctx.stdout.write(text);
  const section = (title: string) =>
    write(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}\n`);
  try {
    const [{ generateDemoCorpus }, { createContext }] = await Promise.all([
      import('./corpus.js'),
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
      {
        config,
        env: {
          ...ctx.env,
          GITHUB_TOKEN: undefined,
          GH_TOKEN: undefined,
          GH_ENTERPRISE_TOKEN: undefined,
          GITHUB_ENTERPRISE_TOKEN: undefined,
        },
      },
    );
    try {
      write(
        'radar demo: ingest sample agent logs, report their tokens and budget, then watch\n' +
          'a demo PR queue: flag PRs, send them to stand-in agents, judge what they bought.\n' +
          `(sample logs in ${logs}; nothing of yours is touched)\n`,
      );
      section('radar ingest');
      await (await import('../commands/ingest.js')).run(demo, [logs], {});
      section('radar report tokens --by bucket');
      await (await import('../commands/report-tokens.js')).run(demo, { by: 'bucket' });
      section('radar budget');
      await (await import('../commands/budget.js')).run(demo);
      section('radar report html');
      const page = await (
        await import('../commands/report-html.js')
      ).writeHtmlReport(demo, { out: join(pages, 'tokens.html') });
      write(`the log corpus as a page (pace, tokens per day, top buckets): ${page}\n`);
    } finally {
      demo.close();
    }
    await (
      await import('./loop.js')
    ).demoLoop(ctx, dir, now, { section, write }, join(pages, 'loop.html'));
    if (options.keep)
      write(
        `\nkept in ${dir}: radar.db (the log corpus), loop/radar.db (the PR loop: ` +
          `escalations, approvals), loop/runs (the agents' run logs)\n`,
      );
    return 0;
  } finally {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
