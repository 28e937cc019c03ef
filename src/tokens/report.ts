import type { AggregateRow, Dimension } from '../ledger/token-report.js';
import { byCodePoint } from '../render/order.js';

/** Pure grouping of ledger aggregates into report rows (time dimensions in the user's zone). */

export interface Group {
  key: string;
  tokens: number;
  events: number;
  /** Estimated API-equivalent cost in USD of the priced part; undefined when nothing is priced. */
  costUsd?: number;
  /** Tokens of models without a known price (not in costUsd). */
  unpricedTokens: number;
}

export interface TokenReport {
  by: Dimension;
  total: { tokens: number; events: number; costUsd?: number; unpricedTokens: number };
  groups: Group[];
}

/** USD per token, by kind, for one model; undefined when the model has no known price. */
export interface Rates {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

export type PriceLookup = (model: string) => Rates | undefined;

export function groupKey(row: AggregateRow): string {
  return row.key === null || row.key === '' ? '(none)' : String(row.key);
}

/** Cost of a row: Codex input includes cached input; Claude input excludes both cache kinds. */
export function rowCost(row: AggregateRow, rates: Rates): number {
  if (row.agent === 'claude') {
    return (
      row.input * rates.input +
      row.cached * rates.cacheRead +
      row.cacheCreation * rates.cacheWrite +
      row.output * rates.output
    );
  }
  return (
    (row.input - row.cached) * rates.input +
    row.cached * rates.cacheRead +
    row.output * rates.output
  );
}

/** Rows whose token split is unknown (text markers give only a total) cannot be priced. */
function priceable(row: AggregateRow): boolean {
  return row.input + row.cached + row.cacheCreation + row.output > 0;
}

export function buildReport(
  rows: readonly AggregateRow[],
  by: Dimension,
  options: { prices?: PriceLookup },
): TokenReport {
  const groups = new Map<string, Group>();
  const total = {
    tokens: 0,
    events: 0,
    costUsd: undefined as number | undefined,
    unpricedTokens: 0,
  };
  for (const row of rows) {
    const key = groupKey(row);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, tokens: 0, events: 0, unpricedTokens: 0 }));
    g.tokens += row.tokens;
    g.events += row.events;
    total.tokens += row.tokens;
    total.events += row.events;
    if (!options.prices) continue;
    const rates = row.model && priceable(row) ? options.prices(row.model) : undefined;
    if (rates) {
      const cost = rowCost(row, rates);
      g.costUsd = (g.costUsd ?? 0) + cost;
      total.costUsd = (total.costUsd ?? 0) + cost;
    } else {
      g.unpricedTokens += row.tokens;
      total.unpricedTokens += row.tokens;
    }
  }
  const sorted = [...groups.values()].sort(
    (a, b) => b.tokens - a.tokens || byCodePoint(a.key, b.key),
  );
  return { by, total, groups: sorted };
}
