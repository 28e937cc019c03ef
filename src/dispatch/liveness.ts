import type { DispatchLedger } from '../ledger/ports.js';
import type { Reaped, RunningSession } from '../core/dispatch.js';
import { processAlive } from '../process/alive.js';

/** The radar process judging sessions: its machine, its pid, and the time (ms) of judging. */
export interface Here {
  /** This machine's id (null: unknown, every session is judged by its processes). */
  machine: string | null;
  self: number;
  now: number;
}

type Judged = Pick<RunningSession, 'radarPid' | 'agentPgid' | 'machine' | 'leaseUntil'>;

/**
 * What becomes of a `running` session:
 * - `live`: still worked on by its radar. On this machine (or one recorded before machines
 *   were): started by this very radar process, or that process still exists. On another machine
 *   sharing the ledger, whose processes cannot be seen from here: while its lease holds (its
 *   radar renews it while the agent runs).
 * - `orphan`: on this machine, its radar is gone: what is left of its agent is stopped, then the
 *   session is closed.
 * - `expired`: on another machine, its lease has expired (that radar died, or lost the ledger):
 *   closed from here, nothing to stop; its tokens are counted when that machine's logs arrive.
 * Pure over the `alive` probe.
 */
export function sessionFate(
  session: Judged,
  here: Here,
  alive: (pid: number | null) => boolean,
): Fate {
  if (session.machine !== null && here.machine !== null && session.machine !== here.machine)
    return session.leaseUntil !== null && here.now < session.leaseUntil ? 'live' : 'expired';
  return session.radarPid === here.self || alive(session.radarPid) ? 'live' : 'orphan';
}

export type Fate = 'live' | 'orphan' | 'expired';

/**
 * Whether a `running` session is still being worked on, as a claim counts it: live, or an
 * orphan whose agent's process group still runs (until it is reaped).
 */
export function sessionLive(
  session: Judged,
  here: Here,
  alive: (pid: number | null) => boolean,
): boolean {
  const fate = sessionFate(session, here, alive);
  return (
    fate === 'live' ||
    (fate === 'orphan' && alive(session.agentPgid === null ? null : -session.agentPgid))
  );
}

/**
 * The liveness check of this radar process, against the real process table and clock. Leases
 * are wall-clock time between machines, never the pinned time of RADAR_NOW.
 */
export const liveHere =
  (
    machine: string | null = null,
    self: number = process.pid,
    alive: (pid: number | null) => boolean = processAlive,
    clock: () => number = Date.now,
  ) =>
  (session: Judged) =>
    sessionLive(session, { machine, self, now: clock() }, alive);

export const ORPHAN_REASON = 'radar stopped before the session ended';
export const EXPIRED_REASON = 'its machine’s lease expired before the session ended';

/**
 * `running` rows whose fate is not `live` become `failed` (with why), so their PRs are no longer
 * taken for being worked on. A session whose machine's lease expired is taken over: the
 * fingerprints it claimed are free again, for the next claim on any machine (a session whose
 * radar was stopped on this machine keeps them, as it always has: its user may have stopped it).
 * Returns the rows closed, so the tokens their run logs hold can still be counted.
 */
export function reapStale(
  store: Pick<DispatchLedger, 'runningSessions' | 'markFailed' | 'releaseClaims'>,
  now: number,
  fate: (session: RunningSession) => Fate,
): Reaped[] {
  const running = store.runningSessions();
  const ids = (f: Fate) => running.filter((s) => fate(s) === f).map((s) => s.id);
  const orphans = store.markFailed(ids('orphan'), now, ORPHAN_REASON);
  const expired = store.markFailed(ids('expired'), now, EXPIRED_REASON);
  store.releaseClaims(expired.map((r) => r.id));
  return [...orphans, ...expired];
}
