import type { AccountScope, UsageLedger } from '../ledger/ports.js';
import type { AccountFolder } from '../core/dispatch.js';
import type { ProviderConfig } from '../config/schema.js';

/** Where a provider's weekly used % comes from, best first. Each returns undefined to pass. */

export interface Usage {
  usedPercent: number;
  resetsAt?: number;
  windowStart?: number;
  source: string;
  detail?: string;
}

const WEEK_MINUTES = 10080;
const WEEK_MS = WEEK_MINUTES * 60_000;

/** The latest weekly window a Codex rollout reported, while its reset is still ahead. */
export async function fromRollouts(
  ledger: UsageLedger,
  now: number,
  account?: AccountScope,
): Promise<Usage | undefined> {
  const row = await ledger.latestRateLimit('codex', WEEK_MINUTES, account);
  if (!row || row.resetsAt === null || row.resetsAt <= now) return undefined;
  return {
    usedPercent: row.usedPercent,
    resetsAt: row.resetsAt,
    windowStart: row.resetsAt - WEEK_MS,
    source: 'codex rollout rate_limits (10080-minute window)',
    detail: `sampled ${new Date(row.at).toISOString()}`,
  };
}

export function dotPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function toInstant(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value))
    return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/**
 * Runs the configured usage command (a shell command line, `/bin/sh -c`) with a time limit and
 * reads the dot-paths. At the limit the command and everything it started are terminated.
 */
export async function fromCommand(
  provider: ProviderConfig,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<Usage | { error: string } | undefined> {
  if (!provider.usageCommand) return undefined;
  const command = provider.usageCommand;
  // Loaded only when a usage command is configured: most scans start no process.
  const { describeFailure, runShell } = await import('../process/run.js');
  const result = await runShell(command, {
    env,
    timeoutMs,
    killGraceMs: 1000,
    maxOutputBytes: 4 * 1024 * 1024,
  });
  const failure = describeFailure(result, timeoutMs);
  if (failure || result.kind !== 'exited')
    return { error: `usage command failed (${failure ?? 'did not run'})` };
  if (result.stdout.truncated) return { error: 'usage command printed too much output' };
  let json: unknown;
  try {
    json = JSON.parse(result.stdout.text);
  } catch {
    return { error: 'usage command did not print JSON' };
  }
  const used = dotPath(json, provider.usagePath);
  if (typeof used !== 'number' || !Number.isFinite(used))
    return { error: `usage command output has no number at ${provider.usagePath}` };
  const resetsAt = toInstant(dotPath(json, provider.resetsAtPath));
  return {
    usedPercent: used,
    resetsAt,
    windowStart: resetsAt !== undefined ? resetsAt - WEEK_MS : undefined,
    source: `usage command (${command.split(/\s+/)[0]})`,
  };
}

/** The ledger's own count for this week against a configured weekly token quota. */
export async function fromLedger(
  ledger: UsageLedger,
  provider: ProviderConfig,
  weekStart: number,
  weekEnd: number,
  account?: AccountScope,
): Promise<Usage | undefined> {
  if (!provider.weeklyTokens) return undefined;
  const tokens = await ledger.countedTokens(provider.agent, weekStart, weekEnd, account);
  return {
    usedPercent: (tokens / provider.weeklyTokens) * 100,
    resetsAt: weekEnd,
    windowStart: weekStart,
    source: 'ledger total vs budget.providers weeklyTokens',
    detail: `${tokens} of ${provider.weeklyTokens} tokens`,
  };
}

/**
 * A provider as one of several accounts of its agent (undefined: the agent's only one, whose
 * count is the agent's whole).
 */
export function accountScope(
  providers: readonly Pick<ProviderConfig, 'name' | 'agent'>[],
  provider: Pick<ProviderConfig, 'name' | 'agent'>,
  folders?: readonly AccountFolder[],
): AccountScope | undefined {
  const mine = providers.filter((p) => p.agent === provider.agent);
  if (mine.length < 2) return undefined;
  const own = folders?.filter((f) => f.agent === provider.agent);
  return {
    name: provider.name,
    first: mine[0]!.name === provider.name,
    ...(own?.length ? { folders: own } : {}),
  };
}

/** The budget sources a provider's config names, best first (empty: its budget is unknown). */
export function configuredSources(
  provider: Pick<ProviderConfig, 'agent' | 'rolloutRateLimits' | 'usageCommand' | 'weeklyTokens'>,
): string[] {
  return [
    provider.agent === 'codex' && provider.rolloutRateLimits ? 'codex rollout rate_limits' : '',
    provider.usageCommand ? 'usage command' : '',
    provider.weeklyTokens ? `weeklyTokens ${provider.weeklyTokens}` : '',
  ].filter(Boolean);
}
