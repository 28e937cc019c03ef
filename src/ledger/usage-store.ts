import type { AgentName } from '../core/agents.js';
import type { Db } from './open.js';
import {
  EVENT_OF_ACCOUNT,
  OF_ACCOUNT,
  SAMPLE_OF_ACCOUNT,
  eventScopeParams,
} from './dispatch-schema.js';
import type { AccountScope, Estimated, RateLimitReading, UsageLedger } from './ports.js';

/** The SQLite side of the budget: rate-limit samples and counted tokens. */
export class UsageStore implements UsageLedger {
  constructor(private readonly db: Db) {}

  latestRateLimit(
    provider: AgentName,
    windowMinutes: number,
    account?: AccountScope,
  ): Promise<RateLimitReading | undefined> {
    const row = (
      account
        ? this.db
            .prepare(
              `SELECT used_percent AS usedPercent, resets_at AS resetsAt, at FROM rate_limit_samples t
               WHERE provider = ? AND window_minutes = ? AND ${SAMPLE_OF_ACCOUNT}
               ORDER BY at DESC, id DESC LIMIT 1`,
            )
            .get(provider, windowMinutes, ...eventScopeParams(account))
        : this.db
            .prepare(
              `SELECT used_percent AS usedPercent, resets_at AS resetsAt, at FROM rate_limit_samples
               WHERE provider = ? AND window_minutes = ? ORDER BY at DESC, id DESC LIMIT 1`,
            )
            .get(provider, windowMinutes)
    ) as RateLimitReading | undefined;
    return Promise.resolve(row);
  }

  countedTokens(
    agent: AgentName,
    since: number,
    until: number,
    account?: AccountScope,
  ): Promise<number> {
    const row = account
      ? (this.db
          .prepare(
            `SELECT total(t.total) AS tokens FROM token_events t
             LEFT JOIN escalations e ON e.id = t.escalation_id
             WHERE t.agent = ? AND t.at >= ? AND t.at < ? AND t.counted = 1
               AND ${EVENT_OF_ACCOUNT}`,
          )
          .get(agent, since, until, ...eventScopeParams(account)) as { tokens: number })
      : (this.db
          .prepare(
            `SELECT total(total) AS tokens FROM token_events
             WHERE agent = ? AND at >= ? AND at < ? AND counted = 1`,
          )
          .get(agent, since, until) as { tokens: number });
    return Promise.resolve(row.tokens);
  }

  estimatedTokens(
    agent: AgentName,
    since: number,
    until: number,
    account?: AccountScope,
  ): Promise<Estimated> {
    const row = this.db
      .prepare(
        `SELECT total(reserved) AS tokens, count(*) AS sessions FROM escalations e
         WHERE agent = ? AND tokens_estimated = 1 AND started_at >= ? AND started_at < ?
           AND (? = 0 OR ${OF_ACCOUNT})`,
      )
      .get(
        agent,
        since,
        until,
        account ? 1 : 0,
        account?.first ? 1 : 0,
        account?.name ?? null,
      ) as Estimated;
    return Promise.resolve(row);
  }
}
