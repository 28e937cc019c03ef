import type { RadarConfig } from '../config/schema.js';
import type { Db } from '../ledger/open.js';
import { agentBudgets, budgetStates } from '../budget/state.js';
import type { AgentName } from './agents.js';
import type { BudgetGate } from './dispatch.js';

/**
 * The budget gate from `radar budget`'s own states, read again before each session (the tokens
 * of the sessions just finished count): an agent whose every provider is exhausted is skipped;
 * an unknown budget does not block (radar cannot tell).
 */
export function budgetGate(
  db: Db,
  config: RadarConfig,
  env: NodeJS.ProcessEnv,
  now: () => number,
): BudgetGate {
  return async (agent: AgentName) => {
    const budgets = agentBudgets(await budgetStates(db, config, env, now()));
    return budgets.get(agent) === 'exhausted' ? 'exhausted' : 'ok';
  };
}
