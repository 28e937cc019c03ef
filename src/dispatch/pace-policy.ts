/**
 * Dispatch follows the pace (pure): each provider's pace verdict, the day of its quota week and
 * the checkpoints decide how much one `radar scan --dispatch` may start for its agent.
 *
 * - under pace ("burn harder"): up to `dispatch.burn.maxPerScan` sessions, `dispatch.burn.concurrency`
 *   at once, and watch-tier PRs below the threshold with a dispatchable signal become eligible;
 * - on pace (or an unknown budget, which the gate decides on): the configured defaults;
 * - over pace ("slow down"): `dispatch.overPace.maxPerScan` sessions (the highest-scoring PRs),
 *   none once a checkpoint with `above` has come (`holdAfterCheckpoint`);
 * - exhausted: none.
 */
import type { AgentName } from '../core/agents.js';
import { AGENT_NAMES } from '../core/agents.js';
import type { BudgetState, PaceVerdict } from '../core/budget.js';
import type { Checkpoint } from '../budget/pace.js';
import type { RadarConfig, RulesConfig } from '../config/schema.js';

type DispatchConfig = RadarConfig['dispatch'];
import { routeOf } from '../rules/evaluate.js';
import { pendingSignals, type Candidate } from './plan.js';

export type PaceMode = 'burn' | 'steady' | 'slow' | 'hold';

export interface PaceSettings {
  /** dispatch.maxPerScan and dispatch.concurrency: what on pace starts. */
  maxPerScan: number;
  concurrency: number;
  burn: { maxPerScan: number; concurrency: number; watch: boolean };
  overPace: { maxPerScan: number; holdAfterCheckpoint: boolean };
}

/** The settings from the config's `dispatch` section. */
export function paceSettings(
  d: Pick<DispatchConfig, 'maxPerScan' | 'concurrency' | 'burn' | 'overPace'>,
): PaceSettings {
  return {
    maxPerScan: d.maxPerScan,
    concurrency: d.concurrency,
    burn: d.burn,
    overPace: d.overPace,
  };
}

/** What one provider's pace allows this scan. */
export interface ProviderPace {
  mode: PaceMode;
  /** Sessions this scan may start for the provider's agent. */
  max: number;
  /** Why, in the user's words where a checkpoint decided. */
  reason: string;
}

export interface ProviderPaceInput {
  verdict: PaceVerdict;
  usedPercent: number | null;
  expectedPercent: number | null;
  /** Whole days since the start of the quota week (undefined: not known). */
  daysIntoWeek?: number;
  checkpoints: readonly Checkpoint[];
  settings: PaceSettings;
}

const pct = (n: number | null) => (n === null ? '?' : `${Math.round(n * 10) / 10}%`);

/** One provider's pace → how much to dispatch for it this scan. */
export function providerPace(input: ProviderPaceInput): ProviderPace {
  const { settings, usedPercent: used, expectedPercent: expected } = input;
  const days = input.daysIntoWeek;
  const come = (cp: Checkpoint) => days !== undefined && days >= cp.afterDays;
  const usage = `used ${pct(used)}, expected ${pct(expected)}`;
  switch (input.verdict) {
    case 'exhausted':
      return { mode: 'hold', max: 0, reason: `quota used up (${pct(used)}): wait for the reset` };
    case 'over': {
      const passed = input.checkpoints.find((cp) => cp.above !== undefined && come(cp));
      if (passed && settings.overPace.holdAfterCheckpoint)
        return {
          mode: 'hold',
          max: 0,
          reason: `over pace (${usage}) since the ${passed.dayName} checkpoint: keep the rest for the weekend`,
        };
      const crossed = passed && used !== null && used > passed.above! ? passed : undefined;
      return {
        mode: 'slow',
        max: settings.overPace.maxPerScan,
        reason: crossed
          ? `over ${crossed.above}% by ${crossed.dayName} (${usage}): slow down`
          : `ahead of pace (${usage}): slow down`,
      };
    }
    case 'under': {
      const cp = input.checkpoints.find(
        (c) => c.below !== undefined && come(c) && used !== null && used < c.below,
      );
      return {
        mode: 'burn',
        max: settings.burn.maxPerScan,
        reason: cp
          ? `under ${cp.below}% by ${cp.dayName} (${usage}): burn harder`
          : `behind pace (${usage}): room to spend`,
      };
    }
    case 'on-pace':
      return { mode: 'steady', max: settings.maxPerScan, reason: `on pace (${usage})` };
    case 'unknown':
      return {
        mode: 'steady',
        max: settings.maxPerScan,
        reason: 'pace unknown (no budget source): the defaults',
      };
  }
}

/** Most permissive first: an agent with several providers follows the one with most room. */
const RANK: Record<PaceMode, number> = { burn: 0, steady: 1, slow: 2, hold: 3 };

export interface AgentPace extends ProviderPace {
  agent: AgentName;
  /** The provider whose pace decided (undefined: the agent has none configured). */
  provider?: string;
}

/** The scan's dispatch under the pace: each agent's allowance, the total and the pool width. */
export interface PacePlan {
  agents: ReadonlyMap<AgentName, AgentPace>;
  /** Sessions this scan starts at most (an explicit --max caps it). */
  max: number;
  /** Sessions at once. */
  concurrency: number;
  /** Agents under pace whose watch-tier PRs are eligible. */
  watch: ReadonlySet<AgentName>;
}

/**
 * Every agent's allowance from its providers' states (the most permissive known one; an agent
 * with none known gets the defaults), the scan's total (`explicitMax`, else the largest
 * allowance) and the pool width (the burn concurrency when an agent burns).
 */
export function pacePlan(
  states: readonly BudgetState[],
  checkpoints: readonly Checkpoint[],
  settings: PaceSettings,
  explicitMax?: number,
): PacePlan {
  const agents = new Map<AgentName, AgentPace>();
  for (const agent of AGENT_NAMES) {
    const mine = states.filter((s) => s.agent === agent);
    const known = mine.filter((s) => s.verdict !== 'unknown');
    const paced = (known.length ? known : mine).map((s) => ({
      agent,
      provider: s.provider,
      ...providerPace({ ...s, checkpoints, settings }),
    }));
    paced.sort((a, b) => RANK[a.mode] - RANK[b.mode]);
    agents.set(
      agent,
      paced[0] ?? {
        agent,
        ...providerPace({
          verdict: 'unknown',
          usedPercent: null,
          expectedPercent: null,
          checkpoints,
          settings,
        }),
      },
    );
  }
  const allowances = [...agents.values()];
  const burning = allowances.filter((a) => a.mode === 'burn');
  const largest = Math.max(...allowances.map((a) => a.max));
  return {
    agents: new Map(
      allowances.map((a) => [
        a.agent,
        explicitMax === undefined ? a : { ...a, max: Math.min(a.max, explicitMax) },
      ]),
    ),
    max: explicitMax ?? largest,
    concurrency: burning.length
      ? Math.max(settings.burn.concurrency, settings.concurrency)
      : settings.concurrency,
    watch: new Set(settings.burn.watch ? burning.map((a) => a.agent) : []),
  };
}

/** One line per agent: which policy applied and why (for `radar scan --dispatch`). */
export function describePace(plan: PacePlan): string[] {
  return [...plan.agents.values()].map((a) => {
    const what =
      a.mode === 'hold'
        ? 'no session this scan'
        : `up to ${a.max} session${a.max === 1 ? '' : 's'} this scan` +
          (a.mode === 'burn'
            ? `, ${plan.concurrency} at once${plan.watch.has(a.agent) ? ', watch-tier PRs eligible' : ''}`
            : a.mode === 'slow'
              ? ' (the highest-scoring first)'
              : '');
    return `pace: ${a.agent}${a.provider && a.provider !== a.agent ? ` (${a.provider})` : ''} ${a.mode}: ${a.reason}; ${what}`;
  });
}

/**
 * Under pace, watch-tier PRs held only by the threshold become eligible when they have a
 * dispatchable signal not yet acted on whose route is an agent under pace: each is returned with
 * that route (its leading signal's, by weight), marked `burn`. The planner orders them with the
 * rest, highest score first.
 */
export function burnCandidates(
  candidates: readonly Candidate[],
  rules: RulesConfig,
  watch: ReadonlySet<AgentName>,
): Candidate[] {
  if (watch.size === 0) return [];
  return candidates.flatMap((c) => {
    const { verdict } = c;
    if (verdict.tier !== 'watch' || verdict.suppressed !== 'below_threshold') return [];
    const lead = pendingSignals(verdict).sort(
      (a, b) => rules.weights[b.kind] - rules.weights[a.kind],
    )[0];
    const route = lead && routeOf(lead, rules);
    if (route !== 'codex' && route !== 'claude') return [];
    if (!watch.has(route)) return [];
    return [{ ...c, verdict: { ...verdict, route }, burn: true }];
  });
}

/** The plan for --json: the scan's total and width, each agent's allowance and why. */
export function paceJson(plan: PacePlan) {
  return {
    max: plan.max,
    concurrency: plan.concurrency,
    agents: [...plan.agents.values()].map((a) => ({ ...a, watch: plan.watch.has(a.agent) })),
  };
}
