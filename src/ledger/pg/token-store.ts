import type { Machine } from '../../core/machine.js';
import {
  SESSION_FORMATS,
  type KnownSource,
  type RateLimitSample,
  type RunDecision,
  type RunEvent,
  type ThreadTotal,
  type TokenEvent,
} from '../../core/tokens.js';
import type {
  EventPlace,
  IngestRunRecord,
  NewSource,
  RecordedEvent,
  SessionLedger,
  SourceProbe,
  TokenLedger,
} from '../ports.js';
import { eventValues, grownValues } from '../token-store.js';
import { eventsOfPath } from '../token-schema.js';
import type { PgDb } from './db.js';
import { ledgerXactLock } from './lock.js';

/**
 * The PostgreSQL token ledger (token-store.ts's twin): sources, events, runs and samples. A
 * statement is a round trip here, so the ingest's per-row calls have batched forms (insertEvents,
 * recordedEvents, firstCandidates in one query); the roll-ups follow every statement by trigger
 * (token-schema.ts), so nothing is pending at commit.
 *
 * Units of work that write events take one transaction-scoped advisory lock: two machines'
 * batches of the same synced files would otherwise insert the same fingerprints in different
 * orders and deadlock; they take turns per batch instead (the roll-up rows they both update
 * would serialise them anyway).
 */

/** The advisory lock of token writes ("RTOK"). */
export const TOKEN_WRITE_LOCK = 0x52544f4b;

const KNOWN_COLUMNS = `id, machine, lineage, path, dev, ino, head_hash AS "headHash", head_len AS "headLen",
  size, "offset", tail_hash AS "tailHash", encoding, family, state, mtime_ms AS "mtimeMs"`;

/** Rows per insert statement (each row is one element of each array parameter). */
const INSERT_CHUNK = 5_000;

/** token_events' columns and types, in eventValues' order (token-store.ts). */
const EVENT_COLUMNS: [string, string][] = [
  ['fingerprint', 'text'],
  ['at', 'int8'],
  ['at_source', 'text'],
  ['agent', 'text'],
  ['model', 'text'],
  ['bucket', 'text'],
  ['format', 'text'],
  ['input', 'int8'],
  ['cached_input', 'int8'],
  ['cache_creation', 'int8'],
  ['output', 'int8'],
  ['reasoning', 'int8'],
  ['total', 'int8'],
  ['source_id', 'int8'],
  ['source_offset', 'int8'],
  ['session_id', 'text'],
  ['run_key', 'text'],
  ['thread_total', 'text'],
  ['run_header', 'text'],
];

/**
 * Inserts the rows (in their order: a fingerprint twice, the first is inserted) tied to their
 * escalation as SQLite's settle ties them (by run log, else by run), and answers only the
 * fingerprints that were not inserted: on a first ingest that is nothing, where returning every
 * new row's id and fingerprint cost as much as the insert. The escalations are read once per
 * statement (hash joins), not per row. The rows come as one JSON array of eventValues arrays:
 * one string to hand to the connection's thread and to send, where a text array per column
 * cost more to copy and escape than the server spends inserting them.
 */
const INSERT_EVENTS = `WITH logs AS (
    SELECT DISTINCT ON (run_log) run_log, id, repo, number FROM escalations
    WHERE run_log IS NOT NULL ORDER BY run_log, id DESC),
  rows AS MATERIALIZED (
    SELECT ${EVENT_COLUMNS.map(([c, t], i) => `(v->>${i})::${t} AS ${c}`).join(', ')}, n
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(v, n)),
  ins AS (
    INSERT INTO token_events (${EVENT_COLUMNS.map(([c]) => c).join(', ')}, escalation_id, repo, pr)
    SELECT ${EVENT_COLUMNS.map(([c]) => `u.${c}`).join(', ')},
      coalesce(l.id, r.escalation_id),
      CASE WHEN l.id IS NULL THEN r.repo ELSE l.repo END,
      CASE WHEN l.id IS NULL THEN r.number ELSE l.number END
    FROM rows u
    LEFT JOIN token_sources s ON s.id = u.source_id
    LEFT JOIN logs l ON l.run_log = s.path
    LEFT JOIN escalation_runs r ON r.run_key = u.run_key
    ORDER BY u.n
    ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint)
  SELECT fingerprint FROM rows EXCEPT SELECT fingerprint FROM ins`;

/**
 * Runs fn as a unit of work holding the token write lock (taken with BEGIN: one round trip).
 * `settings` are sent with it (`SET LOCAL …`, for the outermost transaction only).
 */
export function tokenTransaction<T>(db: PgDb, fn: () => T, settings = ''): T {
  const lock = ledgerXactLock(TOKEN_WRITE_LOCK);
  if (db.inTransaction) {
    db.exec(lock);
    return db.transaction(fn);
  }
  return db.transaction(fn, `BEGIN; ${settings}${lock}`);
}

export class PgTokenStore implements TokenLedger {
  /**
   * The distinct lengths of recorded first bytes, as last read: a lookup hashes a file's head at
   * each, and its query answers the lengths as they are now (read again when they changed).
   */
  private headLengths: number[] | undefined;
  constructor(private readonly db: PgDb) {}

  /**
   * A unit of work of the ingest. Its commit does not wait for the server's disk
   * (`synchronous_commit = off`): a source's new offset commits in the same transaction as the
   * events read up to it, so a transaction lost in a server crash is lost whole, and the next
   * ingest reads those bytes again. Later synchronous commits flush it anyway.
   */
  transaction<T>(fn: () => T): T {
    return tokenTransaction(this.db, fn, 'SET LOCAL synchronous_commit = off; ');
  }

  registerMachine(machine: Machine, now: number): void {
    this.db.run(
      `INSERT INTO machines (id, name, first_seen, last_seen) VALUES ($1, $2, $3, $3)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen`,
      [machine.id, machine.name, now],
    );
  }

  firstCandidate(path: string, dev: number, ino: number, machine: string): KnownSource | undefined {
    return this.firstCandidates([{ path, dev, ino }], machine)[0];
  }

  /** Every file's first candidate in one query (this machine's sources, by identity or path). */
  firstCandidates(
    files: readonly { path: string; dev: number; ino: number }[],
    machine: string,
  ): (KnownSource | undefined)[] {
    if (files.length === 0) return [];
    const rows = this.db.all<KnownSource & { i: number }>(
      `SELECT f.i, c.* FROM unnest($1::text[], $2::int8[], $3::int8[]) WITH ORDINALITY AS f(path, dev, ino, i)
       CROSS JOIN LATERAL (
         SELECT ${KNOWN_COLUMNS} FROM token_sources s
         WHERE s.machine = $4 AND ((s.dev = f.dev AND s.ino = f.ino) OR s.path = f.path)
         ORDER BY (s.dev = f.dev AND s.ino = f.ino) DESC, s.last_ingested DESC, s.id DESC LIMIT 1) c`,
      [files.map((f) => f.path), files.map((f) => f.dev), files.map((f) => f.ino), machine],
    );
    const out: (KnownSource | undefined)[] = files.map(() => undefined);
    for (const { i, ...row } of rows) out[i - 1] = row;
    return out;
  }

  knownSources(
    path: string,
    dev: number,
    ino: number,
    heads: readonly Buffer[],
    hash: (b: Buffer) => string,
    machine: string,
  ): KnownSource[] {
    return this.knownSourcesOf([{ path, dev, ino, heads }], hash, machine)[0]!;
  }

  /**
   * knownSources of every file in one query: this machine's sources by identity or path, and
   * any machine's by the hashes of each file's head at the lengths last read; the query reads
   * the lengths back (read again when another machine added one these heads reach).
   */
  knownSourcesOf(
    files: readonly SourceProbe[],
    hash: (b: Buffer) => string,
    machine: string,
  ): KnownSource[][] {
    if (files.length === 0) return [];
    const longest = Math.max(0, ...files.flatMap((f) => f.heads.map((h) => h.length)));
    for (;;) {
      const known = this.headLengths ?? [];
      const pairs: [number, number, string][] = [];
      files.forEach(({ heads }, i) => {
        for (const head of heads)
          for (const len of known)
            if (len <= head.length) pairs.push([i + 1, len, hash(head.subarray(0, len))]);
      });
      const rows = this.db.all<KnownRow>(
        `SELECT * FROM (
           SELECT c.*, f.i AS f, 0::int8 AS g
           FROM unnest($2::text[], $3::int8[], $4::int8[]) WITH ORDINALITY AS f(path, dev, ino, i)
           CROSS JOIN LATERAL (
             SELECT ${KNOWN_COLUMNS}, (s.dev = f.dev AND s.ino = f.ino) AS same, s.last_ingested AS li
             FROM token_sources s
             WHERE s.machine = $1 AND ((s.dev = f.dev AND s.ino = f.ino) OR s.path = f.path)) c
           UNION ALL
           SELECT s.id, s.machine, s.lineage, s.path, s.dev, s.ino, s.head_hash, s.head_len, s.size,
             s."offset", s.tail_hash, s.encoding, s.family, s.state, s.mtime_ms, false, s.last_ingested,
             p.f, p.n
           FROM unnest($5::int8[], $6::int[], $7::text[]) WITH ORDINALITY AS p(f, len, hash, n)
           JOIN token_sources s ON s.head_len = p.len AND s.head_hash = p.hash
           UNION ALL
           SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, l.len, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, false, NULL, 0, -1
           FROM (SELECT DISTINCT head_len AS len FROM token_sources) l
         ) x ORDER BY f, g, same DESC, li DESC, id DESC`,
        [
          machine,
          files.map((f) => f.path),
          files.map((f) => f.dev),
          files.map((f) => f.ino),
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
          pairs.map((p) => p[2]),
        ],
      );
      const lengths = rows.filter((r) => r.g === -1).map((r) => r.headLen);
      const usable = lengths.filter((l) => l <= longest);
      const stale = usable.some((l) => !known.includes(l));
      this.headLengths = lengths.sort((x, y) => x - y);
      if (stale) continue;
      const out: KnownRow[][] = files.map(() => []);
      for (const row of rows) if (row.g !== -1) out[row.f - 1]!.push(row);
      return out.map(sourcesOnce);
    }
  }

  insertSource(source: NewSource): number {
    return this.insertSources([source])[0]!;
  }

  insertSources(sources: readonly NewSource[]): number[] {
    if (sources.length === 0) return [];
    const columns: unknown[][] = SOURCE_COLUMNS.map(() => []);
    for (const source of sources) sourceValues(source).forEach((v, i) => columns[i]!.push(v));
    // Identities are drawn in the order rows are inserted (ORDER BY n): ascending ids are the
    // sources in their order, whatever order RETURNING gives them in.
    return this.db
      .all<{ id: number }>(
        `INSERT INTO token_sources (${SOURCE_COLUMNS.map(([c]) => c).join(', ')}, last_ingested)
         SELECT ${SOURCE_COLUMNS.map(([c]) => `s.${c}`).join(', ')}, s.first_seen
         FROM unnest(${SOURCE_COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})
           WITH ORDINALITY AS s(${SOURCE_COLUMNS.map(([c]) => c).join(', ')}, n)
         ORDER BY s.n RETURNING id`,
        columns,
      )
      .map((r) => r.id)
      .sort((a, b) => a - b);
  }

  updateSource(id: number, source: NewSource): void {
    this.db.run(
      `UPDATE token_sources SET machine = $1, lineage = $2, path = $3, dev = $4, ino = $5,
         head_hash = $6, head_len = $7, size = $8, "offset" = $9, tail_hash = $10, encoding = $11,
         family = $12, state = $13, mtime_ms = $14, last_ingested = $15
       WHERE id = $16`,
      [...sourceValues(source), id],
    );
  }

  insertEvent(event: TokenEvent, where: EventPlace): boolean {
    return this.insertEvents([{ event, where }])[0]!;
  }

  insertEvents(rows: readonly { event: TokenEvent; where: EventPlace }[]): boolean[] {
    const out: boolean[] = [];
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      const values = JSON.stringify(chunk.map(({ event, where }) => eventValues(event, where)));
      const refused = new Set(
        this.db.all<{ fingerprint: string }>(INSERT_EVENTS, [values]).map((r) => r.fingerprint),
      );
      // A fingerprint twice in one batch: the first row is the one inserted.
      const seen = new Set<string>();
      for (const { event } of chunk) {
        out.push(!refused.has(event.fingerprint) && !seen.has(event.fingerprint));
        seen.add(event.fingerprint);
      }
    }
    return out;
  }

  recordedEvent(fingerprint: string): RecordedEvent | undefined {
    return this.recordedEvents([fingerprint]).get(fingerprint);
  }

  recordedEvents(fingerprints: readonly string[]): Map<string, RecordedEvent> {
    const out = new Map<string, RecordedEvent>();
    if (fingerprints.length === 0) return out;
    const rows = this.db.all<{ fingerprint: string; total: number; model: string | null }>(
      `SELECT fingerprint, total, model FROM token_events WHERE fingerprint = ANY($1::text[])`,
      [fingerprints],
    );
    for (const r of rows) out.set(r.fingerprint, { total: r.total, model: r.model ?? undefined });
    return out;
  }

  replaceAmounts(fingerprint: string, line: TokenEvent): void {
    this.db.run(
      `UPDATE token_events SET at = $1, model = coalesce($2, model), input = $3, cached_input = $4,
         cache_creation = $5, output = $6, reasoning = $7, total = $8
       WHERE fingerprint = $9`,
      grownValues(line, fingerprint),
    );
  }

  deleteEvents(fingerprints: readonly string[]): {
    events: number;
    tokens: number;
    runKeys: string[];
  } {
    if (fingerprints.length === 0) return { events: 0, tokens: 0, runKeys: [] };
    const rows = this.db.all<{ total: number; runKey: string | null }>(
      `DELETE FROM token_events WHERE fingerprint = ANY($1::text[])
       RETURNING CASE counted WHEN 0 THEN 0 ELSE total END AS total, run_key AS "runKey"`,
      [fingerprints],
    );
    return {
      events: rows.length,
      tokens: rows.reduce((sum, r) => sum + r.total, 0),
      runKeys: rows.flatMap((r) => (r.runKey ? [r.runKey] : [])),
    };
  }

  runEvents(runKey: string): RunEvent[] {
    const rows = this.db.all<
      Omit<RunEvent, 'counted' | 'threadTotal'> & { counted: number; threadTotal: string | null }
    >(
      `SELECT id, format, at, bucket, coalesce(own_bucket, bucket) AS "ownBucket", counted,
         thread_total AS "threadTotal", input, cached_input AS "cachedInput", output, reasoning, total
       FROM token_events WHERE run_key = $1 ORDER BY id`,
      [runKey],
    );
    return rows.map((r) => ({
      ...r,
      counted: r.counted === 1,
      threadTotal: r.threadTotal ? (JSON.parse(r.threadTotal) as ThreadTotal) : undefined,
    }));
  }

  onlyOwnSessionEvents(runKey: string): boolean {
    return this.settledRuns([runKey]).has(runKey);
  }

  settledRuns(runKeys: readonly string[]): Set<string> {
    if (runKeys.length === 0) return new Set();
    const rows = this.db.all<{ k: string }>(
      `SELECT k FROM unnest($1::text[]) AS k WHERE NOT EXISTS (
         SELECT 1 FROM token_events WHERE run_key = k
           AND (format NOT IN (${[...SESSION_FORMATS].map((f) => `'${f}'`).join(', ')}) OR counted <> 1
             OR bucket IS DISTINCT FROM coalesce(own_bucket, bucket)))`,
      [runKeys],
    );
    return new Set(rows.map((r) => r.k));
  }

  untiedLogRuns(): string[] {
    return this.db
      .all<{ header: string }>(
        `SELECT DISTINCT run_header AS header FROM token_events
         WHERE format IN ('codex-text', 'codex-exec-json') AND run_header IS NOT NULL
           AND run_key IS NULL`,
      )
      .map((r) => r.header);
  }

  rolloutStarts(): { runKey: string; header: string }[] {
    return this.db.all(
      `SELECT run_key AS "runKey", run_header AS header FROM token_events
       WHERE format = 'codex-rollout' AND run_header IS NOT NULL AND run_key IS NOT NULL
       ORDER BY id`,
    );
  }

  tieLogRun(header: string, runKey: string, sessionId: string): void {
    this.db.run(
      `UPDATE token_events SET run_key = $1, session_id = $2
       WHERE format IN ('codex-text', 'codex-exec-json') AND run_header = $3 AND run_key IS NULL`,
      [runKey, sessionId, header],
    );
  }

  applyRunDecision(d: RunDecision): void {
    this.db.run(
      `UPDATE token_events SET counted = $2, own_bucket = coalesce(own_bucket, bucket), bucket = $3,
         input = coalesce($4, input), cached_input = coalesce($5, cached_input),
         output = coalesce($6, output), reasoning = coalesce($7, reasoning),
         total = coalesce($8, total)
       WHERE id = $1`,
      [
        d.id,
        d.counted ? 1 : 0,
        d.bucket,
        d.amounts?.input ?? null,
        d.amounts?.cachedInput ?? null,
        d.amounts?.output ?? null,
        d.amounts?.reasoning ?? null,
        d.amounts?.total ?? null,
      ],
    );
  }

  writeSample(s: RateLimitSample, sourcePath: string): boolean {
    return (
      this.db.run(
        `INSERT INTO rate_limit_samples (provider, window_minutes, used_percent, resets_at, at, source_path)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (provider, window_minutes, at, resets_at) DO NOTHING`,
        [s.provider, s.windowMinutes, s.usedPercent, s.resetsAt ?? null, s.at, sourcePath],
      ).rowCount === 1
    );
  }

  writeSampleRows(rows: readonly { sample: RateLimitSample; sourcePath: string }[]): number {
    if (rows.length === 0) return 0;
    return this.db.run(
      `INSERT INTO rate_limit_samples (provider, window_minutes, used_percent, resets_at, at, source_path)
       SELECT p, w, u, r, a, f FROM unnest($1::text[], $2::int[], $3::float8[], $4::int8[], $5::int8[], $6::text[])
         WITH ORDINALITY AS s(p, w, u, r, a, f, n)
       ORDER BY n
       ON CONFLICT (provider, window_minutes, at, resets_at) DO NOTHING`,
      [
        rows.map((r) => r.sample.provider),
        rows.map((r) => r.sample.windowMinutes),
        rows.map((r) => r.sample.usedPercent),
        rows.map((r) => r.sample.resetsAt ?? null),
        rows.map((r) => r.sample.at),
        rows.map((r) => r.sourcePath),
      ],
    ).rowCount;
  }

  recordRun(startedAt: number, finishedAt: number, summary: IngestRunRecord): void {
    this.db.run(
      `INSERT INTO ingest_runs (started_at, finished_at, files_read, new_events, new_tokens, lines_skipped, summary)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        startedAt,
        finishedAt,
        summary.filesRead,
        summary.newEvents,
        summary.newTokens,
        summary.linesSkipped,
        JSON.stringify(summary),
      ],
    );
  }
}

/** A source row of knownSourcesOf, with its file and the query's ordering columns. */
type KnownRow = KnownSource & { f: number; g: number; same: boolean; li: number };

/** Each source once, in the order first met, without the query's ordering columns. */
function sourcesOnce(rows: KnownRow[]): KnownSource[] {
  const byId = new Map<number, KnownSource>();
  for (const { f: _f, g: _g, same: _s, li: _l, ...row } of rows)
    if (!byId.has(row.id)) byId.set(row.id, row);
  return [...byId.values()];
}

/** token_sources' columns and types, in sourceValues' order (`first_seen` is the source's now). */
const SOURCE_COLUMNS: [string, string][] = [
  ['machine', 'text'],
  ['lineage', 'text'],
  ['path', 'text'],
  ['dev', 'int8'],
  ['ino', 'int8'],
  ['head_hash', 'text'],
  ['head_len', 'int4'],
  ['size', 'int8'],
  ['"offset"', 'int8'],
  ['tail_hash', 'text'],
  ['encoding', 'text'],
  ['family', 'text'],
  ['state', 'text'],
  ['mtime_ms', 'float8'],
  ['first_seen', 'int8'],
];

function sourceValues(s: NewSource): unknown[] {
  return [
    s.machine,
    s.lineage,
    s.path,
    s.dev,
    s.ino,
    s.headHash,
    s.headLen,
    s.size,
    s.offset,
    s.tailHash,
    s.encoding,
    s.family ?? null,
    s.state,
    s.mtimeMs,
    s.now,
  ];
}

/** Events read from the file at a path (parameter $1, or $2): those of its sources. */
const OF_PATH = eventsOfPath('$1');
const OF_PATH2 = eventsOfPath('$2');

/** The PostgreSQL twin of session-tokens.ts: a dispatched session's accounting. */
export class PgSessionStore implements SessionLedger {
  constructor(private readonly db: PgDb) {}

  runKeysOf(sourcePath: string): string[] {
    return this.db
      .all<{ k: string }>(
        `SELECT DISTINCT run_key AS k FROM token_events WHERE ${OF_PATH} AND run_key IS NOT NULL`,
        [sourcePath],
      )
      .map((r) => r.k);
  }

  sourceId(path: string): number | undefined {
    return this.db.one<{ id: number }>(
      `SELECT id FROM token_sources WHERE path = $1 ORDER BY id DESC LIMIT 1`,
      [path],
    )?.id;
  }

  hasEvent(fingerprint: string, sourcePath: string): boolean {
    return (
      this.db.one(`SELECT 1 FROM token_events WHERE fingerprint = $1 AND ${OF_PATH2}`, [
        fingerprint,
        sourcePath,
      ]) !== undefined
    );
  }

  ownerOf(runKey: string): number | undefined {
    return this.db.one<{ id: number }>(
      `SELECT escalation_id AS id FROM escalation_runs WHERE run_key = $1`,
      [runKey],
    )?.id;
  }

  rekey(sourcePath: string, from: string, to: string): void {
    this.db.run(`UPDATE token_events SET run_key = $1 WHERE ${OF_PATH2} AND run_key = $3`, [
      to,
      sourcePath,
      from,
    ]);
  }

  ownRuns(escalationId: number, pr: { repo: string; number: number }, runKeys: readonly string[]) {
    if (runKeys.length === 0) return;
    this.db.transaction(() => {
      this.db.run(
        `INSERT INTO escalation_runs (run_key, escalation_id, repo, number)
         SELECT k, $2, $3, $4 FROM unnest($1::text[]) AS k ON CONFLICT (run_key) DO NOTHING`,
        [runKeys, escalationId, pr.repo, pr.number],
      );
      this.db.run(
        `UPDATE token_events SET escalation_id = r.escalation_id, repo = r.repo, pr = r.number
         FROM escalation_runs AS r
         WHERE r.run_key = ANY($1::text[]) AND token_events.run_key = r.run_key
           AND token_events.escalation_id IS DISTINCT FROM r.escalation_id`,
        [runKeys],
      );
    });
  }

  tokensOf(sourcePath: string): number | null {
    const row = this.db.one<{ n: number; tokens: number | null }>(
      `SELECT count(*) AS n, sum(total) AS tokens FROM token_events WHERE ${OF_PATH}`,
      [sourcePath],
    )!;
    return row.n === 0 ? null : (row.tokens ?? 0);
  }

  transaction<T>(fn: () => T): T {
    return tokenTransaction(this.db, fn);
  }
}
