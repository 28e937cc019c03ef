import type { Db } from './open.js';

/**
 * Aggregate queries for `radar report tokens`. Time periods arrive as explicit bounds (local
 * days/weeks/months computed by the caller), so grouping stays correct across DST in any zone.
 * Reads come from the trigger-kept roll-ups whenever they answer the question exactly.
 */

export type Dimension =
  'bucket' | 'day' | 'week' | 'month' | 'agent' | 'model' | 'file' | 'repo' | 'pr';

export interface AggregateRow {
  key: string | null;
  agent: string;
  model: string | null;
  tokens: number;
  events: number;
  input: number;
  cached: number;
  cacheCreation: number;
  output: number;
}

/** One period of a time report: [start, end) in ms. */
export interface Period {
  key: string;
  start: number;
  end: number;
}

export const SLOT_MS = 900_000;
export const TIME_DIMENSIONS: ReadonlySet<Dimension> = new Set(['day', 'week', 'month']);

const BASE_COLUMN: Record<Exclude<Dimension, 'day' | 'week' | 'month'>, string> = {
  bucket: 'bucket',
  agent: 'agent',
  model: 'model',
  file: 'source_path',
  repo: 'repo',
  pr: "CASE WHEN pr IS NULL THEN NULL ELSE coalesce(repo, '?') || '#' || pr END",
};

// total() sums in floating point: a ledger holding absurd counts (written before they were
// refused) still reports instead of failing with "integer overflow".
const SUMS_BASE = `total(total) AS tokens, count(*) AS events, total(input) AS input,
  total(cached_input) AS cached, total(cache_creation) AS cacheCreation, total(output) AS output`;
const SUMS_ROLLUP = `total(tokens) AS tokens, total(events) AS events, total(input) AS input,
  total(cached) AS cached, total(cache_creation) AS cacheCreation, total(output) AS output`;

export interface Range {
  since?: number;
  until?: number;
}

const aligned = (t: number | undefined) => t === undefined || t % SLOT_MS === 0;

/** The first and last event instants (for building periods), or undefined when empty. */
export function eventSpan(db: Db): { first: number; last: number } | undefined {
  const row = db
    .prepare(
      `SELECT (SELECT slot FROM token_rollup_time ORDER BY slot LIMIT 1) AS first,
              (SELECT slot FROM token_rollup_time ORDER BY slot DESC LIMIT 1) AS last`,
    )
    .get() as { first: number | null; last: number | null };
  if (row.first === null || row.last === null) return undefined;
  return { first: row.first * SLOT_MS, last: row.last * SLOT_MS + SLOT_MS - 1 };
}

/** Sums per period: `periods` must be sorted and disjoint. */
export function aggregateByPeriod(
  db: Db,
  periods: readonly Period[],
  range: Range,
): AggregateRow[] {
  if (periods.length === 0) return [];
  const clipped = periods
    .map((p) => ({
      key: p.key,
      start: Math.max(p.start, range.since ?? -Infinity),
      end: Math.min(p.end, range.until ?? Infinity),
    }))
    .filter((p) => p.start < p.end);
  const json = JSON.stringify(clipped.map((p) => [p.key, p.start, p.end]));
  const bounds = `b(key, lo, hi) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?))`;
  const exact =
    aligned(range.since) &&
    aligned(range.until) &&
    periods.every((p) => aligned(p.start) && aligned(p.end));
  const sql = exact
    ? `WITH ${bounds}
       SELECT b.key AS key, r.agent AS agent, nullif(r.model, '') AS model, ${SUMS_ROLLUP}
       FROM b CROSS JOIN token_rollup_time r ON r.slot >= b.lo / ${SLOT_MS} AND r.slot < b.hi / ${SLOT_MS}
       GROUP BY 1, 2, 3 HAVING sum(events) > 0`
    : `WITH ${bounds}
       SELECT b.key AS key, e.agent AS agent, e.model AS model, ${SUMS_BASE}
       FROM b CROSS JOIN token_events e ON e.at >= b.lo AND e.at < b.hi AND e.counted = 1
       GROUP BY 1, 2, 3`;
  return db.prepare(sql).all(json) as AggregateRow[];
}

/** Sums per value of a non-time dimension. */
export function aggregateByColumn(
  db: Db,
  by: Exclude<Dimension, 'day' | 'week' | 'month'>,
  range: Range,
): AggregateRow[] {
  const unbounded = range.since === undefined && range.until === undefined;
  if (unbounded && (by === 'bucket' || by === 'agent' || by === 'model')) {
    const key = by === 'model' ? `nullif(model, '')` : by;
    return db
      .prepare(
        `SELECT ${key} AS key, agent, nullif(model, '') AS model, ${SUMS_ROLLUP}
         FROM token_rollup_bucket GROUP BY 1, 2, 3 HAVING sum(events) > 0`,
      )
      .all() as AggregateRow[];
  }
  if ((by === 'agent' || by === 'model') && aligned(range.since) && aligned(range.until)) {
    const key = by === 'model' ? `nullif(model, '')` : by;
    return db
      .prepare(
        `SELECT ${key} AS key, agent, nullif(model, '') AS model, ${SUMS_ROLLUP}
         FROM token_rollup_time WHERE slot >= ? AND slot < ? GROUP BY 1, 2, 3 HAVING sum(events) > 0`,
      )
      .all(
        range.since === undefined ? Number.MIN_SAFE_INTEGER : range.since / SLOT_MS,
        range.until === undefined ? Number.MAX_SAFE_INTEGER : range.until / SLOT_MS,
      ) as AggregateRow[];
  }
  // Markers of a run already counted from another source stay in the ledger, uncounted.
  const where: string[] = ['counted = 1'];
  const params: number[] = [];
  if (range.since !== undefined) {
    where.push('at >= ?');
    params.push(range.since);
  }
  if (range.until !== undefined) {
    where.push('at < ?');
    params.push(range.until);
  }
  return db
    .prepare(
      `SELECT ${BASE_COLUMN[by]} AS key, agent, model, ${SUMS_BASE}
       FROM token_events WHERE ${where.join(' AND ')}
       GROUP BY 1, 2, 3`,
    )
    .all(...params) as AggregateRow[];
}
