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
  const exact =
    aligned(range.since) &&
    aligned(range.until) &&
    periods.every((p) => aligned(p.start) && aligned(p.end));
  if (!exact) {
    const json = JSON.stringify(clipped.map((p) => [p.key, p.start, p.end]));
    const bounds = `b(key, lo, hi) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?))`;
    return db
      .prepare(
        `WITH ${bounds}
         SELECT b.key AS key, e.agent AS agent, e.model AS model, ${SUMS_BASE}
         FROM b CROSS JOIN token_events e ON e.at >= b.lo AND e.at < b.hi AND e.counted = 1
         GROUP BY 1, 2, 3`,
      )
      .all(json) as AggregateRow[];
  }
  // Each period from the roll-ups, as signed pieces: whole UTC days, plus or minus the hours and
  // slots between each boundary and its nearest UTC midnight (a local day is 2 to 24 hour rows
  // away from UTC days: at most 12 hours on each side).
  const pieces: Record<Level, [string, number, number, number][]> = { slot: [], hour: [], day: [] };
  for (const p of clipped) {
    for (const [level, sign, lo, hi] of periodPieces(p.start / SLOT_MS, p.end / SLOT_MS))
      pieces[level].push([p.key, sign, lo, hi]);
  }
  const branch = (level: Level) => {
    const { table, column } = LEVELS[level];
    return `SELECT p.key AS key, p.sign AS sign, r.agent AS agent, r.model AS model, r.tokens AS tokens,
        r.events AS events, r.input AS input, r.cached AS cached, r.cache_creation AS cache_creation,
        r.output AS output
      FROM (SELECT json_extract(value, '$[0]') AS key, json_extract(value, '$[1]') AS sign,
              json_extract(value, '$[2]') AS lo, json_extract(value, '$[3]') AS hi
            FROM json_each(?)) p
      CROSS JOIN ${table} r ON r.${column} >= p.lo AND r.${column} < p.hi`;
  };
  const levels = (Object.keys(pieces) as Level[]).filter((l) => pieces[l].length > 0);
  return db
    .prepare(
      `SELECT key, agent, nullif(model, '') AS model, total(sign * tokens) AS tokens,
         total(sign * events) AS events, total(sign * input) AS input, total(sign * cached) AS cached,
         total(sign * cache_creation) AS cacheCreation, total(sign * output) AS output
       FROM (${levels.map(branch).join(' UNION ALL ')})
       GROUP BY 1, 2, 3 HAVING total(sign * events) > 0`,
    )
    .all(...levels.map((l) => JSON.stringify(pieces[l]))) as AggregateRow[];
}

type Level = 'slot' | 'hour' | 'day';
const LEVELS: Record<Level, { table: string; column: string; slots: number }> = {
  slot: { table: 'token_rollup_time', column: 'slot', slots: 1 },
  hour: { table: 'token_rollup_hour', column: 'hour', slots: 4 },
  day: { table: 'token_rollup_day', column: 'day', slots: 96 },
};
const DAY_SLOTS = 96;
const HOUR_SLOTS = 4;

/**
 * The slots [lo, hi) as signed ranges of roll-up rows (in each level's own units): the whole UTC
 * days between the midnights nearest to lo and hi, plus [lo, m) when lo is before its midnight
 * m (minus [m, lo) when after), minus [hi, m') when hi is before its midnight m' (plus [m', hi)).
 * Each partial range within a day is whole hours and at most three slots at either end.
 */
export function periodPieces(lo: number, hi: number): [Level, 1 | -1, number, number][] {
  const out: [Level, 1 | -1, number, number][] = [];
  const mLo = Math.round(lo / DAY_SLOTS) * DAY_SLOTS;
  const mHi = Math.round(hi / DAY_SLOTS) * DAY_SLOTS;
  if (mHi > mLo) out.push(['day', 1, mLo / DAY_SLOTS, mHi / DAY_SLOTS]);
  const partial = (a: number, b: number, sign: 1 | -1) => {
    if (a === b) return;
    if (a > b) return partial(b, a, sign === 1 ? -1 : 1);
    const h0 = Math.ceil(a / HOUR_SLOTS) * HOUR_SLOTS;
    const h1 = Math.floor(b / HOUR_SLOTS) * HOUR_SLOTS;
    if (h0 >= h1) {
      out.push(['slot', sign, a, b]);
      return;
    }
    if (a < h0) out.push(['slot', sign, a, h0]);
    out.push(['hour', sign, h0 / HOUR_SLOTS, h1 / HOUR_SLOTS]);
    if (h1 < b) out.push(['slot', sign, h1, b]);
  };
  if (mLo === mHi) {
    partial(lo, hi, 1); // within one day: no day rows to correct
    return out;
  }
  partial(lo, mLo, 1); // [lo, mLo) belongs to the period
  partial(hi, mHi, -1); // [hi, mHi) does not
  return out;
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
