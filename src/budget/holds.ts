/**
 * Reads what the model allowlists are checked against (counted tokens by agent, account and
 * model) and decides with the pure rules of models.ts.
 */
import type { ProviderConfig } from '../config/schema.js';
import { accountFolders } from '../config/paths.js';
import { AGENT_NAMES, type AgentName } from '../core/agents.js';
import type { Range } from '../core/token-report.js';
import type { Ledger } from '../ledger/ports.js';
import {
  allowlistFor,
  hasAllowlist,
  holdSince,
  modelHolds,
  type ModelConfig,
  type ModelRow,
} from './models.js';

type Config = ModelConfig & { budget: { providers: readonly ProviderConfig[] } };
type Where = { env: NodeJS.ProcessEnv; cwd: string };

/**
 * Counted tokens by agent, account and model in a range. While no account names its own
 * allowlist, the account does not change the verdict: the sums by model (from the roll-ups when
 * the range allows) stand for the agent as a whole (account: the agent's name).
 */
export async function modelRows(
  ledger: Pick<Ledger, 'reports'>,
  config: Config,
  where: Where,
  range: Range,
  agent?: AgentName,
): Promise<ModelRow[]> {
  if (config.budget.providers.some((p) => p.models !== undefined)) {
    const folders = accountFolders(config.budget.providers, where.env, where.cwd);
    const rows = await ledger.reports.aggregateByAccount(range, folders, agent);
    return rows.map((r) => ({ ...r, account: r.key }));
  }
  const rows = await ledger.reports.aggregateByColumn('model', range);
  return rows
    .filter((r) => agent === undefined || r.agent === agent)
    .map((r) => ({ ...r, account: r.agent }));
}

/** The agents held back for a run on a model outside their allowlist, with the reason. */
export async function readModelHolds(
  ledger: Pick<Ledger, 'reports' | 'dispatch'>,
  config: Config,
  where: Where,
  now: number,
): Promise<Map<AgentName, string>> {
  const holds = new Map<AgentName, string>();
  if (!hasAllowlist(config)) return holds;
  const resolved = ledger.dispatch.modelResolutions();
  for (const agent of AGENT_NAMES) {
    const accounts = config.budget.providers.filter((p) => p.agent === agent);
    const listed =
      allowlistFor(config, agent, agent) !== undefined ||
      accounts.some((p) => allowlistFor(config, agent, p.name) !== undefined);
    if (!listed) continue;
    const since = holdSince(resolved.get(agent), now);
    const rows = await modelRows(ledger, config, where, { since }, agent);
    const reason = modelHolds(rows, config).get(agent);
    if (reason) holds.set(agent, reason);
  }
  return holds;
}
