/**
 * Sessions whose radar died. Every agent session is contained (process/run.ts): its environment
 * carries a tag unique to the escalation, and a watchdog process stops it the moment its radar
 * dies. Should the watchdog have died too (killed with radar's whole process tree, say), the next
 * dispatch finds the session by its recorded process group and its tag, stops what is left of it
 * (SIGTERM, SIGKILL after the grace), closes its row and counts its run log.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { DispatchLedger } from '../ledger/ports.js';
import type { Reaped } from '../core/dispatch.js';
import { processAlive } from '../process/alive.js';
import { stopSession } from '../process/tree.js';
import { reapStale, sessionFate, type Fate } from './liveness.js';

/** The environment variable that tags every process of an agent session. */
export const SESSION_TAG_VAR = 'RADAR_SESSION';

/** `NAME=value` for escalation `id` of the ledger at `ledgerPath` (unique across ledgers). */
export function sessionTag(ledgerPath: string, id: number): string {
  const ledger = createHash('sha256').update(resolve(ledgerPath)).digest('hex').slice(0, 12);
  return `${SESSION_TAG_VAR}=${ledger}-e${id}`;
}

/**
 * Stops what every session of a dead radar on this machine left running, then closes the rows
 * of those with nothing left (a session that will not die stays `running`, to be tried again),
 * and those of other machines whose lease expired. Returns the sessions closed.
 */
export async function reapOrphans(options: {
  store: Pick<DispatchLedger, 'runningSessions' | 'markFailed' | 'releaseClaims'>;
  ledgerPath: string;
  graceMs: number;
  now: () => number;
  /** This machine's id (null: every session is judged by its processes). */
  machine?: string | null;
  self?: number;
  alive?: (pid: number | null) => boolean;
  /** The wall clock leases are measured on. */
  clock?: () => number;
}): Promise<Reaped[]> {
  const alive = options.alive ?? processAlive;
  const here = {
    machine: options.machine ?? null,
    self: options.self ?? process.pid,
    now: (options.clock ?? Date.now)(),
  };
  const fates = new Map<number, Fate>();
  for (const s of options.store.runningSessions()) {
    let fate = sessionFate(s, here, alive);
    if (fate === 'orphan') {
      const tag = sessionTag(options.ledgerPath, s.id);
      if (!(await stopSession(s.agentPgid, tag, options.graceMs))) fate = 'live';
    }
    fates.set(s.id, fate);
  }
  // A session that started meanwhile is live.
  return reapStale(options.store, options.now(), (s) => fates.get(s.id) ?? 'live');
}
