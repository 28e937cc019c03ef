import type { AgentName } from './agents.js';

/** Weekly quotas as the rules, dispatch and the budget command see them. */

export type PaceVerdict = 'under' | 'on-pace' | 'over' | 'exhausted' | 'unknown';

/** One provider's weekly quota against its pace, from the best source available. */
export interface BudgetState {
  provider: string;
  agent: AgentName;
  usedPercent: number | null;
  expectedPercent: number | null;
  verdict: PaceVerdict;
  advice?: string;
  resetsAt: string | null;
  /** Whole days since the start of the quota's week (checkpoints count from it). */
  daysIntoWeek?: number;
  source: string | null;
  detail?: string;
  problems: string[];
}

/** What the rules and dispatch ask of the budget: may this agent still be given work? */
export type AgentBudget = 'available' | 'exhausted' | 'unknown';

/** Each agent's budget, as `agentBudgets` derives it from the providers' states. */
export type AgentBudgets = ReadonlyMap<AgentName, AgentBudget>;
