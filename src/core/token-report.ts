/** What `radar report tokens` asks and answers: dimensions, aggregate rows, rates, reports. */

export type Dimension =
  | 'bucket'
  | 'day'
  | 'week'
  | 'month'
  | 'agent'
  | 'account'
  | 'model'
  | 'file'
  | 'repo'
  | 'pr'
  | 'machine';

/** The dimensions a ledger sums by one column of the events (not time, not account). */
export type ColumnDimension = Exclude<Dimension, 'day' | 'week' | 'month' | 'account'>;

export const TIME_DIMENSIONS: ReadonlySet<Dimension> = new Set(['day', 'week', 'month']);

/** The sums of one group of events (one key, agent and model), as the ledger returns them. */
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
  /** Tokens of events whose split is unknown (text markers): never priced. */
  unsplit: number;
}

/** One period of a time report: [start, end) in ms. */
export interface Period {
  key: string;
  start: number;
  end: number;
}

/** Bounds of a report in ms: [since, until). */
export interface Range {
  since?: number;
  until?: number;
}

/** USD per token, by kind, for one model. */
export interface Rates {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

/** A model's rates, or undefined when the model has no known price. */
export type PriceLookup = (model: string) => Rates | undefined;

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
