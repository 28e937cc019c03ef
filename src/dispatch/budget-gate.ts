/**
 * The budget a dispatch checks each session against (pure): the providers' states read once
 * (by the scan, or by `radar escalate`), plus what the sessions of this dispatch have spent since.
 * A provider with a weekly token quota (`weeklyTokens`) gains the tokens its agent spent as a
 * share of that quota; one known only as a percentage (a usage command, Codex rollouts) keeps
 * its reading until the next scan reads it again. An agent is exhausted when every provider of
 * it is; an unknown budget does not block (radar cannot tell).
 */
import type { ProviderConfig, RadarConfig } from '../config/schema.js';
import type { AccountFolder, Committed, Reservation } from '../core/dispatch.js';
import { expectedCost, fits, tokensLeft, type Room } from './reservation.js';
import { agentBudgets } from '../budget/state.js';
import { accountScope } from '../budget/sources.js';
import type { AgentName } from '../core/agents.js';
import type { AgentBudget, BudgetState } from '../core/budget.js';

export function budgetAfterSpend(
  states: readonly BudgetState[],
  providers: readonly Pick<ProviderConfig, 'name' | 'agent' | 'weeklyTokens'>[],
  spent: ReadonlyMap<string, number>,
): Map<AgentName, AgentBudget> {
  return agentBudgets(statesAfterSpend(states, providers, spent));
}

/** The providers' states plus what each account (provider name) spent since they were read. */
function statesAfterSpend(
  states: readonly BudgetState[],
  providers: readonly Pick<ProviderConfig, 'name' | 'agent' | 'weeklyTokens'>[],
  spent: ReadonlyMap<string, number>,
): BudgetState[] {
  const quota = new Map(providers.map((p) => [`${p.agent}\0${p.name}`, p.weeklyTokens]));
  return states.map((s) => {
    const tokens = spent.get(s.provider) ?? 0;
    const weekly = quota.get(`${s.agent}\0${s.provider}`);
    if (tokens <= 0 || !weekly || s.usedPercent === null) return s;
    const usedPercent = s.usedPercent + (tokens / weekly) * 100;
    return usedPercent >= 100 ? { ...s, usedPercent, verdict: 'exhausted' as const } : s;
  });
}

/** One account of an agent (an entry of `budget.providers`) and its budget now. */
export interface AccountBudget {
  name: string;
  budget: AgentBudget;
}

/**
 * Each agent's accounts in the configured order, each with its budget after what this dispatch
 * spent (an account with no state read is unknown).
 */
export function accountBudgets(
  states: readonly BudgetState[],
  providers: readonly Pick<ProviderConfig, 'name' | 'agent' | 'weeklyTokens'>[],
  spent: ReadonlyMap<string, number>,
): Map<AgentName, AccountBudget[]> {
  const now = statesAfterSpend(states, providers, spent);
  const result = new Map<AgentName, AccountBudget[]>();
  for (const p of providers) {
    const state = now.find((s) => s.agent === p.agent && s.provider === p.name);
    const budget: AgentBudget =
      !state || state.verdict === 'unknown'
        ? 'unknown'
        : state.verdict === 'exhausted'
          ? 'exhausted'
          : 'available';
    result.set(p.agent, [...(result.get(p.agent) ?? []), { name: p.name, budget }]);
  }
  return result;
}

const WEEK_MS = 7 * 86_400_000;

/** A session's reservation, ready for the claim, and what is left on the claim's reading. */
export interface SessionReservation {
  claim: Reservation;
  left: (committed: Committed) => number;
}

/**
 * The reservation a session of `agent` asks for with its claim, against its account's weekly
 * token quota (with no account named, the first provider of the agent with one) (undefined when none has one: nothing to reserve against).
 * Its size is the p90 of past sessions of the agent and signal kind, or `budget.sessionTokens`
 * until there are enough; its week is the provider's quota window. At the claim, what the week
 * has spent is the larger of the provider's reading (a share of the quota) and the ledger's count.
 */
export function reservationFor(input: {
  agent: AgentName;
  /** The account the session runs under (default: the agent's first with a weekly quota). */
  account?: string;
  kind: string;
  states: readonly BudgetState[];
  budget: Pick<RadarConfig['budget'], 'providers' | 'reserve' | 'sessionTokens'>;
  history: (agent: AgentName, kind: string) => number[];
  now: number;
  /** The accounts' own folders (their events count for them). */
  folders?: readonly AccountFolder[];
}): SessionReservation | undefined {
  const provider = input.budget.providers.find(
    (p) =>
      p.agent === input.agent &&
      p.weeklyTokens &&
      (input.account === undefined || p.name === input.account),
  );
  const weeklyTokens = provider?.weeklyTokens;
  if (!provider || !weeklyTokens) return undefined;
  const state = input.states.find((s) => s.agent === input.agent && s.provider === provider.name);
  // The quota's week ends at its reset; with no reset known, the last seven days count.
  const reset = state?.resetsAt ? Date.parse(state.resetsAt) : undefined;
  const since = reset !== undefined ? reset - WEEK_MS : input.now - WEEK_MS;
  const until = reset ?? input.now + WEEK_MS;
  const read = state?.usedPercent != null ? (state.usedPercent / 100) * weeklyTokens : 0;
  const tokens = expectedCost(input.history(input.agent, input.kind), input.budget.sessionTokens);
  const room = (c: Committed): Room => ({
    weeklyTokens,
    reservePercent: input.budget.reserve,
    spent: Math.max(read, c.counted),
    reserved: c.reserved,
  });
  const account = accountScope(input.budget.providers, provider, input.folders);
  return {
    claim: {
      tokens,
      since,
      until,
      ...(account ? { account } : {}),
      fits: (c) => fits(room(c), tokens),
    },
    left: (c) => tokensLeft(room(c)),
  };
}
