import type { AgentName } from '../core/agents.js';
import type { Db } from './open.js';
import type { Estimated, RateLimitReading, UsageLedger } from './ports.js';

/** The SQLite side of the budget: rate-limit samples and counted tokens. */
export class UsageStore implements UsageLedger {
  constructor(private readonly db: Db) {}

  latestRateLimit(
    provider: AgentName,
    windowMinutes: number,
  ): Promise<RateLimitReading | undefined> {
    const row = this.db
      .prepare(
        `SELECT used_percent AS usedPercent, resets_at AS resetsAt, at FROM rate_limit_samples
         WHERE provider = ? AND window_minutes = ? ORDER BY at DESC, id DESC LIMIT 1`,
      )
      .get(provider, windowMinutes) as RateLimitReading | undefined;
    return Promise.resolve(row);
  }

  countedTokens(agent: AgentName, since: number, until: number): Promise<number> {
    const row = this.db
      .prepare(
        `SELECT total(total) AS tokens FROM token_events
         WHERE agent = ? AND at >= ? AND at < ? AND counted = 1`,
      )
      .get(agent, since, until) as { tokens: number };
    return Promise.resolve(row.tokens);
  }

  estimatedTokens(agent: AgentName, since: number, until: number): Promise<Estimated> {
    const row = this.db
      .prepare(
        `SELECT total(reserved) AS tokens, count(*) AS sessions FROM escalations
         WHERE agent = ? AND tokens_estimated = 1 AND started_at >= ? AND started_at < ?`,
      )
      .get(agent, since, until) as Estimated;
    return Promise.resolve(row);
  }
}
