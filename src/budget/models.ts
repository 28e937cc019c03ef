/**
 * Pinned models (pure): which runs used a model outside the allowlist of their agent (or of
 * their account), and which agents are therefore held back until the user resolves it. The
 * ledger gives the counted tokens grouped by agent, account and model; everything here decides.
 */
import picomatch from 'picomatch';
import type { ProviderConfig } from '../config/schema.js';
import { AGENT_NAMES, isAgentName, type AgentName } from '../core/agents.js';

/** Counted tokens of one agent, account (null: no account recorded or found) and model. */
export interface ModelRow {
  agent: string;
  account: string | null;
  model: string | null;
  tokens: number;
  events: number;
}

/** The allowlist a run is checked against, and the config key it comes from. */
export interface Allowlist {
  patterns: readonly string[];
  key: string;
}

/** Runs on a model the allowlist does not name. */
export interface OffList {
  agent: AgentName;
  account: string;
  model: string;
  tokens: number;
  events: number;
  allowlist: Allowlist;
}

export type ModelConfig = {
  agents: Record<AgentName, { models?: string[] | undefined }>;
  budget: { providers: readonly Pick<ProviderConfig, 'name' | 'agent' | 'models'>[] };
};

/**
 * The account a row belongs to: the one recorded (a session's, or the account whose folder the
 * events were read from), else the agent's first account, else the agent itself.
 */
export function accountOf(
  providers: readonly Pick<ProviderConfig, 'name' | 'agent'>[],
  agent: string,
  account: string | null,
): string {
  return account ?? providers.find((p) => p.agent === agent)?.name ?? agent;
}

/** An account's own allowlist, else its agent's (undefined: any model may run). */
export function allowlistFor(
  config: ModelConfig,
  agent: AgentName,
  account: string,
): Allowlist | undefined {
  const entry = config.budget.providers.find((p) => p.agent === agent && p.name === account);
  if (entry?.models) return { patterns: entry.models, key: `budget.providers ${account} models` };
  const models = config.agents[agent].models;
  return models ? { patterns: models, key: `agents.${agent}.models` } : undefined;
}

/** Whether a model matches one of the patterns (globs, case-insensitive; `*` spans `/`). */
export function modelAllowed(model: string, patterns: readonly string[]): boolean {
  return picomatch([...patterns], { nocase: true, bash: true, dot: true })(model);
}

/**
 * The rows whose model their allowlist does not name, largest first. A row of no known model
 * (markers that name none) is not flagged: radar cannot tell what ran.
 */
export function offListRuns(rows: readonly ModelRow[], config: ModelConfig): OffList[] {
  const out: OffList[] = [];
  for (const row of rows) {
    if (row.model === null || row.model === '' || row.events <= 0) continue;
    const agent = row.agent;
    if (!isAgentName(agent)) continue;
    const account = accountOf(config.budget.providers, agent, row.account);
    const allowlist = allowlistFor(config, agent, account);
    if (!allowlist || modelAllowed(row.model, allowlist.patterns)) continue;
    const same = out.find(
      (o) => o.agent === agent && o.account === account && o.model === row.model,
    );
    if (same) {
      same.tokens += row.tokens;
      same.events += row.events;
    } else
      out.push({
        agent,
        account,
        model: row.model,
        tokens: row.tokens,
        events: row.events,
        allowlist,
      });
  }
  return out.sort((a, b) => b.tokens - a.tokens || a.model.localeCompare(b.model));
}

/** One line about an off-list run, e.g. `codex (codex) ran gpt-4o-mini, outside agents.codex.models (gpt-5*)`. */
export function describeOffList(o: OffList): string {
  const who = o.account === o.agent ? o.agent : `${o.agent} (${o.account})`;
  return `${who} ran ${o.model}, outside ${o.allowlist.key} (${o.allowlist.patterns.join(', ')})`;
}

/**
 * The agents held back, each with its reason: an agent with an off-list run since the user last
 * resolved its hold. `rows` are each agent's counted tokens since then.
 */
export function modelHolds(rows: readonly ModelRow[], config: ModelConfig): Map<AgentName, string> {
  const holds = new Map<AgentName, string>();
  for (const o of offListRuns(rows, config)) {
    if (holds.has(o.agent)) continue;
    holds.set(
      o.agent,
      `${describeOffList(o)}: held back until \`radar resume --model ${o.agent}\``,
    );
  }
  return holds;
}

/** Whether any agent or account names an allowlist (else nothing needs reading). */
export function hasAllowlist(config: ModelConfig): boolean {
  return (
    AGENT_NAMES.some((a) => config.agents[a].models !== undefined) ||
    config.budget.providers.some((p) => p.models !== undefined)
  );
}

/** How far back a run on an off-list model holds its agent (unless resolved since). */
export const HOLD_LOOKBACK_MS = 7 * 86_400_000;

/** Where each agent's hold window starts: its last resolution, or the lookback. */
export function holdSince(resolvedAt: number | undefined, now: number): number {
  return Math.max(resolvedAt ?? -Infinity, now - HOLD_LOOKBACK_MS);
}
