import type { Db } from './open.js';
import type {
  AggregateRow,
  ColumnDimension,
  Group,
  Period,
  Range,
  Rates,
} from '../core/token-report.js';
import type { AccountFolder } from '../core/dispatch.js';
import type { EscalationModel, Estimated, ReportLedger } from './ports.js';
import { EVENT_ACCOUNT, foldersJson } from './dispatch-schema.js';
import { eventPath } from './token-schema.js';

/**
 * Aggregate queries for `radar report tokens`. Time periods arrive as explicit bounds (local
 * days/weeks/months computed by the caller), so grouping stays correct across DST in any zone.
 * Reads come from the trigger-kept roll-ups whenever they answer the question exactly.
 */

export const SLOT_MS = 900_000;

/** Each column dimension as a column of token_events (both engines' SQL). */
export const BASE_COLUMN: Record<ColumnDimension, string> = {
  bucket: 'bucket',
  agent: 'agent',
  model: 'model',
  // The file of the event's source, as it is named now.
  file: eventPath('token_events'),
  repo: 'repo',
  pr: "CASE WHEN pr IS NULL THEN NULL ELSE coalesce(repo, '?') || '#' || pr END",
  // The machine of the event's source, by the name it last reported.
  machine: `(SELECT coalesce(m.name, s.machine) FROM token_sources s
    LEFT JOIN machines m ON m.id = s.machine WHERE s.id = token_events.source_id)`,
};

// total() sums in floating point: a ledger holding absurd counts (written before they were
// refused) still reports instead of failing with "integer overflow".
const SUMS_BASE = `total(total) AS tokens, count(*) AS events, total(input) AS input,
  total(cached_input) AS cached, total(cache_creation) AS cacheCreation, total(output) AS output,
  total(CASE WHEN coalesce(input, 0) + coalesce(cached_input, 0) + coalesce(cache_creation, 0)
    + coalesce(output, 0) = 0 THEN total END) AS unsplit`;
const SUMS_ROLLUP = `total(tokens) AS tokens, total(events) AS events, total(input) AS input,
  total(cached) AS cached, total(cache_creation) AS cacheCreation, total(output) AS output,
  total(unsplit) AS unsplit`;

/**
 * The cost of a row (tokens/report.ts rowCost) as a SQL expression, over a row alias with the
 * AggregateRow columns (agent, input, cached, cacheCreation, output) and SQL expressions for the
 * rates: reports of many periods price inside SQLite. A test checks both give the same costs.
 */
export function rowCostSql(row: string, rates: Record<keyof Rates, string>): string {
  return `CASE WHEN ${row}.agent = 'claude'
    THEN ${row}.input * ${rates.input} + ${row}.cached * ${rates.cacheRead}
      + ${row}.cacheCreation * ${rates.cacheWrite} + ${row}.output * ${rates.output}
    ELSE (${row}.input - ${row}.cached) * ${rates.input} + ${row}.cached * ${rates.cacheRead}
      + ${row}.output * ${rates.output} END`;
}

export const aligned = (t: number | undefined) => t === undefined || t % SLOT_MS === 0;

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

/** Every model the ledger has counted tokens for (from the bucket roll-up: a few rows). */
export function ledgerModels(db: Db): string[] {
  return (
    db
      .prepare(`SELECT DISTINCT model FROM token_rollup_bucket WHERE model <> '' AND events <> 0`)
      .pluck()
      .all() as string[]
  ).sort();
}

/**
 * The periods cut to the range (empty ones dropped), and whether every bound is a whole slot
 * (then the roll-ups answer exactly).
 */
export function clipPeriods(
  periods: readonly Period[],
  range: Range,
): { clipped: Period[]; exact: boolean } {
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
  return { clipped, exact };
}

/**
 * The rows each period is made of, for one SQL query: (period index, sign, agent, model, tokens,
 * events, input, cached, cache_creation, output, unsplit), a period's sums being the signed sums
 * of its rows. From the roll-ups whenever the periods are whole 15-minute slots (each period as
 * whole UTC days, plus or minus the hours and slots between each boundary and its nearest UTC
 * midnight: a local day is 2 to 24 hour rows away from UTC days), else from the events. Periods
 * go to SQLite as JSON, by their index in `clipped`.
 */
function periodRows(
  periods: readonly Period[],
  range: Range,
): { clipped: Period[]; rows: string; params: Record<string, string> } {
  const { clipped, exact } = clipPeriods(periods, range);
  if (!exact) {
    return {
      clipped,
      params: { bounds: JSON.stringify(clipped.map((p, i) => [i, p.start, p.end])) },
      rows: `WITH b(i, lo, hi) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(@bounds))
        SELECT b.i AS i, 1 AS sign, e.agent AS agent, coalesce(e.model, '') AS model, ${SUMS_BASE}
        FROM b CROSS JOIN token_events e ON e.at >= b.lo AND e.at < b.hi AND e.counted = 1
        GROUP BY 1, 3, 4`,
    };
  }
  const pieces: Record<Level, [number, number, number, number][]> = { slot: [], hour: [], day: [] };
  clipped.forEach((p, i) => {
    for (const [level, sign, lo, hi] of periodPieces(p.start / SLOT_MS, p.end / SLOT_MS))
      pieces[level].push([i, sign, lo, hi]);
  });
  const levels = (Object.keys(pieces) as Level[]).filter((l) => pieces[l].length > 0);
  // Materialised once, so each roll-up row joined to a piece reads it from a table, not JSON.
  const ctes = levels.map(
    (level) =>
      `${level}_pieces(i, sign, lo, hi) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(@${level}))`,
  );
  const branch = (level: Level) => {
    const { table, column } = LEVELS[level];
    return `SELECT p.i AS i, p.sign AS sign, r.agent AS agent, r.model AS model, r.tokens AS tokens,
        r.events AS events, r.input AS input, r.cached AS cached, r.cache_creation AS cacheCreation,
        r.output AS output, r.unsplit AS unsplit
      FROM ${level}_pieces p CROSS JOIN ${table} r ON r.${column} >= p.lo AND r.${column} < p.hi`;
  };
  const params: Record<string, string> = {};
  for (const level of levels) params[level] = JSON.stringify(pieces[level]);
  return {
    clipped,
    params,
    rows: `WITH ${ctes.join(', ')} ${levels.map(branch).join(' UNION ALL ')}`,
  };
}

/** Sums per period, agent and model: `periods` must be sorted and disjoint. */
export function aggregateByPeriod(
  db: Db,
  periods: readonly Period[],
  range: Range,
): AggregateRow[] {
  if (periods.length === 0) return [];
  const { clipped, rows, params } = periodRows(periods, range);
  const sums = db
    .prepare(
      `SELECT i, agent, model, total(sign * tokens), total(sign * events), total(sign * input),
         total(sign * cached), total(sign * cacheCreation), total(sign * output),
         total(sign * unsplit)
       FROM (${rows}) GROUP BY 1, 2, 3 HAVING total(sign * events) > 0`,
    )
    .raw()
    .all(params) as unknown[][];
  return sums.map(
    ([i, agent, model, tokens, events, input, cached, cacheCreation, output, unsplit]) => ({
      key: clipped[i as number]!.key,
      agent: agent as string,
      model: (model as string) || null,
      tokens: tokens as number,
      events: events as number,
      input: input as number,
      cached: cached as number,
      cacheCreation: cacheCreation as number,
      output: output as number,
      unsplit: unsplit as number,
    }),
  );
}

/** A period's sums with its cost, as a report shows it. */
export type PeriodTotal = Group;

/**
 * Each period summed and priced inside SQLite, as buildReport prices the same events (rowCostSql;
 * every sum is linear, so the signed rows of a period are priced one by one): a year by day
 * returns a few hundred rows, however many models the ledger has.
 */
export function periodTotals(
  db: Db,
  periods: readonly Period[],
  range: Range,
  rates: ReadonlyMap<string, Rates>,
): PeriodTotal[] {
  if (periods.length === 0) return [];
  const { clipped, rows, params } = periodRows(periods, range);
  // The rates as a CASE over the row's model, bound as parameters: a join to a table of rates
  // would scan it for every row (SQLite indexes no table this small).
  const priced: Record<string, string | number> = {};
  const cases = [...rates].map(([model, r], n) => {
    priced[`m${n}`] = model;
    Object.assign(priced, {
      [`in${n}`]: r.input,
      [`cr${n}`]: r.cacheRead,
      [`cw${n}`]: r.cacheWrite,
      [`out${n}`]: r.output,
    });
    return `WHEN @m${n} THEN ${rowCostSql('x', { input: `@in${n}`, cacheRead: `@cr${n}`, cacheWrite: `@cw${n}`, output: `@out${n}` })}`;
  });
  // Each row's cost once (null for a model without a price); its tokens are priced or not.
  const cost = cases.length > 0 ? `CASE x.model ${cases.join(' ')} END` : 'NULL';
  const sums = db
    .prepare(
      `SELECT i, total(sign * tokens), total(sign * events), total(sign * cost),
         total(CASE WHEN cost IS NOT NULL THEN sign * (tokens - unsplit) END),
         total(sign * CASE WHEN cost IS NOT NULL THEN unsplit ELSE tokens END)
       FROM (SELECT x.i AS i, x.sign AS sign, x.tokens AS tokens, x.events AS events,
               x.unsplit AS unsplit, ${cost} AS cost
             FROM (${rows}) x LIMIT -1)
       GROUP BY 1 HAVING total(sign * events) > 0`,
    )
    .raw()
    .all({ ...params, ...priced }) as number[][];
  return sums.map(([i, tokens, events, cost, pricedTokens, unpriced]) => ({
    key: clipped[i!]!.key,
    tokens: tokens!,
    events: events!,
    costUsd: pricedTokens! > 0 ? cost! : undefined,
    unpricedTokens: unpriced!,
  }));
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
export function aggregateByColumn(db: Db, by: ColumnDimension, range: Range): AggregateRow[] {
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

/** The report queries as a port: each answered from the roll-ups where they are exact. */
export class ReportStore implements ReportLedger {
  constructor(private readonly db: Db) {}

  eventSpan(): Promise<{ first: number; last: number } | undefined> {
    return Promise.resolve(eventSpan(this.db));
  }

  models(): Promise<string[]> {
    return Promise.resolve(ledgerModels(this.db));
  }

  periodTotals(
    periods: readonly Period[],
    range: Range,
    rates: ReadonlyMap<string, Rates>,
  ): Promise<Group[]> {
    return Promise.resolve(periodTotals(this.db, periods, range, rates));
  }

  aggregateByColumn(by: ColumnDimension, range: Range): Promise<AggregateRow[]> {
    return Promise.resolve(aggregateByColumn(this.db, by, range));
  }

  escalationByBucket(range: Range): Promise<AggregateRow[]> {
    const rows = this.db
      .prepare(
        `SELECT bucket AS key, agent, model, ${SUMS_BASE} FROM token_events
         WHERE counted = 1 AND escalation_id IS NOT NULL AND at >= ? AND at < ?
         GROUP BY 1, 2, 3`,
      )
      .all(
        range.since ?? Number.MIN_SAFE_INTEGER,
        range.until ?? Number.MAX_SAFE_INTEGER,
      ) as AggregateRow[];
    return Promise.resolve(rows);
  }

  aggregateByAccount(
    range: Range,
    folders: readonly AccountFolder[],
    agent?: string,
  ): Promise<AggregateRow[]> {
    const rows = this.db
      .prepare(
        `SELECT ${EVENT_ACCOUNT} AS key, t.agent AS agent, t.model AS model,
           ${SUMS_BASE}
         FROM token_events t LEFT JOIN escalations e ON e.id = t.escalation_id
         WHERE t.counted = 1 AND t.at >= ? AND t.at < ? AND (? IS NULL OR t.agent = ?)
         GROUP BY 1, 2, 3`,
      )
      .all(
        foldersJson(folders),
        range.since ?? Number.MIN_SAFE_INTEGER,
        range.until ?? Number.MAX_SAFE_INTEGER,
        agent ?? null,
        agent ?? null,
      ) as AggregateRow[];
    return Promise.resolve(rows);
  }

  escalationModels(ids: readonly number[]): Promise<EscalationModel[]> {
    const rows = this.db
      .prepare(
        `SELECT t.escalation_id AS escalationId, e.account AS account, t.agent AS agent,
           t.model AS model, total(t.total) AS tokens, count(*) AS events
         FROM token_events t JOIN escalations e ON e.id = t.escalation_id
         WHERE t.counted = 1 AND t.escalation_id IN (SELECT value FROM json_each(?))
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 5 DESC`,
      )
      .all(JSON.stringify(ids)) as EscalationModel[];
    return Promise.resolve(rows);
  }

  estimated(range: Range): Promise<(Estimated & { agent: string })[]> {
    const rows = this.db
      .prepare(
        `SELECT agent, total(reserved) AS tokens, count(*) AS sessions FROM escalations
         WHERE tokens_estimated = 1 AND started_at >= ? AND started_at < ?
         GROUP BY agent ORDER BY agent`,
      )
      .all(
        range.since ?? Number.MIN_SAFE_INTEGER,
        range.until ?? Number.MAX_SAFE_INTEGER,
      ) as (Estimated & { agent: string })[];
    return Promise.resolve(rows);
  }
}
