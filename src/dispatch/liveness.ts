import type { DispatchLedger } from '../ledger/ports.js';
import type { Reaped, RunningSession } from '../core/dispatch.js';
import { processAlive } from '../process/alive.js';

/**
 * Whether a `running` session is still being worked on: started by this very radar process, or
 * its radar process or its agent's process group still exists. Pure over the `alive` probe.
 */
export function sessionLive(
  session: Pick<RunningSession, 'radarPid' | 'agentPgid'>,
  self: number,
  alive: (pid: number | null) => boolean,
): boolean {
  return (
    session.radarPid === self ||
    alive(session.radarPid) ||
    alive(session.agentPgid === null ? null : -session.agentPgid)
  );
}

/** The liveness check of this radar process, against the real process table. */
export const liveHere =
  (self: number = process.pid, alive: (pid: number | null) => boolean = processAlive) =>
  (session: Pick<RunningSession, 'radarPid' | 'agentPgid'>) =>
    sessionLive(session, self, alive);

/**
 * `running` rows whose radar process and agent group are both gone (radar was killed) become
 * `failed`, so the PR is no longer taken for being worked on. Returns them, so the tokens their
 * run logs hold can still be counted.
 */
export function reapStale(
  store: Pick<DispatchLedger, 'runningSessions' | 'markFailed'>,
  now: number,
  live: (session: RunningSession) => boolean = liveHere(),
): Reaped[] {
  const stale = store.runningSessions().filter((s) => !live(s));
  return store.markFailed(
    stale.map((s) => s.id),
    now,
    'radar stopped before the session ended',
  );
}
