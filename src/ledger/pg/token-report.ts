import type { AgentName } from '../../core/agents.js';
import type {
  AggregateRow,
  ColumnDimension,
  Group,
  Period,
  Range,
  Rates,
} from '../../core/token-report.js';
import { eventScopeParams, foldersJson } from '../dispatch-schema.js';
import type { AccountFolder } from '../../core/dispatch.js';
import type {
  AccountScope,
  EscalationModel,
  Estimated,
  PriceCache,
  RateLimitReading,
  ReportLedger,
  UsageLedger,
} from '../ports.js';
import {
  BASE_COLUMN,
  SLOT_MS,
  aligned,
  clipPeriods,
  periodPieces,
  rowCostSql,
} from '../token-report.js';
import type { PgDb } from './db.js';
import { pgEventAccount } from './dispatch-schema.js';

/**
 * The report, budget and price-cache queries on PostgreSQL (token-report.ts, usage-store.ts and
 * price-store.ts are their SQLite twins): the same roll-ups, the same signed period pieces, the
 * same answers. Sums come back as float8, as SQLite's total() gives them.
 */

const SUMS_BASE = `coalesce(sum(total), 0)::float8 AS tokens, count(*)::float8 AS events,
  coalesce(sum(input), 0)::float8 AS input, coalesce(sum(cached_input), 0)::float8 AS cached,
  coalesce(sum(cache_creation), 0)::float8 AS "cacheCreation", coalesce(sum(output), 0)::float8 AS output,
  coalesce(sum(CASE WHEN coalesce(input, 0) + coalesce(cached_input, 0) + coalesce(cache_creation, 0)
    + coalesce(output, 0) = 0 THEN total END), 0)::float8 AS unsplit`;
const SUMS_ROLLUP = `sum(tokens)::float8 AS tokens, sum(events)::float8 AS events,
  sum(input)::float8 AS input, sum(cached)::float8 AS cached,
  sum(cache_creation)::float8 AS "cacheCreation", sum(output)::float8 AS output,
  sum(unsplit)::float8 AS unsplit`;

type Level = 'slot' | 'hour' | 'day';
const LEVELS: Record<Level, { table: string; column: string }> = {
  slot: { table: 'token_rollup_time', column: 'slot' },
  hour: { table: 'token_rollup_hour', column: 'hour' },
  day: { table: 'token_rollup_day', column: 'day' },
};

/**
 * The signed rows each period is made of (token-report.ts periodRows): from the roll-ups when
 * every bound is a whole slot, else from the events. Periods go to the server as JSON arrays.
 */
function periodRows(
  periods: readonly Period[],
  range: Range,
  firstParam: number,
): { clipped: Period[]; rows: string; params: unknown[] } {
  const { clipped, exact } = clipPeriods(periods, range);
  if (!exact) {
    return {
      clipped,
      params: [JSON.stringify(clipped.map((p, i) => [i, p.start, p.end]))],
      rows: `SELECT (b.v ->> 0)::int AS i, 1 AS sign, e.agent AS agent, coalesce(e.model, '') AS model,
          ${SUMS_BASE.replace('"cacheCreation"', 'cachecreation')}
        FROM jsonb_array_elements($${firstParam}::jsonb) AS b(v)
        JOIN token_events e ON e.at >= (b.v ->> 1)::int8 AND e.at < (b.v ->> 2)::int8 AND e.counted = 1
        GROUP BY 1, 3, 4`,
    };
  }
  const pieces: Record<Level, [number, number, number, number][]> = { slot: [], hour: [], day: [] };
  clipped.forEach((p, i) => {
    for (const [level, sign, lo, hi] of periodPieces(p.start / SLOT_MS, p.end / SLOT_MS))
      pieces[level].push([i, sign, lo, hi]);
  });
  const levels = (Object.keys(pieces) as Level[]).filter((l) => pieces[l].length > 0);
  const params = levels.map((l) => JSON.stringify(pieces[l]));
  const branch = (level: Level, n: number) => {
    const { table, column } = LEVELS[level];
    return `SELECT (p.v ->> 0)::int AS i, (p.v ->> 1)::int AS sign, r.agent AS agent, r.model AS model,
        r.tokens AS tokens, r.events AS events, r.input AS input, r.cached AS cached,
        r.cache_creation AS cachecreation, r.output AS output, r.unsplit AS unsplit
      FROM jsonb_array_elements($${firstParam + n}::jsonb) AS p(v)
      JOIN ${table} r ON r.${column} >= (p.v ->> 2)::int8 AND r.${column} < (p.v ->> 3)::int8`;
  };
  return {
    clipped,
    params,
    rows: levels.map((level, n) => branch(level, n)).join(' UNION ALL '),
  };
}

export class PgReportStore implements ReportLedger {
  constructor(private readonly db: PgDb) {}

  eventSpan(): Promise<{ first: number; last: number } | undefined> {
    const row = this.db.one<{ first: number | null; last: number | null }>(
      `SELECT min(slot) AS first, max(slot) AS last FROM token_rollup_time`,
    );
    if (!row || row.first === null || row.last === null) return Promise.resolve(undefined);
    return Promise.resolve({ first: row.first * SLOT_MS, last: row.last * SLOT_MS + SLOT_MS - 1 });
  }

  models(): Promise<string[]> {
    const models = this.db
      .all<{ model: string }>(
        `SELECT DISTINCT model FROM token_rollup_bucket WHERE model <> '' AND events <> 0`,
      )
      .map((r) => r.model);
    return Promise.resolve(models.sort());
  }

  periodTotals(
    periods: readonly Period[],
    range: Range,
    rates: ReadonlyMap<string, Rates>,
  ): Promise<Group[]> {
    if (periods.length === 0) return Promise.resolve([]);
    const priced: unknown[] = [];
    const param = (v: unknown) => {
      priced.push(v);
      return `$${priced.length}`;
    };
    const cases = [...rates].map(([model, r]) => {
      const m = param(model);
      const sql = rowCostSql('x', {
        input: `${param(r.input)}::float8`,
        cacheRead: `${param(r.cacheRead)}::float8`,
        cacheWrite: `${param(r.cacheWrite)}::float8`,
        output: `${param(r.output)}::float8`,
      });
      return `WHEN ${m}::text THEN ${sql}`;
    });
    const cost = cases.length > 0 ? `CASE x.model ${cases.join(' ')} END` : 'NULL::float8';
    const { clipped, rows, params } = periodRows(periods, range, priced.length + 1);
    const sums = this.db.all<{
      i: number;
      tokens: number;
      events: number;
      cost: number;
      priced: number | null;
      unpriced: number;
    }>(
      `SELECT i, coalesce(sum(sign * tokens), 0)::float8 AS tokens,
         coalesce(sum(sign * events), 0)::float8 AS events,
         coalesce(sum(sign * cost), 0)::float8 AS cost,
         coalesce(sum(CASE WHEN cost IS NOT NULL THEN sign * (tokens - unsplit) END), 0)::float8 AS priced,
         coalesce(sum(sign * CASE WHEN cost IS NOT NULL THEN unsplit ELSE tokens END), 0)::float8 AS unpriced
       FROM (SELECT x.i AS i, x.sign AS sign, x.tokens AS tokens, x.events AS events,
               x.unsplit AS unsplit, ${cost} AS cost
             FROM (${rows}) x) y
       GROUP BY 1 HAVING sum(sign * events) > 0 ORDER BY 1`,
      [...priced, ...params],
    );
    return Promise.resolve(
      sums.map((s) => ({
        key: clipped[s.i]!.key,
        tokens: s.tokens,
        events: s.events,
        costUsd: s.priced! > 0 ? s.cost : undefined,
        unpricedTokens: s.unpriced,
      })),
    );
  }

  aggregateByColumn(by: ColumnDimension, range: Range): Promise<AggregateRow[]> {
    const unbounded = range.since === undefined && range.until === undefined;
    const key = by === 'model' ? `nullif(model, '')` : by;
    if (unbounded && (by === 'bucket' || by === 'agent' || by === 'model')) {
      return Promise.resolve(
        this.db.all<AggregateRow>(
          `SELECT ${key} AS key, agent, nullif(model, '') AS model, ${SUMS_ROLLUP}
           FROM token_rollup_bucket GROUP BY 1, 2, 3 HAVING sum(events) > 0`,
        ),
      );
    }
    if ((by === 'agent' || by === 'model') && aligned(range.since) && aligned(range.until)) {
      return Promise.resolve(
        this.db.all<AggregateRow>(
          `SELECT ${key} AS key, agent, nullif(model, '') AS model, ${SUMS_ROLLUP}
           FROM token_rollup_time WHERE slot >= $1 AND slot < $2 GROUP BY 1, 2, 3 HAVING sum(events) > 0`,
          [
            range.since === undefined ? Number.MIN_SAFE_INTEGER : range.since / SLOT_MS,
            range.until === undefined ? Number.MAX_SAFE_INTEGER : range.until / SLOT_MS,
          ],
        ),
      );
    }
    const where: string[] = ['counted = 1'];
    const params: number[] = [];
    if (range.since !== undefined) {
      params.push(range.since);
      where.push(`at >= $${params.length}`);
    }
    if (range.until !== undefined) {
      params.push(range.until);
      where.push(`at < $${params.length}`);
    }
    return Promise.resolve(
      this.db.all<AggregateRow>(
        `SELECT ${BASE_COLUMN[by]} AS key, agent, model, ${SUMS_BASE}
         FROM token_events WHERE ${where.join(' AND ')}
         GROUP BY 1, 2, 3`,
        params,
      ),
    );
  }

  aggregateByAccount(
    range: Range,
    folders: readonly AccountFolder[],
    agent?: string,
  ): Promise<AggregateRow[]> {
    return Promise.resolve(
      this.db.all<AggregateRow>(
        `SELECT ${pgEventAccount(1)} AS key, t.agent AS agent, t.model AS model,
           ${SUMS_BASE}
         FROM token_events t LEFT JOIN escalations e ON e.id = t.escalation_id
         WHERE t.counted = 1 AND t.at >= $2 AND t.at < $3 AND ($4::text IS NULL OR t.agent = $4)
         GROUP BY 1, 2, 3`,
        [
          foldersJson(folders),
          range.since ?? Number.MIN_SAFE_INTEGER,
          range.until ?? Number.MAX_SAFE_INTEGER,
          agent ?? null,
        ],
      ),
    );
  }

  escalationModels(ids: readonly number[]): Promise<EscalationModel[]> {
    return Promise.resolve(
      this.db.all<EscalationModel>(
        `SELECT t.escalation_id AS "escalationId", e.account AS account, t.agent AS agent,
           t.model AS model, coalesce(sum(t.total), 0)::float8 AS tokens, count(*)::int AS events
         FROM token_events t JOIN escalations e ON e.id = t.escalation_id
         WHERE t.counted = 1 AND t.escalation_id = ANY($1::bigint[])
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 5 DESC`,
        [ids],
      ),
    );
  }

  escalationByBucket(range: Range): Promise<AggregateRow[]> {
    return Promise.resolve(
      this.db.all<AggregateRow>(
        `SELECT bucket AS key, agent, model, ${SUMS_BASE} FROM token_events
         WHERE counted = 1 AND escalation_id IS NOT NULL AND at >= $1 AND at < $2
         GROUP BY 1, 2, 3`,
        [range.since ?? Number.MIN_SAFE_INTEGER, range.until ?? Number.MAX_SAFE_INTEGER],
      ),
    );
  }

  estimated(range: Range): Promise<(Estimated & { agent: string })[]> {
    return Promise.resolve(
      this.db.all<Estimated & { agent: string }>(
        `SELECT agent, coalesce(sum(reserved), 0)::float8 AS tokens, count(*)::int AS sessions
         FROM escalations
         WHERE tokens_estimated = 1 AND started_at >= $1 AND started_at < $2
         GROUP BY agent ORDER BY agent COLLATE "C"`,
        [range.since ?? Number.MIN_SAFE_INTEGER, range.until ?? Number.MAX_SAFE_INTEGER],
      ),
    );
  }
}

/**
 * The account whose folder holds `path` (dispatch-schema.ts folderAccount), the folders JSON
 * being parameter `$n`.
 */
const folderAccount = (path: string, agent: string, n: number) =>
  `(SELECT f.value ->> 1 FROM jsonb_array_elements($${n}::jsonb) f
    WHERE f.value ->> 2 = ${agent} AND left(${path}, length(f.value ->> 0)) = f.value ->> 0
    ORDER BY length(f.value ->> 0) DESC LIMIT 1)`;
/** EVENT_OF_ACCOUNT / SAMPLE_OF_ACCOUNT with eventScopeParams at $n…$n+3. */
const ofScope = (account: string, n: number) =>
  `(coalesce(${account}, CASE WHEN $${n + 1}::int = 1 THEN $${n + 2}::text END) = $${n + 3}::text)`;

/** The account condition of usage-store.ts (OF_ACCOUNT), with numbered parameters. */
const ofAccount = (first: string, name: string) =>
  `(CASE WHEN e.account IS NULL THEN ${first}::int = 1 ELSE e.account = ${name}::text END)`;

export class PgUsageStore implements UsageLedger {
  constructor(private readonly db: PgDb) {}

  latestRateLimit(
    provider: AgentName,
    windowMinutes: number,
    account?: AccountScope,
  ): Promise<RateLimitReading | undefined> {
    return Promise.resolve(
      this.db.one<RateLimitReading>(
        `SELECT used_percent AS "usedPercent", resets_at AS "resetsAt", at FROM rate_limit_samples t
         WHERE provider = $1 AND window_minutes = $2
           ${account ? `AND ${ofScope(folderAccount('t.source_path', 't.provider', 3), 3)}` : ''}
         ORDER BY at DESC, id DESC LIMIT 1`,
        account
          ? [provider, windowMinutes, ...eventScopeParams(account)]
          : [provider, windowMinutes],
      ),
    );
  }

  countedTokens(
    agent: AgentName,
    since: number,
    until: number,
    account?: AccountScope,
  ): Promise<number> {
    const row = account
      ? this.db.one<{ tokens: number }>(
          `SELECT coalesce(sum(t.total), 0)::float8 AS tokens FROM token_events t
           LEFT JOIN escalations e ON e.id = t.escalation_id
           WHERE t.agent = $1 AND t.at >= $2 AND t.at < $3 AND t.counted = 1
             AND ${ofScope(pgEventAccount(4), 4)}`,
          [agent, since, until, ...eventScopeParams(account)],
        )
      : this.db.one<{ tokens: number }>(
          `SELECT coalesce(sum(total), 0)::float8 AS tokens FROM token_events
           WHERE agent = $1 AND at >= $2 AND at < $3 AND counted = 1`,
          [agent, since, until],
        );
    return Promise.resolve(row!.tokens);
  }

  estimatedTokens(
    agent: AgentName,
    since: number,
    until: number,
    account?: AccountScope,
  ): Promise<Estimated> {
    const row = this.db.one<Estimated>(
      `SELECT coalesce(sum(reserved), 0)::float8 AS tokens, count(*)::int AS sessions FROM escalations e
       WHERE agent = $1 AND tokens_estimated = 1 AND started_at >= $2 AND started_at < $3
         AND ($4::int = 0 OR ${ofAccount('$5', '$6')})`,
      [agent, since, until, account ? 1 : 0, account?.first ? 1 : 0, account?.name ?? null],
    )!;
    return Promise.resolve(row);
  }
}

export class PgPriceStore implements PriceCache {
  constructor(private readonly db: PgDb) {}

  cachedRates(
    models: readonly string[],
    tableVersion: string,
  ): Promise<Map<string, Rates | undefined>> {
    const rows = this.db.all<{
      model: string;
      input: number | null;
      cacheRead: number;
      cacheWrite: number;
      output: number;
    }>(
      `SELECT model, input, cache_read AS "cacheRead", cache_write AS "cacheWrite", output
       FROM price_cache WHERE model = ANY($1::text[]) AND table_version = $2`,
      [models, tableVersion],
    );
    const found = new Map(rows.map((r) => [r.model, r]));
    const out = new Map<string, Rates | undefined>();
    for (const model of models) {
      const row = found.get(model);
      if (!row) continue;
      const { model: _m, ...rates } = row;
      out.set(model, row.input === null ? undefined : { ...rates, input: row.input });
    }
    return Promise.resolve(out);
  }

  cacheRates(rates: ReadonlyMap<string, Rates | undefined>, tableVersion: string): Promise<void> {
    if (rates.size === 0) return Promise.resolve();
    const list = [...rates];
    this.db.run(
      `INSERT INTO price_cache (model, table_version, input, cache_read, cache_write, output)
       SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[])
       ON CONFLICT (model) DO UPDATE SET table_version = excluded.table_version,
         input = excluded.input, cache_read = excluded.cache_read,
         cache_write = excluded.cache_write, output = excluded.output`,
      [
        list.map(([m]) => m),
        list.map(() => tableVersion),
        list.map(([, r]) => r?.input ?? null),
        list.map(([, r]) => r?.cacheRead ?? null),
        list.map(([, r]) => r?.cacheWrite ?? null),
        list.map(([, r]) => r?.output ?? null),
      ],
    );
    return Promise.resolve();
  }
}
