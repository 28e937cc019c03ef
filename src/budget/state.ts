import type { RadarConfig } from '../config/schema.js';
import { accountFolders } from '../config/paths.js';
import type { UsageLedger } from '../ledger/ports.js';
import { accountScope, fromCommand, fromLedger, fromRollouts, type Usage } from './sources.js';
import { pace, type Checkpoint } from './pace.js';
import type { AgentName } from '../core/agents.js';
import type { AgentBudget, BudgetState } from '../core/budget.js';
import { machineZone, startOfNextWeek, startOfWeek, weekdayIndex } from '../time/zone.js';

/** Each provider's weekly quota against its pace, from the best source available. */

export async function budgetStates(
  ledger: UsageLedger,
  config: RadarConfig,
  env: NodeJS.ProcessEnv,
  now: number,
  cwd: string = process.cwd(),
): Promise<BudgetState[]> {
  const zone = config.timezone ?? machineZone();
  const weekStartDay = weekdayIndex(config.weekStart);
  const calendarStart = startOfWeek(now, zone, weekStartDay);
  const calendarEnd = startOfNextWeek(now, zone, weekStartDay);
  const results: BudgetState[] = [];
  const folders = accountFolders(config.budget.providers, env, cwd);
  for (const provider of config.budget.providers) {
    const problems: string[] = [];
    // Each account is paced on its own: its sessions, its folder's events and rollouts.
    const scope = accountScope(config.budget.providers, provider, folders);
    let usage: Usage | undefined;
    if (provider.agent === 'codex' && provider.rolloutRateLimits)
      usage = await fromRollouts(ledger, now, scope);
    if (!usage) {
      const fromCmd = await fromCommand(provider, config.budget.commandTimeoutMs, env);
      if (fromCmd && 'error' in fromCmd) problems.push(fromCmd.error);
      else usage = fromCmd;
    }
    usage ??= await fromLedger(ledger, provider, calendarStart, calendarEnd, scope);
    if (!usage) {
      results.push({
        provider: provider.name,
        agent: provider.agent,
        usedPercent: null,
        expectedPercent: null,
        verdict: 'unknown',
        advice: 'no source: ingest Codex rollouts, or set usageCommand or weeklyTokens',
        resetsAt: null,
        source: null,
        problems,
      });
      continue;
    }
    const windowEnd = usage.resetsAt ?? calendarEnd;
    const windowStart = usage.windowStart ?? windowEnd - 7 * 86_400_000;
    // Checkpoint days count from the start of the quota's own week.
    const daysIntoWeek = Math.floor(
      (now - (usage.windowStart !== undefined ? windowStart : calendarStart)) / 86_400_000,
    );
    const p = pace({
      usedPercent: usage.usedPercent,
      now,
      windowStart,
      windowEnd,
      band: config.budget.targetBand,
      checkpoints: checkpointsOf(config),
      daysIntoWeek,
    });
    results.push({
      provider: provider.name,
      agent: provider.agent,
      usedPercent: round1(p.usedPercent),
      expectedPercent: round1(p.expectedPercent),
      verdict: p.verdict,
      advice: p.advice,
      resetsAt: new Date(windowEnd).toISOString(),
      daysIntoWeek,
      source: usage.source,
      detail: usage.detail,
      problems,
    });
  }
  return results;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The configured checkpoints, each with its day counted from the start of the week. */
export function checkpointsOf(config: Pick<RadarConfig, 'budget' | 'weekStart'>): Checkpoint[] {
  return config.budget.checkpoints.map((cp) => ({
    afterDays: (weekdayIndex(cp.day) - weekdayIndex(config.weekStart) + 7) % 7,
    dayName: cp.day,
    below: cp.below,
    above: cp.above,
  }));
}

/** An agent is exhausted when every provider of it is; unknown when none has a source. */
export function agentBudgets(states: readonly BudgetState[]): Map<AgentName, AgentBudget> {
  const result = new Map<AgentName, AgentBudget>();
  for (const agent of ['codex', 'claude'] as const) {
    const mine = states.filter((s) => s.agent === agent);
    if (mine.length === 0 || mine.every((s) => s.verdict === 'unknown'))
      result.set(agent, 'unknown');
    else if (mine.every((s) => s.verdict === 'exhausted' || s.verdict === 'unknown'))
      result.set(agent, 'exhausted');
    else result.set(agent, 'available');
  }
  return result;
}
