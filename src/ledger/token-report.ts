import type { Db } from './open.js';

/** Aggregate queries for `radar report tokens`: SQLite sums, the caller groups by local time. */

export type Dimension =
  'bucket' | 'day' | 'week' | 'month' | 'agent' | 'model' | 'file' | 'repo' | 'pr';

export interface AggregateRow {
  /** The dimension's value, or for time dimensions the 15-minute slot (ms / 900000). */
  key: string | number | null;
  agent: string;
  model: string | null;
  tokens: number;
  events: number;
  input: number;
  cached: number;
  cacheCreation: number;
  output: number;
}

/** 15 minutes: every zone's UTC offset is a multiple of it, so slots never straddle a local day. */
export const SLOT_MS = 900_000;

const COLUMN: Record<Exclude<Dimension, 'day' | 'week' | 'month'>, string> = {
  bucket: 'bucket',
  agent: 'agent',
  model: 'model',
  file: 'source_path',
  repo: 'repo',
  pr: "CASE WHEN pr IS NULL THEN NULL ELSE coalesce(repo, '?') || '#' || pr END",
};

export function aggregateTokens(
  db: Db,
  by: Dimension,
  range: { since?: number; until?: number },
): AggregateRow[] {
  const key = by === 'day' || by === 'week' || by === 'month' ? `at / ${SLOT_MS}` : COLUMN[by];
  const where: string[] = [];
  const params: number[] = [];
  if (range.since !== undefined) {
    where.push('at >= ?');
    params.push(range.since);
  }
  if (range.until !== undefined) {
    where.push('at < ?');
    params.push(range.until);
  }
  const sql = `
    SELECT ${key} AS key, agent, model, sum(total) AS tokens, count(*) AS events,
      coalesce(sum(input), 0) AS input, coalesce(sum(cached_input), 0) AS cached,
      coalesce(sum(cache_creation), 0) AS cacheCreation, coalesce(sum(output), 0) AS output
    FROM token_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    GROUP BY 1, 2, 3`;
  return db.prepare(sql).all(...params) as AggregateRow[];
}
