import type {
  AggregateRow,
  Dimension,
  Group,
  PriceLookup,
  Rates,
  TokenReport,
} from '../core/token-report.js';
import { byCodePoint } from '../render/order.js';

/** Pure grouping of ledger aggregates into report rows (time dimensions in the user's zone). */

export function groupKey(row: Pick<AggregateRow, 'key'>): string {
  return row.key === null || row.key === '' ? '(none)' : String(row.key);
}

/**
 * Cost of a row: Codex input includes cached input; Claude input excludes both cache kinds. The
 * ledger prices reports of many periods with the same formula in SQL (`rowCostSql`); a test
 * checks both give the same costs.
 */
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

export function buildReport(
  rows: readonly AggregateRow[],
  by: Dimension,
  options: { prices?: PriceLookup },
): TokenReport {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const key = groupKey(row);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, tokens: 0, events: 0, unpricedTokens: 0 }));
    g.tokens += row.tokens;
    g.events += row.events;
    if (!options.prices) continue;
    // Event by event: a priced model's split tokens have a cost; tokens without a split
    // (text markers) and every token of a model without a price are unpriced.
    const rates = row.model ? options.prices(row.model) : undefined;
    g.unpricedTokens += rates ? row.unsplit : row.tokens;
    if (rates && row.tokens - row.unsplit > 0) g.costUsd = (g.costUsd ?? 0) + rowCost(row, rates);
  }
  return reportFromTotals([...groups.values()], by);
}

/** The report of groups already summed and priced (buildReport's, or periodTotals'). */
export function reportFromTotals(totals: readonly Group[], by: Dimension): TokenReport {
  const total = {
    tokens: 0,
    events: 0,
    costUsd: undefined as number | undefined,
    unpricedTokens: 0,
  };
  for (const g of totals) {
    total.tokens += g.tokens;
    total.events += g.events;
    total.unpricedTokens += g.unpricedTokens;
    if (g.costUsd !== undefined) total.costUsd = (total.costUsd ?? 0) + g.costUsd;
  }
  return { by, total, groups: sortGroups(totals.map((g) => ({ ...g, key: groupKey(g) }))) };
}

/** Largest first; ties by key, in code point order. */
function sortGroups(groups: Iterable<Group>): Group[] {
  return [...groups].sort((a, b) => b.tokens - a.tokens || byCodePoint(a.key, b.key));
}
