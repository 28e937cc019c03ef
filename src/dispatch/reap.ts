/**
 * Sessions whose radar died. Every agent session is contained (process/run.ts): its environment
 * carries a tag unique to the escalation, and a watchdog process stops it the moment its radar
 * dies. Should the watchdog have died too (killed with radar's whole process tree, say), the next
 * dispatch finds the session by its recorded process group and its tag, stops what is left of it
 * (SIGTERM, SIGKILL after the grace), closes its row and counts its run log.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  processAlive,
  type DispatchStore,
  type Reaped,
  type RunningSession,
} from '../ledger/dispatch-store.js';
import { stopSession } from '../process/tree.js';

/** The environment variable that tags every process of an agent session. */
export const SESSION_TAG_VAR = 'RADAR_SESSION';

/** `NAME=value` for escalation `id` of the ledger at `ledgerPath` (unique across ledgers). */
export function sessionTag(ledgerPath: string, id: number): string {
  const ledger = createHash('sha256').update(resolve(ledgerPath)).digest('hex').slice(0, 12);
  return `${SESSION_TAG_VAR}=${ledger}-e${id}`;
}

export const STALE_REASON = 'radar stopped before the session ended';

/** The running sessions whose radar is gone (pure): not this process's, and not alive. */
export function orphaned(
  rows: readonly RunningSession[],
  self: number,
  alive: (pid: number) => boolean,
): RunningSession[] {
  return rows.filter((r) => r.radarPid !== self && (r.radarPid === null || !alive(r.radarPid)));
}

/**
 * Stops what every orphaned session left running and closes its row. Returns the sessions
 * closed (a session that will not die is left `running`, to be tried again).
 */
export async function reapOrphans(options: {
  store: DispatchStore;
  ledgerPath: string;
  graceMs: number;
  now: () => number;
}): Promise<Reaped[]> {
  const { store } = options;
  const stopped: number[] = [];
  for (const r of orphaned(store.runningSessions(), process.pid, processAlive)) {
    if (await stopSession(r.agentPgid, sessionTag(options.ledgerPath, r.id), options.graceMs))
      stopped.push(r.id);
  }
  return store.closeStale(stopped, options.now(), STALE_REASON);
}
