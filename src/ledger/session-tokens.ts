import type { Db } from './open.js';
import type { SessionLedger } from './ports.js';
import { lazyStatements } from './statements.js';
import { eventsOfPath } from './token-schema.js';

/** Events read from the file at a path (parameter): those of its sources. */
const OF_PATH = eventsOfPath('?');

/**
 * The SQL a dispatched session's accounting needs beyond the ingest and the escalation rows:
 * what its run log's events are, which escalation owns a run, moving one log's events of a run
 * to a key of their own, and recording the runs an escalation produced. It decides nothing
 * (dispatch/tokens.ts does).
 *
 * Tokens reach an escalation one way, through what the ledger records of it: its run log (on
 * the escalation row, from before the agent starts) and its runs (`escalation_runs`). The
 * ingest ties the events it inserts against both (TIE_PENDING_LOG_EVENTS, TIE_PENDING_EVENTS);
 * a run learned after some of its events were recorded (a rollout ingested while the agent
 * still worked) ties those when it is recorded (`ownRuns`).
 */
export class SessionTokenStore implements SessionLedger {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = lazyStatements(db, {
      runKeys: `SELECT DISTINCT run_key AS k FROM token_events WHERE ${OF_PATH} AND run_key IS NOT NULL`,
      source: `SELECT id FROM token_sources WHERE path = ? ORDER BY id DESC LIMIT 1`,
      event: `SELECT 1 FROM token_events WHERE fingerprint = ? AND ${OF_PATH}`,
      owner: `SELECT escalation_id AS id FROM escalation_runs WHERE run_key = ?`,
      rekey: `UPDATE token_events SET run_key = ? WHERE ${OF_PATH} AND run_key = ?`,
      addRun: `INSERT OR IGNORE INTO escalation_runs (run_key, escalation_id, repo, number) VALUES (?, ?, ?, ?)`,
      tieRun: `UPDATE token_events SET escalation_id = r.escalation_id, repo = r.repo, pr = r.number
         FROM escalation_runs AS r
         WHERE r.run_key = ? AND token_events.run_key = r.run_key
           AND token_events.escalation_id IS NOT r.escalation_id`,
      logTokens: `SELECT count(*) AS n, total(total) AS tokens FROM token_events WHERE ${OF_PATH}`,
    });
  }

  /** Run keys of the events read from this path. */
  runKeysOf(sourcePath: string): string[] {
    return (this.q.runKeys.all(sourcePath) as { k: string }[]).map((r) => r.k);
  }

  /** The newest token source recorded for this path. */
  sourceId(path: string): number | undefined {
    return (this.q.source.get(path) as { id: number } | undefined)?.id;
  }

  /** Whether an event with this fingerprint was read from this path. */
  hasEvent(fingerprint: string, sourcePath: string): boolean {
    return this.q.event.get(fingerprint, sourcePath) !== undefined;
  }

  /** The escalation a run key is tied to, if any. */
  ownerOf(runKey: string): number | undefined {
    return (this.q.owner.get(runKey) as { id: number } | undefined)?.id;
  }

  /** This path's events of run `from` move to run `to`. */
  rekey(sourcePath: string, from: string, to: string): void {
    this.q.rekey.run(to, sourcePath, from);
  }

  /**
   * Records the runs an escalation produced (a run already recorded for another escalation stays
   * its own) and ties the events of each run recorded so far to its escalation; events of them
   * ingested later are tied by the ingest.
   */
  ownRuns(escalationId: number, pr: { repo: string; number: number }, runKeys: readonly string[]) {
    this.db.transaction(() => {
      for (const key of runKeys) {
        this.q.addRun.run(key, escalationId, pr.repo, pr.number);
        this.q.tieRun.run(key);
      }
    })();
  }

  /** The tokens of the events read from this path; null when there are none. */
  tokensOf(sourcePath: string): number | null {
    const row = this.q.logTokens.get(sourcePath) as { n: number; tokens: number };
    return row.n === 0 ? null : row.tokens;
  }

  /**
   * Immediate: the callers read before they write, and a deferred transaction whose snapshot
   * another process wrote past fails at once (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
