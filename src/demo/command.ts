import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../context.js';
import type { CommandOptions } from '../commands/types.js';
import { configSchema } from '../config/schema.js';
import { displayWidth, terminalWidth } from '../render/table.js';
import { guardStream, unguarded } from '../render/terminal.js';
import { wrappingStream } from '../render/wrap.js';
import type { DemoIo } from './loop.js';

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
  // A pipe gets the 80 columns of a plain terminal: the demo is read, not parsed.
  const width = terminalWidth(ctx.env.COLUMNS, ctx.stdout.columns) ?? 80;
  // Every line, the commands' included, is wrapped to the width and passed on as it ends; the
  // commands' contexts guard what they write, as the demo's own printer does.
  const stdout = wrappingStream(unguarded(ctx.stdout), width);
  const stderr = unguarded(ctx.stderr);
  const guarded = guardStream(stdout, 'text');
  const write = (text: string) => guarded.write(text);
  const rule = Math.min(width, 76);
  const section = (title: string) =>
    write(`\n── ${title} ${'─'.repeat(Math.max(3, rule - 4 - displayWidth(title)))}\n`);
  write('radar demo: sample agent logs, then a fake PR queue worked by stand-in agents\n');
  const dir = mkdtempSync(join(tmpdir(), 'radar-demo-'));
  // The pages outlive the demo's folder: they are what it leaves to look at.
  const pages = mkdtempSync(join(tmpdir(), 'radar-demo-pages-'));
  const ledger = join(dir, 'radar.db');
  const logs = join(dir, 'logs');
  const env: NodeJS.ProcessEnv = {
    ...ctx.env,
    // The commands fit their tables to the demo's width.
    COLUMNS: String(width),
    // The demo's machine is the demo: it leaves no machine id in the user's state folder.
    RADAR_MACHINE_ID: 'radar-demo',
    GITHUB_TOKEN: undefined,
    GH_TOKEN: undefined,
    GH_ENTERPRISE_TOKEN: undefined,
    GITHUB_ENTERPRISE_TOKEN: undefined,
  };
  const io: DemoIo = { section, write, width, env, stdout, stderr };
  try {
    section('radar ingest');
    const [{ generateDemoCorpus }, { createContext }] = await Promise.all([
      import('./corpus.js'),
      import('../context.js'),
    ]);
    const now = ctx.now();
    await generateDemoCorpus(logs, now);
    write(`a week of codex and claude logs in ${logs} (nothing of yours is touched)\n`);
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
      { config, env, stdout, stderr },
    );
    try {
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
    await (await import('./loop.js')).demoLoop(ctx, dir, now, io, join(pages, 'loop.html'));
    if (options.keep)
      write(
        `\nkept in ${dir}: radar.db (the log corpus), loop/radar.db (the PR loop: ` +
          `escalations, approvals), loop/runs (the agents' run logs)\n`,
      );
    return 0;
  } finally {
    stdout.flush();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
