import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from './open.js';
import { lazyStatements } from './statements.js';
import {
  SESSION_FORMATS,
  type KnownSource,
  type RateLimitSample,
  type RunDecision,
  type RunEvent,
  type SourceStat,
  type ThreadTotal,
  type TokenEvent,
} from '../core/tokens.js';
import { PENDING_GROUPS, SETTLE_PENDING } from './token-schema.js';
import { TIE_PENDING_EVENTS, TIE_PENDING_LOG_EVENTS } from './dispatch-schema.js';
import type { Machine } from '../core/machine.js';
import type {
  EventPlace,
  IngestRunRecord,
  NewSource,
  RecordedEvent,
  SourceProbe,
  TokenLedger,
} from './ports.js';

/**
 * The SQLite token ledger: all SQL for token sources and events. Every write runs inside the
 * caller's transaction. It persists and queries; which line of a response counts and how a run
 * is counted are decided by the caller (tokens/record.ts).
 */

/** token_sources columns as the file-identity planner reads them. */
const KNOWN_COLUMNS = `id, machine, lineage, path, dev, ino, head_hash AS headHash, head_len AS headLen, size,
  offset, tail_hash AS tailHash, encoding, family, state, mtime_ms AS mtimeMs`;

/** token_sources columns as the stat shortcut reads them (SourceStat). */
const STAT_COLUMNS = `id, path, dev, ino, size, offset, encoding, mtime_ms AS mtimeMs`;
/** A row of STAT_COLUMNS read raw, in their order. */
type SourceStatRow = [
  SourceStat['id'],
  SourceStat['path'],
  SourceStat['dev'],
  SourceStat['ino'],
  SourceStat['size'],
  SourceStat['offset'],
  SourceStat['encoding'],
  SourceStat['mtimeMs'],
];

/**
 * A file's candidate sources: same identity or path; same identity first, then the latest
 * ingested, the last id.
 */
const CANDIDATES = `FROM token_sources WHERE machine = ? AND ((dev = ? AND ino = ?) OR path = ?)
         ORDER BY (dev = ? AND ino = ?) DESC, last_ingested DESC, id DESC`;

/** From this many files on, firstCandidates may read every source at once. */
const BULK_LOOKUP = 64;

export class TokenStore implements TokenLedger {
  private readonly q;
  /**
   * The rowid of the first event inserted since the roll-ups were last settled: that event and
   * every later one (rowids only grow) are counted but not in the roll-ups yet.
   */
  private pendingFrom: number | undefined;
  /** SETTLE_PENDING, prepared when a batch first settles. */
  private settle: BetterSqlite3.Statement[] | undefined;

  constructor(private readonly db: Db) {
    // Created here, outside any transaction: a rollback would drop it under prepared statements.
    db.exec(PENDING_GROUPS);
    this.q = lazyStatements(db, {
      candidates: `SELECT ${KNOWN_COLUMNS} ${CANDIDATES}`,
      firstCandidate: `SELECT ${STAT_COLUMNS} ${CANDIDATES}`,
      countSources: `SELECT count(*) AS n FROM token_sources WHERE machine = ?`,
      // The stat columns only: building a row's object costs more than reading it.
      allSources: `SELECT ${STAT_COLUMNS} FROM token_sources WHERE machine = ? ORDER BY last_ingested DESC, id DESC`,
      headLengths: `SELECT DISTINCT head_len AS len FROM token_sources WHERE head_len <= ?`,
      byHead: `SELECT ${KNOWN_COLUMNS} FROM token_sources WHERE head_len = ? AND head_hash = ? ORDER BY last_ingested DESC, id DESC`,
      upsertMachine: `INSERT INTO machines (id, name, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen`,
      adoptSources: `UPDATE token_sources SET machine = ? WHERE machine IS NULL`,
      insertSource: `INSERT INTO token_sources (machine, lineage, path, dev, ino, head_hash, head_len, size, offset, tail_hash,
           encoding, family, state, mtime_ms, first_seen, last_ingested)
         VALUES (@machine, @lineage, @path, @dev, @ino, @headHash, @headLen, @size, @offset, @tailHash,
           @encoding, @family, @state, @mtimeMs, @now, @now)`,
      updateSource: `UPDATE token_sources SET machine = @machine, path = @path, dev = @dev, ino = @ino, head_hash = @headHash,
           head_len = @headLen, size = @size, offset = @offset, tail_hash = @tailHash,
           encoding = @encoding, family = @family, state = @state, mtime_ms = @mtimeMs,
           last_ingested = @now
         WHERE id = @id`,
      // Positional parameters (see eventValues): binding by name costs more than the insert.
      insertEvent: `INSERT OR IGNORE INTO token_events (fingerprint, at, at_source, agent, model, bucket, format,
           input, cached_input, cache_creation, output, reasoning, total, source_id,
           source_offset, session_id, run_key, thread_total, run_header, counted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      deleteEvent: `DELETE FROM token_events WHERE fingerprint = ? RETURNING CASE counted WHEN 0 THEN 0 ELSE total END AS total, run_key AS runKey`,
      runEvents: `SELECT id, format, at, bucket, coalesce(own_bucket, bucket) AS ownBucket, counted,
           thread_total AS threadTotal, input, cached_input AS cachedInput, output, reasoning, total
         FROM token_events WHERE run_key = ?`,
      // A run of session events only, all counted under their own bucket, has nothing to decide.
      runSettled: `SELECT NOT EXISTS (SELECT 1 FROM token_events WHERE run_key = ?
           AND (format NOT IN (${[...SESSION_FORMATS].map((f) => `'${f}'`).join(', ')}) OR counted <> 1
             OR bucket IS NOT coalesce(own_bucket, bucket))) AS settled`,
      // own_bucket is NULL while it equals bucket (EVENTS_WITHOUT_PATH): kept when bucket moves.
      applyRun: `UPDATE token_events SET counted = @counted, own_bucket = coalesce(own_bucket, bucket), bucket = @bucket,
           input = coalesce(@input, input), cached_input = coalesce(@cachedInput, cached_input),
           output = coalesce(@output, output), reasoning = coalesce(@reasoning, reasoning),
           total = coalesce(@total, total)
         WHERE id = @id`,
      recorded: `SELECT total, model FROM token_events WHERE fingerprint = ?`,
      untiedLogRuns: `SELECT DISTINCT run_header AS header FROM token_events
         WHERE format IN ('codex-text', 'codex-exec-json') AND run_header IS NOT NULL
           AND run_key IS NULL`,
      rolloutStarts: `SELECT run_key AS runKey, run_header AS header FROM token_events
         WHERE format = 'codex-rollout' AND run_header IS NOT NULL AND run_key IS NOT NULL`,
      tieLogRun: `UPDATE token_events SET run_key = ?, session_id = ?
         WHERE format IN ('codex-text', 'codex-exec-json') AND run_header = ? AND run_key IS NULL`,
      growEvent: `UPDATE token_events SET at = ?, model = coalesce(?, model), input = ?, cached_input = ?,
           cache_creation = ?, output = ?, reasoning = ?, total = ?
         WHERE fingerprint = ?`,
      tiePendingLogs: TIE_PENDING_LOG_EVENTS,
      tiePending: TIE_PENDING_EVENTS,
      insertSample: `INSERT OR IGNORE INTO rate_limit_samples (provider, window_minutes, used_percent, resets_at, at, source_path)
         VALUES (?, ?, ?, ?, ?, ?)`,
      insertRun: `INSERT INTO ingest_runs (started_at, finished_at, files_read, new_events, new_tokens, lines_skipped, summary)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    });
  }

  /**
   * The source the planner would look at first for this file (same identity or path, newest
   * first), without reading the file: enough to recognise an unchanged file from its stat.
   */
  firstCandidate(path: string, dev: number, ino: number, machine: string): SourceStat | undefined {
    return this.q.firstCandidate.get(machine, dev, ino, path, dev, ino) as SourceStat | undefined;
  }

  registerMachine(machine: Machine, now: number): void {
    this.db.transaction(() => {
      this.q.upsertMachine.run(machine.id, machine.name, now, now);
      this.q.adoptSources.run(machine.id);
    })();
  }

  /**
   * firstCandidate of each file. Many files against a ledger of about as many sources (a cron
   * re-ingest of whole folders) are looked up in one read of every source, not a query each.
   */
  firstCandidates(
    files: readonly { path: string; dev: number; ino: number }[],
    machine: string,
  ): (SourceStat | undefined)[] {
    const sources =
      files.length < BULK_LOOKUP ? Infinity : (this.q.countSources.get(machine) as { n: number }).n;
    if (sources > files.length * 4)
      return files.map((f) => this.firstCandidate(f.path, f.dev, f.ino, machine));
    // The candidates query's order: same identity first, then the latest ingested, the last id.
    const byIdentity = new Map<string, SourceStat>();
    const byPath = new Map<string, SourceStat>();
    // Rows as arrays (STAT_COLUMNS' order): better-sqlite3 builds a row object property by
    // property through V8's API, about 5 µs a row, where this literal costs next to nothing.
    for (const r of this.q.allSources.raw(true).all(machine) as SourceStatRow[]) {
      const row: SourceStat = {
        id: r[0],
        path: r[1],
        dev: r[2],
        ino: r[3],
        size: r[4],
        offset: r[5],
        encoding: r[6],
        mtimeMs: r[7],
      };
      const key = `${row.dev}:${row.ino}`;
      if (!byIdentity.has(key)) byIdentity.set(key, row);
      if (!byPath.has(row.path)) byPath.set(row.path, row);
    }
    return files.map((f) => byIdentity.get(`${f.dev}:${f.ino}`) ?? byPath.get(f.path));
  }

  /**
   * Runs `fn` in one transaction. Events it inserts reach the roll-ups in one grouped statement
   * before the transaction commits (or before a run is reconciled), not one trigger per row.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(() => {
        const result = fn();
        this.settleRollups();
        return result;
      })();
    } finally {
      // Committed (and settled) or rolled back: nothing of it is pending.
      this.pendingFrom = undefined;
    }
  }

  /**
   * Ties the events inserted so far in this transaction to their escalation, if they were read
   * from its run log or an escalation produced their run, and adds them to the roll-ups
   * (ROLLUP_BATCHES, BATCH_ESCALATION_TIES, ESCALATION_RUN_LOGS).
   */
  private settleRollups(): void {
    const from = this.pendingFrom;
    if (from === undefined) return;
    this.q.tiePendingLogs.run(from);
    this.q.tiePending.run(from);
    this.settle ??= this.prepareSettle();
    this.settle.forEach((statement, i) => (i === 0 ? statement.run(from) : statement.run()));
    this.pendingFrom = undefined;
  }
  private prepareSettle(): BetterSqlite3.Statement[] {
    return SETTLE_PENDING.map((sql) => this.db.prepare(sql));
  }

  /**
   * Every source that may be this file's lineage: same identity or path, newest first, then those
   * whose recorded first bytes equal the start of one of `heads` (raw and decoded bytes).
   */
  knownSources(
    path: string,
    dev: number,
    ino: number,
    heads: readonly Buffer[],
    hash: (b: Buffer) => string,
    machine: string,
  ): KnownSource[] {
    const rows = new Map<number, KnownSource>();
    const add = (list: unknown[]) => {
      for (const row of list as KnownSource[]) if (!rows.has(row.id)) rows.set(row.id, row);
    };
    add(this.q.candidates.all(machine, dev, ino, path, dev, ino));
    for (const head of heads) {
      const lengths = (this.q.headLengths.all(head.length) as { len: number }[]).map((r) => r.len);
      for (const len of lengths) add(this.q.byHead.all(len, hash(head.subarray(0, len))));
    }
    return [...rows.values()];
  }

  knownSourcesOf(
    files: readonly SourceProbe[],
    hash: (b: Buffer) => string,
    machine: string,
  ): KnownSource[][] {
    return files.map((f) => this.knownSources(f.path, f.dev, f.ino, f.heads, hash, machine));
  }

  insertSource(source: NewSource): number {
    return Number(
      this.q.insertSource.run({ ...source, family: source.family ?? null }).lastInsertRowid,
    );
  }

  insertSources(sources: readonly NewSource[]): number[] {
    return sources.map((s) => this.insertSource(s));
  }

  updateSource(id: number, source: NewSource): void {
    this.q.updateSource.run({ ...source, id, family: source.family ?? null });
  }

  insertEvent(e: TokenEvent, where: EventPlace): boolean {
    // Spread, not the array: better-sqlite3 reads an array argument element by element through
    // V8's API, and positional arguments arrive directly (about 0.4 µs less an event).
    const { changes, lastInsertRowid } = this.q.insertEvent.run(...eventValues(e, where));
    if (changes !== 1) return false;
    this.pendingFrom ??= Number(lastInsertRowid);
    return true;
  }

  /** One insert after another: SQLite pays no round trip per statement. */
  insertEvents(rows: readonly { event: TokenEvent; where: EventPlace }[]): boolean[] {
    return rows.map((r) => this.insertEvent(r.event, r.where));
  }

  recordedEvent(fingerprint: string): RecordedEvent | undefined {
    const row = this.q.recorded.get(fingerprint) as
      { total: number; model: string | null } | undefined;
    return row && { total: row.total, model: row.model ?? undefined };
  }

  recordedEvents(fingerprints: readonly string[]): Map<string, RecordedEvent> {
    const out = new Map<string, RecordedEvent>();
    for (const f of fingerprints) {
      const row = this.recordedEvent(f);
      if (row) out.set(f, row);
    }
    return out;
  }

  replaceAmounts(fingerprint: string, line: TokenEvent): void {
    this.settleRollups();
    this.q.growEvent.run(...grownValues(line, fingerprint));
  }

  /** Removes events by fingerprint; returns how many, their counted tokens and their runs. */
  deleteEvents(fingerprints: readonly string[]): {
    events: number;
    tokens: number;
    runKeys: string[];
  } {
    let events = 0;
    let tokens = 0;
    const runKeys: string[] = [];
    this.settleRollups();
    for (const f of fingerprints) {
      const row = this.q.deleteEvent.get(f) as { total: number; runKey: string | null } | undefined;
      if (row) {
        events++;
        tokens += row.total;
        if (row.runKey) runKeys.push(row.runKey);
      }
    }
    return { events, tokens, runKeys };
  }

  onlyOwnSessionEvents(runKey: string): boolean {
    return (this.q.runSettled.get(runKey) as { settled: number }).settled === 1;
  }

  settledRuns(runKeys: readonly string[]): Set<string> {
    return new Set(runKeys.filter((k) => this.onlyOwnSessionEvents(k)));
  }

  runEvents(runKey: string): RunEvent[] {
    this.settleRollups();
    const rows = this.q.runEvents.all(runKey) as (Omit<RunEvent, 'counted' | 'threadTotal'> & {
      counted: number;
      threadTotal: string | null;
    })[];
    return rows.map((r) => ({
      ...r,
      counted: r.counted === 1,
      threadTotal: r.threadTotal ? (JSON.parse(r.threadTotal) as ThreadTotal) : undefined,
    }));
  }

  untiedLogRuns(): string[] {
    return (this.q.untiedLogRuns.all() as { header: string }[]).map((r) => r.header);
  }

  rolloutStarts(): { runKey: string; header: string }[] {
    return this.q.rolloutStarts.all() as { runKey: string; header: string }[];
  }

  tieLogRun(header: string, runKey: string, sessionId: string): void {
    this.settleRollups();
    this.q.tieLogRun.run(runKey, sessionId, header);
  }

  applyRunDecision(d: RunDecision): void {
    this.settleRollups();
    this.q.applyRun.run({
      id: d.id,
      counted: d.counted ? 1 : 0,
      bucket: d.bucket,
      input: d.amounts?.input ?? null,
      cachedInput: d.amounts?.cachedInput ?? null,
      output: d.amounts?.output ?? null,
      reasoning: d.amounts?.reasoning ?? null,
      total: d.amounts?.total ?? null,
    });
  }

  writeSample(s: RateLimitSample, sourcePath: string): boolean {
    return (
      this.q.insertSample.run(
        s.provider,
        s.windowMinutes,
        s.usedPercent,
        s.resetsAt ?? null,
        s.at,
        sourcePath,
      ).changes === 1
    );
  }

  writeSampleRows(rows: readonly { sample: RateLimitSample; sourcePath: string }[]): number {
    return rows.filter((r) => this.writeSample(r.sample, r.sourcePath)).length;
  }

  recordRun(startedAt: number, finishedAt: number, summary: IngestRunRecord): void {
    this.q.insertRun.run(
      startedAt,
      finishedAt,
      summary.filesRead,
      summary.newEvents,
      summary.newTokens,
      summary.linesSkipped,
      JSON.stringify(summary),
    );
  }
}

/** A larger line's values, then the fingerprint: replaceAmounts' parameters (both engines). */
export function grownValues(line: TokenEvent, fingerprint: string): unknown[] {
  return [
    line.at,
    line.model ?? null,
    line.input ?? null,
    line.cachedInput ?? null,
    line.cacheCreation ?? null,
    line.output ?? null,
    line.reasoning ?? null,
    line.total,
    fingerprint,
  ];
}

/** An event's values in the order of the insert's parameters (both engines' column order). */
export function eventValues(e: TokenEvent, where: EventPlace): unknown[] {
  return [
    e.fingerprint,
    e.at,
    e.atSource,
    e.agent,
    e.model ?? null,
    where.bucket,
    e.format,
    e.input ?? null,
    e.cachedInput ?? null,
    e.cacheCreation ?? null,
    e.output ?? null,
    e.reasoning ?? null,
    e.total,
    where.sourceId,
    e.offset,
    e.sessionId ?? null,
    e.runKey ?? null,
    e.threadTotal ? JSON.stringify(e.threadTotal) : null,
    e.runHeader ? JSON.stringify(e.runHeader) : null,
  ];
}
