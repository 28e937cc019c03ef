import type { Db } from './open.js';

/**
 * The SQL a dispatched session's accounting needs beyond the ingest and the escalation rows:
 * what its run log's events are, which escalation owns a run, and moving one log's events of a
 * run to a key of their own. It decides nothing (dispatch/tokens.ts does).
 */
export class SessionTokenStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      runKeys: db.prepare(
        `SELECT DISTINCT run_key AS k FROM token_events WHERE source_path = ? AND run_key IS NOT NULL`,
      ),
      source: db.prepare(`SELECT id FROM token_sources WHERE path = ? ORDER BY id DESC LIMIT 1`),
      event: db.prepare(`SELECT 1 FROM token_events WHERE fingerprint = ? AND source_path = ?`),
      owner: db.prepare(`SELECT escalation_id AS id FROM escalation_runs WHERE run_key = ?`),
      rekey: db.prepare(
        `UPDATE token_events SET run_key = ? WHERE source_path = ? AND run_key = ?`,
      ),
    };
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
   * Immediate: the callers read before they write, and a deferred transaction whose snapshot
   * another process wrote past fails at once (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
