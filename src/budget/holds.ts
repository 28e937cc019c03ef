/**
 * Reads what the model allowlists are checked against (each agent's counted tokens by account
 * and model since its hold was last resolved) and decides with the pure rules of models.ts.
 */
import type { ProviderConfig } from '../config/schema.js';
import { accountFolders } from '../config/paths.js';
import { AGENT_NAMES, type AgentName } from '../core/agents.js';
import type { Ledger } from '../ledger/ports.js';
import { allowlistFor, hasAllowlist, holdSince, modelHolds, type ModelConfig } from './models.js';

/** The agents held back for a run on a model outside their allowlist, with the reason. */
export async function readModelHolds(
  ledger: Pick<Ledger, 'reports' | 'dispatch'>,
  config: ModelConfig & { budget: { providers: readonly ProviderConfig[] } },
  where: { env: NodeJS.ProcessEnv; cwd: string },
  now: number,
): Promise<Map<AgentName, string>> {
  const holds = new Map<AgentName, string>();
  if (!hasAllowlist(config)) return holds;
  const folders = accountFolders(config.budget.providers, where.env, where.cwd);
  const resolved = ledger.dispatch.modelResolutions();
  for (const agent of AGENT_NAMES) {
    const accounts = config.budget.providers.filter((p) => p.agent === agent);
    const listed =
      allowlistFor(config, agent, agent) !== undefined ||
      accounts.some((p) => allowlistFor(config, agent, p.name) !== undefined);
    if (!listed) continue;
    const rows = await ledger.reports.aggregateByAccount(
      { since: holdSince(resolved.get(agent), now) },
      folders,
      agent,
    );
    const reason = modelHolds(
      rows.map((r) => ({ ...r, account: r.key })),
      config,
    ).get(agent);
    if (reason) holds.set(agent, reason);
  }
  return holds;
}
