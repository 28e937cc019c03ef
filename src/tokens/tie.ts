/**
 * Codex 0.36 prints no `session id:` in its human log, so nothing names the rollout a logged run
 * wrote. Both sides carry the same facts, though: the log's header (`OpenAI Codex v…`, its time,
 * `workdir:`, `model:`) and the rollout's `session_meta` (start time, `cwd`, `cli_version`) and
 * first `turn_context` (model). Pure: given the runs of logs that name no session and the
 * rollouts, tie each run to the one rollout that fits, or to none.
 */

/** A `codex exec` run in a human log that names no session. */
export interface LoggedRun {
  /** Identifies the run in the caller's terms (what its events share). */
  key: string;
  version: string;
  cwd: string;
  model?: string;
  /** The header's time (printed to the second, before the rollout is created). */
  at: number;
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

/** Whether a rollout may be the one a logged run wrote. */
export function fits(run: LoggedRun, rollout: RolloutStart): boolean {
  const lag = rollout.startedAt - run.at;
  return (
    rollout.version === run.version &&
    rollout.cwd === run.cwd &&
    (run.model === undefined || rollout.model === undefined || run.model === rollout.model) &&
    lag >= -TIE_BEFORE_MS &&
    lag <= TIE_AFTER_MS
  );
}

/** Ties each logged run to its rollout when exactly one fits. */
export function tieRuns(runs: readonly LoggedRun[], rollouts: readonly RolloutStart[]): Ties {
  const tied = new Map<string, string>();
  const ambiguous: string[] = [];
  for (const run of runs) {
    const candidates = rollouts.filter((r) => fits(run, r));
    if (candidates.length === 1) tied.set(run.key, candidates[0]!.session);
    else if (candidates.length > 1) ambiguous.push(run.key);
  }
  return { tied, ambiguous };
}
