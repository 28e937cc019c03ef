/**
 * Codex 0.36 prints no `session id:` in its human log, so nothing names the rollout a logged run
 * wrote. Both sides carry the same facts, though: the log's header (`OpenAI Codex v…`, its time,
 * `workdir:`, `model:`) and the rollout's `session_meta` (start time, `cwd`, `cli_version`) and
 * first `turn_context` (model). Pure: given the runs of logs that name no session and the
 * rollouts, tie each run to the one rollout that fits, or to none.
 */

import type { ThreadTotal } from '../core/tokens.js';

/** A `codex exec` run (or one of its markers) in a log that names no session. */
export interface LoggedRun {
  /** Identifies the run in the caller's terms (what its events share). */
  key: string;
  /** Absent from `codex exec --json` (0.36 prints no header there). */
  version?: string;
  cwd?: string;
  model?: string;
  /** The header's time (printed to the second, before the rollout is created). */
  at: number;
  /** The run's cumulative usage at this marker (only the blended number from a human log). */
  usage?: ThreadTotal;
  /** When the marker was printed (to the second), if its line says. */
  markedAt?: number;
}

/** A rollout, from its session_meta. */
export interface RolloutStart {
  session: string;
  version?: string;
  cwd?: string;
  model?: string;
  /** session_meta's timestamp. */
  startedAt: number;
}

/** A token count of a rollout of a Codex whose logs name no session, with its cumulative usage. */
export interface RolloutCount {
  session: string;
  version?: string;
  cwd?: string;
  model?: string;
  usage: ThreadTotal;
  /** The token count's own time. */
  at?: number;
}

/**
 * The rollout is created just after the header is printed, and the header's time is truncated
 * to the second: the rollout starts up to this long after the header's second.
 */
export const TIE_AFTER_MS = 2000;
/** How much earlier than the header a rollout may start (clocks read at different moments). */
export const TIE_BEFORE_MS = 500;

export interface Ties {
  /** Logged run key → the session of its rollout. */
  tied: Map<string, string>;
  /** Logged runs that fit several rollouts: left as they are. */
  ambiguous: string[];
}

const sameModel = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined || a === b;

/** Whether a rollout may be the one a logged run wrote. */
export function fits(run: LoggedRun, rollout: RolloutStart): boolean {
  const lag = rollout.startedAt - run.at;
  return (
    run.version !== undefined &&
    run.cwd !== undefined &&
    rollout.version === run.version &&
    rollout.cwd === run.cwd &&
    sameModel(run.model, rollout.model) &&
    lag >= -TIE_BEFORE_MS &&
    lag <= TIE_AFTER_MS
  );
}

/**
 * Whether a rollout's token count is the one a logged marker printed: the same cumulative usage
 * (in the marker's measure: Codex's blended input − cached + output from a human log), the same
 * version, workdir and model where both say, and, when the marker's line has a time, recorded
 * within the same window after it. This ties a resumed run too, whose header is printed long
 * after its rollout started.
 */
export function fitsCount(run: LoggedRun, count: RolloutCount): boolean {
  const u = run.usage;
  if (!u) return false;
  const c = count.usage;
  const sameUsage = u.blendedOnly
    ? c.input - c.cached + c.output === u.total
    : c.input === u.input &&
      c.cached === u.cached &&
      c.output === u.output &&
      c.reasoning === u.reasoning &&
      c.total === u.total;
  const lag = run.markedAt === undefined || count.at === undefined ? 0 : count.at - run.markedAt;
  return (
    sameUsage &&
    (run.version === undefined || count.version === run.version) &&
    (run.cwd === undefined || count.cwd === run.cwd) &&
    sameModel(run.model, count.model) &&
    lag >= -TIE_BEFORE_MS &&
    lag <= TIE_AFTER_MS
  );
}

/**
 * Ties each logged run to its rollout when exactly one fits: by its cumulative usage when it
 * carries one and some rollout records it, else by its start.
 */
export function tieRuns(
  runs: readonly LoggedRun[],
  rollouts: readonly RolloutStart[],
  counts: readonly RolloutCount[] = [],
): Ties {
  const tied = new Map<string, string>();
  const ambiguous: string[] = [];
  for (const run of runs) {
    let sessions = new Set(counts.filter((c) => fitsCount(run, c)).map((c) => c.session));
    if (sessions.size === 0)
      sessions = new Set(rollouts.filter((r) => fits(run, r)).map((r) => r.session));
    const [only] = sessions;
    if (sessions.size === 1) tied.set(run.key, only!);
    else if (sessions.size > 1) ambiguous.push(run.key);
  }
  return { tied, ambiguous };
}
