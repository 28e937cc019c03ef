/**
 * commander wiring only: parse argv, lazily import the command, map errors to exit codes.
 * Nothing heavy is imported at start-up so `radar --help` stays as fast as node itself.
 */
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
// Small and loaded by every command anyway (the bundle's common chunk, scripts/bundle.ts): a
// dynamic import of one of them would make it a chunk of its own.
import { RadarError, diskFullMessage } from './core/errors.js';
import { resolveLedger } from './config/locate.js';
import { redactSecrets } from './redact.js';
import { forTerminal } from './render/terminal.js';
import type { ContextOverrides } from './context.js';
import {
  AGENT_CHOICES,
  LOG_FORMATS,
  LOG_LEVELS,
  QUEUE_STATES,
  REPORT_DIMENSIONS,
  SHELLS,
  TIER_CHOICES,
  type CommandName,
  type CommandRun,
  type Invocation,
  type InvocationOf,
} from './commands/types.js';

export type { Invocation } from './commands/types.js';

const EXIT_CODES_HELP = `
Exit codes:
  0   ok
  1   failure
  2   bad usage or configuration
  3   radar scan --fail-on-flag: the scan ran fine and PRs are in the escalate tier
  4   radar scan --dispatch: flagged PRs got no agent because none is on PATH
  75  another radar scan holds the lock (try again later)`;

/** Instead of running a command, hands its invocation to a test (argv → options tables). */
export type Capture = (invocation: Invocation) => void;

/**
 * Where a run of radar reads and writes: the process's environment, working folder, stdout and
 * stderr unless a caller running radar in-process (a test) names its own.
 */
export type Host = Pick<ContextOverrides, 'env' | 'cwd' | 'stdout' | 'stderr' | 'stdin'>;

/** How a command's run ends: its exit code, for main to return. */
type Finish = (code: number) => void;

/**
 * Runs a lazily imported command with a context and the top-level error mapping. commander calls
 * an action with the arguments, the options and the command; `name` says which entry of
 * CommandLine (src/commands/types.ts) types them, and the module's run must take exactly those.
 */
function lazyWith(capture: Capture | undefined, host: Host, finish: Finish) {
  return <K extends CommandName>(
      name: K,
      load: () => Promise<{ run: CommandRun<K> }>,
      { needsConfig = true } = {},
    ) =>
    async (...received: unknown[]) => {
      const command = received[received.length - 1] as Command;
      const path: string[] = [];
      for (let c: Command | null = command; c?.parent; c = c.parent) path.unshift(c.name());
      if (path.join(' ') !== name)
        throw new Error(`radar ${path.join(' ')} is wired as the command "${name}"`);
      const { options, args } = {
        command: name,
        options: command.optsWithGlobals(),
        args: received.slice(0, -2),
      } as InvocationOf<K>;
      if (capture) {
        capture({ command: name, options, args } as Invocation);
        return;
      }
      const { createContext } = await import('./context.js');
      const ctx = await createContext(options, host);
      try {
        // Validate the config before doing anything, so a bad config never half-runs a command.
        if (needsConfig) ctx.config();
        const mod = await load();
        const code = await mod.run(ctx, ...args, options);
        finish(typeof code === 'number' ? code : 0);
      } finally {
        ctx.close();
      }
    };
}

/**
 * radar's own version, from the package.json beside the code (dist/src/ or src/), never from the
 * environment of whatever project happens to run it.
 */
export function radarVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'pr-radar' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return 'unknown';
}

/** commander argument parser for counts: a bad value is a usage error (exit 2) naming the option. */
function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

export function buildProgram(
  capture?: Capture,
  { host = {}, finish = () => {} }: { host?: Host; finish?: Finish } = {},
): Command {
  const lazy = lazyWith(capture, host, finish);
  const program = new Command('radar')
    .description(
      'Watch your open PR queue cheaply, escalate only flagged PRs to agents, and audit every token.',
    )
    .version(radarVersion(), '-V, --version')
    .option(
      '-c, --config <path>',
      'config file (env RADAR_CONFIG; default $XDG_CONFIG_HOME/radar/radar.json, ~/.config/radar/radar.json)',
    )
    .option(
      '-l, --ledger <path|url>',
      'SQLite ledger file, or a PostgreSQL ledger shared by several machines: postgres://user@host/db (env RADAR_LEDGER, config ledger.url; default $XDG_STATE_HOME/radar/radar.db, ~/.local/state/radar/radar.db)',
    )
    .option(
      '--json [fields]',
      'machine-readable JSON on stdout: one document; with fields (a,b,c) only those (README: JSON output)',
    )
    .option('-v, --verbose', 'log progress to stderr (same as --log-level info)')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(LOG_LEVELS))
    .addOption(
      new Option('--log-format <format>', 'logs on stderr as readable lines or JSON records')
        .choices(LOG_FORMATS)
        .default('text'),
    )
    .option('--no-color', 'plain output without colour (also honours NO_COLOR)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
  // Subcommands take these settings when they are added, so before any is.
  const { stdout, stderr } = host;
  // Help's width and colours are asked of these streams too: commander's own questions go to
  // process.stdout and process.stderr, which makes node's stream (for a pipe, net and its
  // streams, about 5 ms) only to learn it is not a terminal. Radar's help has no colour of its
  // own: where there is none, commander's stripping changes nothing.
  const helpWidth = (s: { isTTY?: boolean; columns?: number }) =>
    (s.isTTY ? s.columns : undefined) ?? 80;
  if (stdout)
    program.configureOutput({
      writeOut: (text) => stdout.write(text),
      getOutHelpWidth: () => helpWidth(stdout),
      getOutHasColors: () => stdout.isTTY === true && process.stdout.hasColors(),
    });
  if (stderr)
    program.configureOutput({
      writeErr: (text) => stderr.write(text),
      getErrHelpWidth: () => helpWidth(stderr),
      getErrHasColors: () => stderr.isTTY === true && process.stderr.hasColors(),
    });

  program
    .command('demo')
    .description(
      'run radar on a built-in demo (no GitHub account, no network): ingest a sample log corpus into a temporary ledger, report tokens and budget, then scan a demo PR queue on a local fake GitHub',
    )
    .option('--keep', 'keep the temporary ledger and print its path')
    .addHelpText(
      'after',
      '\nExamples:\n  radar demo          # the whole loop on built-in data, nothing of yours touched\n  radar demo --keep   # keep the temporary ledgers and print their folder',
    )
    .action(lazy('demo', () => import('./demo/command.js'), { needsConfig: false }));

  program
    .command('init')
    .description('write a commented starter config (default ~/.config/radar/radar.json)')
    .argument('[path]', 'where to write it')
    .option('-f, --force', 'overwrite an existing file')
    .addHelpText(
      'after',
      '\nExamples:\n  radar init                    # writes a commented ~/.config/radar/radar.json\n  radar init ~/radar.json -f    # somewhere else, overwriting',
    )
    .action(lazy('init', () => import('./commands/init.js'), { needsConfig: false }));

  program
    .command('doctor')
    .description(
      'cheap state checks that never start a model session: config, ledger, logs, agent CLIs, GitHub token',
    )
    .option('--offline', 'skip the GitHub network check')
    .addHelpText('after', '\nExamples:\n  radar doctor\n  radar doctor --offline --json')
    .action(lazy('doctor', () => import('./commands/doctor.js'), { needsConfig: false }));

  program
    .command('ingest')
    .description(
      'parse agent token markers from log files into the ledger (default: Codex and Claude log folders)',
    )
    .argument('[paths...]', 'files or folders (recursive)')
    .option('-b, --bucket <name>', 'put every event of this run in this bucket')
    .addHelpText(
      'after',
      '\nExamples:\n  radar ingest                                   # the Codex and Claude log folders\n  radar ingest ~/.codex/bounty-radar/*.log       # cron logs\n  radar ingest ./probe.log --bucket quota-probe  # one bucket for this run',
    )
    .action(lazy('ingest', () => import('./commands/ingest.js')));

  const report = program.command('report').description('reports from the ledger');
  report
    .command('tokens')
    .description('where the tokens went')
    .addOption(
      new Option('--by <dimension>', 'group rows by').choices(REPORT_DIMENSIONS).default('bucket'),
    )
    .option(
      '--since <date>',
      'only events at or after this date/time (ISO in --tz, or 7d, 2w, 12h, today, yesterday)',
    )
    .option('--until <date>', 'only events before this date/time (same forms as --since)')
    .option(
      '--tz <zone>',
      'IANA time zone for days and weeks (default: config timezone, else the machine zone)',
    )
    .option('--csv', 'print the rows as CSV')
    .addHelpText(
      'after',
      "\nExamples:\n  radar report tokens                      # by bucket\n  radar report tokens --by day --since 7d  # the last seven days\n  radar report tokens --by day --tz Europe/Berlin --since 2026-06-01 --until 2026-06-30\n  radar report tokens --by week --csv > weeks.csv\n  radar report tokens --by account --since 7d   # each subscription's share\n  radar report tokens --by machine --since 7d   # each machine sharing the ledger",
    )
    .action(lazy('report tokens', () => import('./commands/report-tokens.js')));
  report
    .command('queue')
    .description(
      'the open queue in numbers: PRs by tier, changed files, additions and files per PR, the oldest, the zombies',
    )
    .addHelpText('after', '\nExamples:\n  radar report queue\n  radar report queue --json')
    .action(
      lazy('report queue', async () => ({
        run: (await import('./commands/report-rules.js')).queue,
      })),
    );
  report
    .command('funnel')
    .description(
      'signal observations → distinct candidates → suppressed by reason → acted on, and the token cost per merged PR, signal kind and tier',
    )
    .option(
      '--since <date>',
      'only candidates seen and sessions started at or after this date (ISO, 7d, 2w, yesterday)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radar report funnel\n  radar report funnel --since 2026-06-01 --json',
    )
    .action(
      lazy('report funnel', async () => ({
        run: (await import('./commands/report-rules.js')).funnel,
      })),
    );

  report
    .command('outcomes')
    .description(
      'what agent sessions bought: escalations by outcome, resolution rate, tokens per resolved signal',
    )
    .option(
      '--since <date>',
      'only sessions started at or after this date (ISO, 7d, 2w, yesterday)',
    )
    .addOption(
      new Option('--by <dimension>', 'group by').choices(['agent', 'signal', 'repo', 'model']),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radar report outcomes\n  radar report outcomes --by signal --since 30d\n  radar report outcomes --json',
    )
    .action(lazy('report outcomes', () => import('./commands/report-outcomes.js')));
  report
    .command('html')
    .description(
      'one self-contained HTML page: pace per subscription, tokens per day, what they bought, the funnel, the top spenders',
    )
    .option('--out <file>', 'where to write the page (default: report.html next to the ledger)')
    .option(
      '--since <date>',
      'only tokens, candidates and sessions at or after this date (ISO, 7d, 2w, yesterday)',
    )
    .option(
      '--open',
      'then open the page in the default browser (xdg-open, open or start; if none, says so and still succeeds)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radar report html                          # prints the path of the page\n  radar report html --since 30d --out ~/radar.html\n  radar report html --open',
    )
    .action(lazy('report html', () => import('./commands/report-html.js')));

  program
    .command('budget')
    .description(
      'weekly quota pace per provider: used %, expected %, verdict, burn rate, use at the reset, when it runs out, source',
    )
    .addHelpText('after', '\nExamples:\n  radar budget\n  radar budget --json')
    .action(lazy('budget', () => import('./commands/budget.js')));

  program
    .command('scan')
    .description(
      'poll the PR queue from GitHub into the ledger and judge every PR (run it from cron; GH_TOKEN/GITHUB_TOKEN or gh auth token; GH_HOST or GITHUB_API_URL for GitHub Enterprise)',
    )
    .option('--fail-on-flag', 'exit 3 when a PR is in the escalate tier (for cron chains)')
    .option(
      '--dispatch',
      'then dispatch the escalate tier to agents (highest score first, within budget, as the pace allows)',
    )
    .option(
      '--max <n>',
      'with --dispatch: at most this many sessions (default: the pace: dispatch.burn.maxPerScan under pace, dispatch.maxPerScan on pace, dispatch.overPace.maxPerScan over)',
    )
    .addHelpText(
      'after',
      `
Examples:
  */5 * * * *  radar scan                      # cron: silent unless something is wrong
  radar scan --fail-on-flag || notify-me      # exit 3 when a PR needs an agent
  radar scan --dispatch                       # then agents, as many as each agent's pace allows
  radar scan --dispatch --max 2               # at most the two most urgent PRs
  GH_HOST=ghe.example.com radar scan          # GitHub Enterprise Server (GH_ENTERPRISE_TOKEN)`,
    )
    .action(lazy('scan', () => import('./commands/scan.js')));

  program
    .command('escalate')
    .description(
      'dispatch one PR to an agent now, whatever its tier (asks on a terminal unless --yes)',
    )
    .argument('<pr>', 'owner/name#12, a PR URL, or #12')
    .addOption(new Option('--agent <agent>', 'agent to try first').choices(AGENT_CHOICES))
    .option('--dry-run', 'print the prompt, the command line and the budget check; spend nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'dispatch a stopped or closed PR too')
    .addHelpText(
      'after',
      "\nExamples:\n  radar escalate acme/app#205 --dry-run   # the prompt, the command line, the budget check\n  radar escalate '#205' --agent claude    # asks on a terminal; --yes for scripts",
    )
    .action(lazy('escalate', () => import('./commands/escalate.js')));

  program
    .command('escalations')
    .description(
      'agent sessions, newest first: outcome, tokens, and what each left (commits, guards, final message)',
    )
    .option('-n, --limit <n>', 'at most this many (default 20)', positiveInt)
    .addHelpText('after', '\nExamples:\n  radar escalations\n  radar escalations -n 5 --json')
    .action(lazy('escalations', () => import('./commands/escalations.js')));

  program
    .command('approvals')
    .description(
      "actions waiting for a human: a session's push, reply or description, templated comments, closes",
    )
    .option('--all', 'also those already decided')
    .addHelpText(
      'after',
      '\nExamples:\n  radar approvals              # what waits, with drafted descriptions as diffs\n  radar approvals --all --json # id, kind, repo, number, what, status of each',
    )
    .action(
      lazy('approvals', () => import('./commands/approvals.js').then((m) => ({ run: m.list }))),
    );
  program
    .command('approve')
    .description(
      "perform one queued action: a fast-forward push through the clone's remote, or a GitHub write",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radar approve 3   # a push is refused, nothing written, if the branch moved since the session',
    )
    .argument('<id>', 'approval id (radar approvals)')
    .action(
      lazy('approve', () => import('./commands/approvals.js').then((m) => ({ run: m.approve }))),
    );
  program
    .command('reject')
    .description('drop one queued action')
    .addHelpText('after', '\nExamples:\n  radar reject 4')
    .argument('<id>', 'approval id (radar approvals)')
    .action(
      lazy('reject', () => import('./commands/approvals.js').then((m) => ({ run: m.reject }))),
    );

  program
    .command('queue')
    .description('the watched PRs as last scanned')
    .option('--repo <owner/name>', 'only this repository')
    .option('--author <login>', 'only PRs by this author')
    .addOption(
      new Option('--state <state>', 'only PRs in this state').choices(QUEUE_STATES).default('open'),
    )
    .addOption(
      new Option('--tier <tier>', 'only PRs in this tier (as last judged)').choices(TIER_CHOICES),
    )
    .option('-n, --limit <n>', 'at most this many PRs, the most urgent first', positiveInt)
    .option('--wide', 'every column at full width (not fitted to the terminal), with node ids')
    .addHelpText(
      'after',
      '\nExamples:\n  radar queue                      # escalate tier first, then by score\n  radar queue --tier escalate -n 5 # the five most urgent flagged PRs\n  radar queue --wide | less -S     # every column, uncut\n  radar queue --json repo,number,tier',
    )
    .action(lazy('queue', () => import('./commands/queue.js')));

  program
    .command('explain')
    .description(
      "why a PR has its tier and route: each signal with its evidence, the score's arithmetic, what was already acted on, what it cost",
    )
    .argument('<pr>', 'owner/name#123, a PR URL, or #123 when only one PR has that number')
    .addHelpText(
      'after',
      '\nExamples:\n  radar explain acme/app#42\n  radar explain https://github.com/acme/app/pull/42 --json',
    )
    .action(lazy('explain', () => import('./commands/explain.js')));

  program
    .command('stop')
    .description(
      'keep a PR watch-only (tier stopped) until `radar resume` or a new maintainer signal',
    )
    .argument('<pr>', 'owner/name#123, a PR URL, or #123')
    .option('--reason <text>', 'why, recorded in the ledger')
    .addHelpText(
      'after',
      '\nExamples:\n  radar stop acme/app#42 --reason "scaffolding only, not worth more tokens"',
    )
    .action(lazy('stop', async () => ({ run: (await import('./commands/control.js')).stop })));

  program
    .command('resume')
    .description(
      'undo a stop (manual or stop-loss), with --permissions forget the writes GitHub denied in a repository, or with --model release an agent held back for a run on a model outside its allowlist',
    )
    .argument('[pr]', 'owner/name#123, a PR URL, or #123')
    .option(
      '--permissions <owner/name>',
      'let radar try writes GitHub denied in this repository again',
    )
    .addOption(
      new Option(
        '--model <agent>',
        'dispatch to this agent again: its runs so far on models outside agents.<name>.models stop holding it back',
      ).choices(AGENT_CHOICES),
    )
    .option('--reason <text>', 'why, recorded in the ledger')
    .addHelpText(
      'after',
      '\nExamples:\n  radar resume acme/app#42\n  radar resume --permissions acme/app\n  radar resume --model codex --reason "one run on the fallback model, checked"',
    )
    .action(lazy('resume', async () => ({ run: (await import('./commands/control.js')).resume })));

  program
    .command('ledger')
    .description('move the ledger: copy this SQLite ledger into a PostgreSQL one')
    .command('copy')
    .description(
      'copy every row of the SQLite ledger (--ledger, RADAR_LEDGER or the default) into an empty PostgreSQL ledger, ids and machines kept, in one transaction; the SQLite file is left unchanged',
    )
    .requiredOption('--to <url>', 'the PostgreSQL ledger: postgres://user@host/db')
    .addHelpText(
      'after',
      "\nExamples:\n  radar ledger copy --to postgres://radar@db.lan/radar   # then RADAR_LEDGER=postgres://radar@db.lan/radar on every machine\n  radar --ledger ~/old/radar.db ledger copy --to 'postgres://radar@db.lan/radar?options=-c%20search_path%3Dteam'",
    )
    .action(lazy('ledger copy', () => import('./commands/ledger-copy.js')));

  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish (README: Shell completion)')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .addHelpText(
      'after',
      '\nExamples:\n  radar completion bash > ~/.local/share/bash-completion/completions/radar\n  source <(radar completion zsh)   # in ~/.zshrc, after compinit\n  radar completion fish > ~/.config/fish/completions/radar.fish',
    )
    .action(
      lazy(
        'completion',
        async () => ({
          run: (await import('./commands/completion.js')).completion(() => buildProgram()),
        }),
        { needsConfig: false },
      ),
    );

  return program;
}

/**
 * `--json` takes the next word as its field list only when it reads as one (`repo,number`) and
 * is no command's name: `radar --json scan` and `radar explain --json acme/app#42` keep theirs.
 */
export function normalizeJsonArgv(argv: readonly string[], program: Command): string[] {
  const commands = commandNames(program);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    out.push(
      arg === '--json' &&
        next !== undefined &&
        (commands.has(next) || !/^[A-Za-z]\w*(,[A-Za-z]\w*)*$/.test(next))
        ? '--json='
        : arg,
    );
  }
  return out;
}

/** Every command's name, at any depth (`report`, `tokens`, …). */
function commandNames(program: Command): Set<string> {
  const names = new Set<string>();
  const walk = (c: Command) =>
    c.commands.forEach((sub) => {
      names.add(sub.name());
      walk(sub);
    });
  walk(program);
  return names;
}

/** Runs radar on argv and returns its exit code; a host runs it somewhere else than the process. */
export async function main(argv: string[], host: Host = {}): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(undefined, { host, finish: (code) => (exitCode = code) });
  const stderr = host.stderr ?? process.stderr;
  const env = host.env ?? process.env;
  try {
    await program.parseAsync(normalizeJsonArgv(argv, program));
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2; // commander already printed the message
    }
    // Messages may quote GitHub or a log: masked, then inert on the terminal.
    const say = (line: string) => stderr.write(forTerminal(`${redactSecrets(line)}\n`));
    if (error instanceof RadarError) {
      say(`radar: ${error.message}`);
      for (const line of error.details) say(`  ${line}`);
      return error.exitCode;
    }
    const ledger = resolveLedger(
      program.opts().ledger as string | undefined,
      env,
      host.cwd ?? process.cwd(),
    ).path;
    const full = diskFullMessage(error, ledger);
    if (full) {
      say(`radar: ${full}`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    say(`radar: unexpected error: ${message}`);
    if (env.RADAR_DEBUG && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
    return 1;
  }
}
