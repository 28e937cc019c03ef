/**
 * The budget a dispatch checks each session against (pure): the providers' states read once
 * (by the scan, or by `radar escalate`), plus what the sessions of this dispatch have spent since.
 * A provider with a weekly token quota (`weeklyTokens`) gains the tokens its agent spent as a
 * share of that quota; one known only as a percentage (a usage command, Codex rollouts) keeps
 * its reading until the next scan reads it again. An agent is exhausted when every provider of
 * it is; an unknown budget does not block (radar cannot tell).
 */
import type { ProviderConfig } from '../config/schema.js';
import { agentBudgets } from '../budget/state.js';
import type { AgentName } from '../core/agents.js';
import type { AgentBudget, BudgetState } from '../core/budget.js';

export function budgetAfterSpend(
  states: readonly BudgetState[],
  providers: readonly Pick<ProviderConfig, 'name' | 'agent' | 'weeklyTokens'>[],
  spent: ReadonlyMap<AgentName, number>,
): Map<AgentName, AgentBudget> {
  const quota = new Map(providers.map((p) => [`${p.agent}\0${p.name}`, p.weeklyTokens]));
  return agentBudgets(
    states.map((s) => {
      const tokens = spent.get(s.agent) ?? 0;
      const weekly = quota.get(`${s.agent}\0${s.provider}`);
      if (tokens <= 0 || !weekly || s.usedPercent === null) return s;
      const usedPercent = s.usedPercent + (tokens / weekly) * 100;
      return usedPercent >= 100 ? { ...s, usedPercent, verdict: 'exhausted' as const } : s;
    }),
  );
}
