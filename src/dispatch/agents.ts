/**
 * Which agent runs a session and with which command line. Agents are argument arrays (never a
 * shell line); the route the rules chose comes first, then the fallback chain, skipping an agent
 * that is not installed or whose provider's budget is exhausted. Pure, apart from the PATH lookup
 * the caller injects.
 */
import type { AgentName } from '../core/agents.js';
import type { Route } from '../core/verdict.js';

export interface AgentConfig {
  command: string;
  /** `{workdir}` and `{maxTurns}` are replaced; the prompt goes to stdin. */
  args: string[];
  /** Keep GITHUB_TOKEN / GH_TOKEN in the agent's environment (default: removed). */
  passGithubToken: boolean;
  /** Extra variables for the agent's environment. */
  env: Record<string, string>;
  /** The model every session runs on (`--model`). */
  model?: string;
}

/** Variables removed from every agent's environment (GitHub's unless passGithubToken). */
export const GITHUB_TOKEN_VARS = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GH_ENTERPRISE_TOKEN',
  'GITHUB_ENTERPRISE_TOKEN',
];

/**
 * The argv of one session: the configured args with their placeholders filled, and the pinned
 * model as `--model` (both CLIs take it; after codex's `exec` subcommand, before the rest).
 */
export function agentArgv(
  agent: AgentConfig,
  vars: { workdir: string; maxTurns: number },
): string[] {
  const args = agent.args.map((a) =>
    a.replace(/\{workdir\}/g, vars.workdir).replace(/\{maxTurns\}/g, String(vars.maxTurns)),
  );
  if (!agent.model) return args;
  const at = args[0] === 'exec' ? 1 : 0;
  return [...args.slice(0, at), '--model', agent.model, ...args.slice(at)];
}

/**
 * Agents to try, in order: the one asked for (`--agent`) or the verdict's route, then the
 * fallback chain; each once.
 */
export function agentChain(
  route: Route,
  fallback: readonly AgentName[],
  requested?: AgentName,
): AgentName[] {
  const first = requested ?? (route === 'codex' || route === 'claude' ? route : undefined);
  return [...new Set([...(first ? [first] : []), ...fallback])];
}

export type Skip = {
  agent: AgentName;
  why: 'not-installed' | 'model' | 'budget' | 'failed-to-start';
};

export interface Choice {
  /** The agents still to try, best first (empty: nothing can run). */
  candidates: AgentName[];
  skipped: Skip[];
}

/**
 * Drops agents that are not on PATH, held back for a run on a model outside their allowlist, or
 * whose provider's budget is exhausted.
 */
export function usableAgents(
  chain: readonly AgentName[],
  checks: {
    installed: (agent: AgentName) => boolean;
    held?: (agent: AgentName) => boolean;
    budget: (agent: AgentName) => 'ok' | 'exhausted';
  },
): Choice {
  const skipped: Skip[] = [];
  const candidates: AgentName[] = [];
  for (const agent of chain) {
    if (!checks.installed(agent)) skipped.push({ agent, why: 'not-installed' });
    else if (checks.held?.(agent)) skipped.push({ agent, why: 'model' });
    else if (checks.budget(agent) === 'exhausted') skipped.push({ agent, why: 'budget' });
    else candidates.push(agent);
  }
  return { candidates, skipped };
}

/**
 * The agent's environment: radar's own minus GitHub tokens (unless passGithubToken) and the
 * configured secrets, plus the agent's configured variables.
 */
export function agentEnv(
  base: NodeJS.ProcessEnv,
  agent: Pick<AgentConfig, 'passGithubToken' | 'env'>,
  secrets: readonly string[],
): NodeJS.ProcessEnv {
  const drop = new Set(secrets);
  for (const v of GITHUB_TOKEN_VARS) {
    if (agent.passGithubToken) drop.delete(v);
    else drop.add(v);
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!drop.has(k) && v !== undefined) env[k] = v;
  return { ...env, ...agent.env };
}

/** An account's variables for its agent, `~` and `~/` at the start of a value expanded. */
export function accountEnv(
  env: Readonly<Record<string, string>>,
  home: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      v === '~' ? home : v.startsWith('~/') ? `${home.replace(/\/+$/, '')}/${v.slice(2)}` : v,
    ]),
  );
}
