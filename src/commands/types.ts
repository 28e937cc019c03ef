/**
 * What each command receives from the command line: its positional arguments (in commander's
 * order) and its options (commander's optsWithGlobals: the global options and its own). The
 * choice lists are the ones src/program.ts offers commander, so a choice and its type cannot part.
 * Nothing here loads at start-up but these arrays; `test/cli/argv.test.ts` maps argv to these types.
 */
import type { Context, GlobalOptions } from '../context.js';
import type { AgentName } from '../core/agents.js';
import type { Dimension } from '../core/token-report.js';
import type { Tier } from '../core/verdict.js';
import type { LogFormat } from '../log-format.js';
import type { LogLevel } from '../logging.js';
import type { Shell } from '../cli-completion.js';

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LogLevel[];
export const LOG_FORMATS = ['text', 'json'] as const satisfies readonly LogFormat[];
export const REPORT_DIMENSIONS = [
  'bucket',
  'day',
  'week',
  'month',
  'agent',
  'account',
  'model',
  'file',
  'repo',
  'pr',
  'machine',
] as const satisfies readonly Dimension[];
export const QUEUE_STATES = ['open', 'closed', 'merged', 'all'] as const;
/** `queue --tier` and `escalate --agent` offer core's own lists (two small modules, no imports). */
export { TIERS as TIER_CHOICES } from '../core/verdict.js';
export { AGENT_NAMES as AGENT_CHOICES } from '../core/agents.js';
/** The shells `radar completion` writes a script for (cli-completion.ts writes them). */
export const SHELLS = ['bash', 'zsh', 'fish'] as const satisfies readonly Shell[];

/** A command without options of its own (it still sees the global ones). */
type None = Record<never, never>;

/** Each command as typed ("report tokens"): its arguments and its own options. */
export interface CommandLine {
  demo: { args: []; options: { keep?: boolean } };
  init: { args: [path: string | undefined]; options: { force?: boolean } };
  doctor: { args: []; options: { offline?: boolean } };
  ingest: { args: [paths: string[]]; options: { bucket?: string } };
  'report tokens': {
    args: [];
    options: {
      by: (typeof REPORT_DIMENSIONS)[number];
      since?: string;
      until?: string;
      tz?: string;
      csv?: boolean;
    };
  };
  'report queue': { args: []; options: None };
  'report funnel': { args: []; options: { since?: string } };
  'report outcomes': {
    args: [];
    options: { since?: string; by?: 'agent' | 'signal' | 'repo' | 'model' };
  };
  'report html': { args: []; options: { out?: string; since?: string; open?: boolean } };
  budget: { args: []; options: None };
  scan: {
    args: [];
    /** --max stays text: `parseMax` reads it once the config's default is known. */
    options: { failOnFlag?: boolean; dispatch?: boolean; max?: string };
  };
  escalate: {
    args: [pr: string];
    options: {
      agent?: AgentName;
      dryRun?: boolean;
      yes?: boolean;
      force?: boolean;
    };
  };
  escalations: { args: []; options: { limit?: number } };
  approvals: { args: []; options: { all?: boolean } };
  approve: { args: [id: string]; options: None };
  reject: { args: [id: string]; options: None };
  queue: {
    args: [];
    options: {
      repo?: string;
      author?: string;
      state: (typeof QUEUE_STATES)[number];
      /** Only PRs whose last verdict has this tier. */
      tier?: Tier;
      /** At most this many PRs, the most urgent first. */
      limit?: number;
      /** Every column at full width, with the PRs' node ids. */
      wide?: boolean;
    };
  };
  explain: { args: [pr: string]; options: None };
  stop: { args: [pr: string]; options: { reason?: string } };
  completion: { args: [shell: Shell]; options: None };
  'ledger copy': { args: []; options: { to: string } };
  resume: {
    args: [pr: string | undefined];
    options: { permissions?: string; model?: AgentName; reason?: string };
  };
}

export type CommandName = keyof CommandLine;
export type CommandArgs<K extends CommandName> = CommandLine[K]['args'];
export type CommandOptions<K extends CommandName> = GlobalOptions & CommandLine[K]['options'];

/** One command as it would be called. */
export type InvocationOf<K extends CommandName> = {
  command: K;
  options: CommandOptions<K>;
  args: CommandArgs<K>;
};

/** Any command as it would be called: a union on `command`. */
export type Invocation = { [K in CommandName]: InvocationOf<K> }[CommandName];

/** A command module's entry: the context, then the arguments, then the options. */
export type CommandRun<K extends CommandName> = (
  ctx: Context,
  ...input: [...CommandArgs<K>, CommandOptions<K>]
) => Promise<number | void> | number | void;
