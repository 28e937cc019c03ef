/**
 * The dispatch planner (pure): which flagged PRs get a session, in what order, which agent first
 * and which after it, what each is checked against (the agents' budgets, `max`, the stop-loss,
 * the signals already acted on), what is held back and why, and how many sessions run at once.
 * It takes data and returns decisions; `dispatch.ts` performs them (claims, worktrees, agents,
 * the ledger) and asks again, with the facts of that moment, before each session.
 */
import type { StoredPr } from '../core/pr.js';
import { isDispatchable, type Signal, type Verdict } from '../core/verdict.js';
import type { AgentName } from '../core/agents.js';
import type { AgentBudget } from '../core/budget.js';
import { byCodePoint } from '../render/order.js';
import { agentChain, usableAgents, type Skip } from './agents.js';
import type { AccountBudget } from './budget-gate.js';

export interface Candidate {
  pr: StoredPr;
  verdict: Verdict;
  /** A watch-tier PR made eligible because its agent is under pace (routed by its lead signal). */
  burn?: boolean;
}

export type Suppression =
  | 'budget'
  | 'busy'
  | 'acted'
  | 'concurrency'
  | 'max'
  | 'no-agent'
  | 'stopped'
  | 'not-flagged'
  | 'pace'
  | 'model';

/** `radar escalate`: any tier, this agent first, a stopped PR only with force. */
export interface Manual {
  agent?: AgentName;
  force?: boolean;
}

/** What is true when a candidate's turn comes. */
export interface Facts {
  /** Each agent's budget now (a missing agent is unknown: radar cannot tell, so it may work). */
  budget: ReadonlyMap<AgentName, AgentBudget>;
  /** Agents whose command is installed. */
  installed: ReadonlySet<AgentName>;
  /** Agents held back for a run on a model outside their allowlist, with the reason. */
  held?: ReadonlyMap<AgentName, string>;
  /** Each agent's accounts in the configured order, with their budgets (none: no accounts). */
  accounts?: ReadonlyMap<AgentName, readonly AccountBudget[]>;
  /** Sessions this call has started so far. */
  started: number;
  /** Of them, each agent's (the pace caps each agent's sessions per scan). */
  startedBy: ReadonlyMap<AgentName, number>;
  now: number;
}

export interface Policy {
  /** Sessions started at most by this call. */
  max: number;
  /** Sessions at once, across radar processes (the claim enforces it; here: the pool width). */
  concurrency: number;
  /** Agents tried after the routed one. */
  fallback: readonly AgentName[];
  /** Each agent's command (named when none is installed). */
  commands: Readonly<Record<AgentName, string>>;
  manual?: Manual;
  /** Print-only rehearsal: nothing claimed, started or spent. */
  dryRun: boolean;
  /** An agent whose budget is unknown (no source) may work (budget.allowUnknown). */
  allowUnknown: boolean;
  /** Sessions per scan each agent's pace allows, and why (not applied to a dispatch by hand). */
  pace?: ReadonlyMap<AgentName, { max: number; reason: string }>;
}

/** Fingerprint → signal kind: what a session claims (or what is held back). */
export type Fingerprints = ReadonlyMap<string, string>;

export type Decision =
  | {
      kind: 'skip';
      suppressed: Suppression;
      reason: string;
      skipped?: Skip[];
      /** A dispatch asked for by hand and refused is recorded, with this agent. */
      refusal?: { agent: AgentName; fingerprints: readonly string[] };
      /** Unacted signals marked held back (by budget), so the funnel counts them. */
      holdBack?: Fingerprints;
    }
  | {
      kind: 'rehearse' | 'run';
      /** Agents to try in order (the first that starts runs the session). */
      agents: AgentName[];
      /** The account each agent runs under: its first with room (absent: the agent has none). */
      accounts: Partial<Record<AgentName, string>>;
      skipped: Skip[];
      signals: Signal[];
      fingerprints: Fingerprints;
      /** `radar escalate` or `radar scan --dispatch`, recorded with the claim. */
      reason: string;
    };

type Skip0 = Extract<Decision, { kind: 'skip' }>;

export interface PlannedStep {
  candidate: Candidate;
  decision: Decision;
}

export interface DispatchPlan {
  /** Flagged candidates, best first (what a pool of `width` workers takes in turn). */
  queue: Candidate[];
  /** Workers: `concurrency`, never more than the queue. */
  width: number;
  /** Each queued candidate decided on the facts given, as if every claim succeeds. */
  steps: PlannedStep[];
}

/** Dispatchable signals not yet acted on, in the verdict's order. */
export function pendingSignals(verdict: Verdict): Signal[] {
  const pending = new Set(verdict.pending);
  return verdict.signals.filter((s) => pending.has(s.fingerprint) && isDispatchable(s.kind));
}

/**
 * Flagged to an agent (any tier by hand, a watch-tier PR made eligible by the pace), highest score
 * first, then by repository and number.
 */
export function dispatchOrder(candidates: readonly Candidate[], manual: boolean): Candidate[] {
  return candidates
    .filter(
      (c) => manual || c.burn || (c.verdict.tier === 'escalate' && c.verdict.route !== 'template'),
    )
    .slice()
    .sort(
      (a, b) =>
        b.verdict.score - a.verdict.score ||
        byCodePoint(a.pr.repo, b.pr.repo) ||
        a.pr.number - b.pr.number,
    );
}

/** A dispatch asked for by hand and refused is on record (not one cut by `max`, nor a rehearsal). */
function refusal(c: Candidate, policy: Policy, suppressed: Suppression): Pick<Skip0, 'refusal'> {
  const manual = policy.manual;
  if (!manual || policy.dryRun || suppressed === 'max') return {};
  return {
    refusal: {
      agent: manual.agent ?? (c.verdict.route === 'claude' ? 'claude' : 'codex'),
      fingerprints: c.verdict.pending,
    },
  };
}

/** Whether an agent's budget lets it work: not exhausted, and known unless the user opts in. */
export function budgetAllows(budget: AgentBudget | undefined, allowUnknown: boolean): boolean {
  if (budget === 'exhausted') return false;
  return budget === 'available' || allowUnknown;
}

/**
 * The account an agent's session runs under: the first, in the configured order, whose budget
 * lets it work (undefined: none may, or the agent has no accounts).
 */
export function pickAccount(
  accounts: readonly AccountBudget[] | undefined,
  allowUnknown: boolean,
): string | undefined {
  return accounts?.find((a) => budgetAllows(a.budget, allowUnknown))?.name;
}

/** Why no agent of the chain may work on budget grounds: exhausted ones, then unknown ones. */
export function budgetRefusal(
  agents: readonly AgentName[],
  budget: ReadonlyMap<AgentName, AgentBudget>,
): string {
  const exhausted = agents.filter((a) => budget.get(a) === 'exhausted');
  const unknown = agents.filter((a) => budget.get(a) !== 'exhausted');
  return [
    exhausted.length ? `budget exhausted for ${exhausted.join(', ')}` : '',
    unknown.length
      ? `budget unknown for ${unknown.join(', ')} (no source: set weeklyTokens or usageCommand in budget.providers, or budget.allowUnknown)`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/**
 * Whether an agent may be given work: with accounts listed, when one of them has room; otherwise
 * on its budget as a whole.
 */
function agentAllowed(agent: AgentName, policy: Policy, facts: Facts): boolean {
  const accounts = facts.accounts?.get(agent);
  if (accounts?.length) return pickAccount(accounts, policy.allowUnknown) !== undefined;
  return budgetAllows(facts.budget.get(agent), policy.allowUnknown);
}

/** One candidate's decision on the facts of its turn. */
export function decide(c: Candidate, policy: Policy, facts: Facts): Decision {
  const { verdict } = c;
  const manual = policy.manual;
  const skip = (
    suppressed: Suppression,
    reason: string,
    extra: { skipped?: Skip[]; holdBack?: Fingerprints } = {},
  ): Decision => ({
    kind: 'skip',
    suppressed,
    reason,
    ...extra,
    ...refusal(c, policy, suppressed),
  });
  if (verdict.tier === 'stopped' && !manual?.force)
    return skip('stopped', 'the PR is stopped (stop-loss or radar stop); --force overrides');
  let signals = pendingSignals(verdict);
  if (signals.length === 0 && !manual) return skip('acted', 'every signal was acted on already');
  // By hand with nothing pending: the session acts on every dispatchable signal again.
  if (signals.length === 0) signals = verdict.signals.filter((s) => isDispatchable(s.kind));
  const fingerprints = new Map(signals.map((s) => [s.fingerprint, s.kind as string]));
  if (manual) fingerprints.set(`manual:${facts.now}`, 'manual');
  const chain = agentChain(verdict.route, policy.fallback, manual?.agent);
  const choice = usableAgents(chain, {
    installed: (a) => facts.installed.has(a),
    held: (a) => facts.held?.has(a) === true,
    budget: (a) => (agentAllowed(a, policy, facts) ? 'ok' : 'exhausted'),
  });
  if (choice.candidates.length === 0) {
    // A hold waits for the user (radar resume --model): said before what the budget says.
    const held = choice.skipped.find((s) => s.why === 'model');
    if (held) return skip('model', facts.held!.get(held.agent)!, { skipped: choice.skipped });
    const budget = choice.skipped.some((s) => s.why === 'budget');
    if (budget)
      return skip(
        'budget',
        budgetRefusal(
          choice.skipped.filter((s) => s.why === 'budget').map((s) => s.agent),
          facts.budget,
        ),
        { skipped: choice.skipped, ...(policy.dryRun ? {} : { holdBack: fingerprints }) },
      );
    return skip(
      'no-agent',
      `no agent installed (${chain.map((a) => policy.commands[a]).join(', ')})`,
      {
        skipped: choice.skipped,
      },
    );
  }
  if (!policy.dryRun && facts.started >= policy.max)
    return skip('max', `at most ${policy.max} sessions per run`);
  // The pace caps each agent's sessions per scan; a capped agent passes the PR down the chain.
  const paced = manual
    ? choice.candidates
    : choice.candidates.filter(
        (a) => (facts.startedBy.get(a) ?? 0) < (policy.pace?.get(a)?.max ?? Infinity),
      );
  if (paced.length === 0) {
    const first = choice.candidates[0]!;
    const cap = policy.pace?.get(first);
    const reason = `${first}: ${cap?.reason ?? 'pace'} (at most ${cap?.max ?? 0} this scan)`;
    return skip('pace', reason, {
      skipped: choice.skipped,
    });
  }
  const accounts: Partial<Record<AgentName, string>> = {};
  for (const a of paced) {
    const account = pickAccount(facts.accounts?.get(a), policy.allowUnknown);
    if (account !== undefined) accounts[a] = account;
  }
  const planned = {
    agents: paced,
    accounts,
    skipped: choice.skipped,
    signals,
    fingerprints,
    reason: manual ? 'radar escalate' : 'radar scan --dispatch',
  };
  if (policy.dryRun) return { kind: 'rehearse', ...planned };
  return { kind: 'run', ...planned };
}

/** Why a claim the planner wanted was not granted (the ledger's answer, as a decision). */
export function claimRefused(
  c: Candidate,
  policy: Policy,
  claim:
    | { kind: 'acted' }
    | { kind: 'busy'; escalationId: number }
    | { kind: 'full'; running: number }
    | { kind: 'budget'; agent: AgentName; tokens: number; left: number },
): Decision {
  if (claim.kind === 'budget') {
    const reason = `a session of ${claim.agent} reserves ${claim.tokens} tokens; ${claim.left} left this week (budget.reserve kept back)`;
    const holdBack = new Map(
      pendingSignals(c.verdict).map((s) => [s.fingerprint, s.kind as string]),
    );
    return {
      kind: 'skip',
      suppressed: 'budget',
      reason,
      ...(holdBack.size ? { holdBack } : {}),
      ...refusal(c, policy, 'budget'),
    };
  }
  const [suppressed, reason]: [Suppression, string] =
    claim.kind === 'acted'
      ? ['acted', 'every signal was acted on already']
      : claim.kind === 'busy'
        ? ['busy', `escalation ${claim.escalationId} is working on it`]
        : ['concurrency', `${claim.running} sessions running (dispatch.concurrency)`];
  return { kind: 'skip', suppressed, reason, ...refusal(c, policy, suppressed) };
}

/** The signals a session acts on: those its claim got (all of them when it got none listed). */
export function claimedSignals(signals: readonly Signal[], claimed: readonly string[]): Signal[] {
  const got = new Set(claimed);
  const acted = signals.filter((s) => got.has(s.fingerprint));
  return acted.length ? acted : [...signals];
}

/**
 * The whole plan on one set of facts: the queue, the pool width, and each candidate's decision
 * as if every claim it makes succeeds (so `max` counts the sessions planned before it).
 */
export function planDispatch(
  candidates: readonly Candidate[],
  policy: Policy,
  facts: Omit<Facts, 'started'>,
): DispatchPlan {
  const queue = dispatchOrder(candidates, policy.manual !== undefined);
  let started = 0;
  const startedBy = new Map(facts.startedBy);
  const steps = queue.map((candidate) => {
    const decision = decide(candidate, policy, { ...facts, started, startedBy });
    if (decision.kind !== 'skip') {
      started++;
      const agent = decision.agents[0]!;
      startedBy.set(agent, (startedBy.get(agent) ?? 0) + 1);
    }
    return { candidate, decision };
  });
  return { queue, width: Math.max(1, Math.min(policy.concurrency, queue.length)), steps };
}
