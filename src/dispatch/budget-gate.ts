import type { RadarConfig } from '../config/schema.js';
import type { Db } from '../ledger/open.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import { UsageStore } from '../ledger/usage-store.js';
import type { AgentBudget } from '../core/budget.js';
import type { AgentName } from '../core/agents.js';
import type { BudgetGate } from './dispatch.js';

/**
 * The budget gate from `radar budget`'s own states: an agent whose every provider is exhausted is
 * skipped; an unknown budget does not block (radar cannot tell). The states are read again
 * whenever the ledger has gained token events since the last reading (a session finished), so a
 * usage command runs once per finished session, not once per PR considered.
 */
export function budgetGate(
  db: Db,
  config: RadarConfig,
  env: NodeJS.ProcessEnv,
  now: () => number,
): BudgetGate {
  const mark = db.prepare(`SELECT coalesce(max(id), 0) AS id FROM token_events`);
  let cached: { mark: number; budgets: Promise<Map<AgentName, AgentBudget>> } | undefined;
  return async (agent: AgentName) => {
    const current = (mark.get() as { id: number }).id;
    if (!cached || cached.mark !== current)
      cached = {
        mark: current,
        budgets: budgetStates(new UsageStore(db), config, env, now()).then(agentBudgets),
      };
    return (await cached.budgets).get(agent) === 'exhausted' ? 'exhausted' : 'ok';
  };
}
