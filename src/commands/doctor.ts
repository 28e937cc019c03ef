import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { plural } from '../render/plural.js';
import { RadarError, UsageError, errorMessage } from '../core/errors.js';
import { join } from 'node:path';
import { defaultLogFolders, expandHome } from '../config/paths.js';
import { configChecks } from '../doctor/config-checks.js';
import { ledgerName, legacyLedgerMessage } from '../config/locations.js';
import type { RadarConfig } from '../config/schema.js';
import { configuredSources } from '../budget/sources.js';
import { commandVersion, findOnPath, folderStatus, type CheckResult } from '../doctor/checks.js';
import { columnWidths, displayWidth, renderTable, terminalWidth } from '../render/table.js';
import { wrapText } from '../render/wrap.js';
import type { Endpoint } from '../github/endpoint.js';
import type { Column } from '../render/table.js';
import { hasAllowlist } from '../budget/models.js';
import { readModelHolds } from '../budget/holds.js';
import { AGENT_NAMES } from '../core/agents.js';
import { inert } from '../render/inert.js';
import { createLogger } from '../logging.js';
import { redactUrl } from '../redact.js';

type DoctorOptions = CommandOptions<'doctor'>;

/**
 * Cheap state checks that never start a model session: the replacement for quota probes that
 * cost thousands of tokens to print one line.
 */
export async function run(ctx: Context, options: DoctorOptions): Promise<number> {
  const results: CheckResult[] = [];
  let configOk = true;

  try {
    const config = ctx.config();
    const path = ctx.configPath();
    results.push({
      name: 'config',
      status: 'ok',
      detail: path ? `valid: ${path}` : 'no config file; using built-in defaults',
    });
    void config;
  } catch (error) {
    configOk = false;
    const details = error instanceof RadarError ? error.details : [];
    results.push({
      name: 'config',
      status: 'fail',
      detail: [errorMessage(error), ...details.map((d) => `  ${d}`)].join('\n'),
      data: { problems: details },
    });
  }

  results.push(checkLedger(ctx));

  if (configOk) {
    const config = ctx.config();
    results.push(
      ...configChecks(config, {
        which: (command, path) => findOnPath(command, { PATH: path }),
        clone: (path) =>
          folderStatus(path) !== 'found'
            ? 'missing'
            : existsSync(join(path, '.git'))
              ? 'git'
              : 'not-git',
        expand: (path) => expandHome(path, ctx.env, ctx.cwd),
        path: ctx.env.PATH ?? '',
        node: process.execPath,
      }),
    );
    for (const folder of defaultLogFolders(config, ctx.env, ctx.cwd)) {
      const status = folderStatus(folder.path);
      results.push({
        name: `logs ${folder.origin}`,
        status: status === 'found' ? 'ok' : 'warn',
        detail: status === 'found' ? folder.path : `${status}: ${folder.path}`,
        data: { path: folder.path, status },
      });
    }
    for (const [agent, settings] of Object.entries(config.agents)) {
      const path = findOnPath(settings.command, ctx.env);
      if (!path) continue; // configChecks said so, with the fix
      const { version, error } = await commandVersion(path, ctx.env);
      results.push({
        name: `agent ${agent}`,
        status: version ? 'ok' : 'warn',
        detail: version ? `${version} (${path})` : `${path}: ${error}`,
        data: { path, version },
      });
    }
  }

  if (configOk) results.push(...checkBudgetSources(ctx.config()));
  if (configOk) results.push(...(await checkModels(ctx)));

  const github = await checkGitHub(ctx, options);
  results.push(...github.results);

  const failed = results.filter((r) => r.status === 'fail');
  if (ctx.json) {
    writeJson(ctx, 'doctor', { ok: failed.length === 0, checks: results }, { indent: 2 });
  } else {
    const width = terminalWidth(ctx.env.COLUMNS, ctx.stdout.columns);
    const { table, cut } = doctorTable(results, width, ctx.color);
    ctx.stdout.write(table);
    // What the table could not show whole: a detail of several lines, or a warning or failure
    // (its fix) cut to fit.
    for (const r of results.filter(
      (x, i) => x.detail.includes('\n') || (cut[i] && x.status !== 'ok'),
    ))
      ctx.stdout.write(wrapText(`\n${r.name}:\n${r.detail}\n`, width));
    const warned = results.filter((r) => r.status === 'warn').length;
    ctx.stdout.write(
      failed.length === 0
        ? `\nno failures${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}\n`
        : `\n${plural(failed.length, 'check')} failed\n`,
    );
  }
  // A GITHUB_API_URL radar refuses (credentials in it, say) is bad configuration too.
  if (!configOk || github.badConfig) return 2;
  return failed.length === 0 ? 0 : 1;
}

const DOCTOR_COLUMNS: readonly Column[] = [
  { header: 'check', max: 40, min: 10 },
  { header: 'status', style: (cell) => STATUS_STYLE[cell as keyof typeof STATUS_STYLE] },
  { header: 'detail', min: 12 },
];
const MARK = { ok: 'ok', warn: 'warn', fail: 'FAIL' } as const;
const STATUS_STYLE = { ok: 'green', warn: 'yellow', FAIL: 'red' } as const;

/**
 * The doctor's table for a terminal `width` cells wide (undefined: a pipe): the check, its status
 * and the first line of its detail, the check names and details cut to fit; `cut` says which
 * rows lost part of their name or detail (the command prints those in full below).
 */
export function doctorTable(
  results: readonly Pick<CheckResult, 'name' | 'status' | 'detail'>[],
  width: number | undefined,
  color = false,
): { table: string; cut: boolean[] } {
  const rows = results.map((r) => [r.name, MARK[r.status], r.detail.split('\n')[0] ?? '']);
  const widths = columnWidths(DOCTOR_COLUMNS, rows, width);
  const cut = rows.map((row) =>
    row.some((cell, i) => widths[i] !== undefined && displayWidth(cell) > widths[i]!),
  );
  return { table: renderTable(DOCTOR_COLUMNS, rows, { color, width }), cut };
}

/** A provider with no budget source: its agent is not dispatched unless budget.allowUnknown. */
export function checkBudgetSources(config: RadarConfig): CheckResult[] {
  return config.budget.providers.map((p) => {
    const sources = configuredSources(p);
    if (sources.length)
      return {
        name: `budget ${p.name}`,
        status: 'ok',
        detail: sources.join(', '),
        data: { sources },
      };
    const effect = config.budget.allowUnknown
      ? 'dispatched anyway (budget.allowUnknown)'
      : 'not dispatched (budget.allowUnknown is off)';
    return {
      name: `budget ${p.name}`,
      status: 'warn',
      detail: `no budget source: set weeklyTokens or usageCommand; ${p.agent} is ${effect}`,
      data: { sources },
    };
  });
}

/**
 * Each agent with a model allowlist: held back (a warning, with the run that holds it and how to
 * release it) when it ran on another model since its hold was last resolved.
 */
async function checkModels(ctx: Context): Promise<CheckResult[]> {
  const config = ctx.config();
  if (!hasAllowlist(config) || !existsSync(ctx.ledgerPath())) return [];
  let holds: Map<string, string>;
  try {
    holds = await readModelHolds(ctx.ledger(), config, ctx, ctx.now().getTime());
  } catch {
    return []; // the ledger check says what is wrong with it
  }
  return AGENT_NAMES.filter(
    (a) =>
      config.agents[a].models !== undefined ||
      config.budget.providers.some((p) => p.agent === a && p.models !== undefined),
  ).map((agent) => {
    const held = holds.get(agent);
    return held
      ? { name: `models ${agent}`, status: 'warn', detail: inert(held), data: { held } }
      : {
          name: `models ${agent}`,
          status: 'ok',
          detail:
            'every counted run of the last 7 days (since the last resume) on an allowed model',
          data: { held: null },
        };
  });
}

function checkLedger(ctx: Context): CheckResult {
  let location;
  try {
    location = ctx.ledgerLocation();
  } catch (error) {
    return { name: 'ledger', status: 'fail', detail: errorMessage(error) };
  }
  const name = ledgerName(location);
  if (location.legacy) {
    const { message, details } = legacyLedgerMessage(location);
    return {
      name: 'ledger',
      status: 'fail',
      detail: [message, ...details.map((d) => `  ${d}`)].join('\n'),
      data: { path: location.path, legacy: location.legacy },
    };
  }
  // doctor only looks: a missing ledger is a fresh start, not something to create here.
  if (location.url === undefined && !existsSync(location.path)) {
    return {
      name: 'ledger',
      status: 'warn',
      detail: `none yet at ${name}: radar scan or radar ingest creates it`,
      data: { path: name },
    };
  }
  try {
    const { maintenance } = ctx.existingLedger();
    const problems = maintenance.integrity();
    const stats = maintenance.stats();
    const engine = maintenance.engine();
    if (problems.length !== 1 || problems[0] !== 'ok') {
      return {
        name: 'ledger',
        status: 'fail',
        detail: `${name}: integrity check failed: ${problems.slice(0, 3).join('; ')}`,
      };
    }
    return {
      name: 'ledger',
      status: 'ok',
      detail: `${name} (${engine.name} ${engine.version}, schema ${stats.schema}, ${stats.tokenEvents.toLocaleString('en-US')} token events, ${stats.scanRuns} scans)`,
      data: { path: name, engine: engine.name, engineVersion: engine.version, ...stats },
    };
  } catch (error) {
    // A PostgreSQL schema with no radar ledger yet is a fresh start too.
    if (location.url !== undefined && error instanceof UsageError)
      return {
        name: 'ledger',
        status: 'warn',
        detail: `none yet at ${name}: radar scan or radar ingest creates it`,
        data: { path: name },
      };
    if (error instanceof UsageError || error instanceof RadarError) {
      return { name: 'ledger', status: 'fail', detail: errorMessage(error) };
    }
    return { name: 'ledger', status: 'fail', detail: `${name}: ${errorMessage(error)}` };
  }
}

/** Token presence always; the network check (token valid, scopes, rate limit) unless --offline. */
async function checkGitHub(
  ctx: Context,
  options: DoctorOptions,
): Promise<{ results: CheckResult[]; badConfig?: boolean }> {
  const { resolveEndpoint } = await import('../github/endpoint.js');
  let endpoint;
  try {
    endpoint = resolveEndpoint(ctx.env);
  } catch (error) {
    return {
      results: [{ name: 'github', status: 'fail', detail: errorMessage(error) }],
      badConfig: true,
    };
  }
  return { results: await checkGitHubToken(ctx, options, endpoint) };
}

async function checkGitHubToken(
  ctx: Context,
  options: DoctorOptions,
  endpoint: Endpoint,
): Promise<CheckResult[]> {
  const { findToken, tokenHint } = await import('../github/endpoint.js');
  const apiUrl = redactUrl(endpoint.apiUrl);
  const token = await findToken(ctx.env, endpoint);
  if (!token) {
    return [
      {
        name: 'github token',
        status: 'warn',
        detail: `no token for ${endpoint.host} (radar scan needs one): ${tokenHint(endpoint)}`,
      },
    ];
  }
  const present: CheckResult = {
    name: 'github token',
    status: 'ok',
    detail: `present (${token.source})`,
  };
  if (options.offline) return [present];
  // Free of charge: GET /rate_limit costs no points, and the viewer query costs one.
  const { createGitHubClient } = await import('../github/client.js');
  const port = createGitHubClient({
    endpoint,
    token: token.value,
    logger: await doctorLogger(ctx),
    maxRetryAfterSeconds: 5,
  });
  try {
    const [viewer, limits] = await Promise.all([port.viewer(), port.rateLimits()]);
    const graphql = limits.graphql ?? viewer.rateLimit ?? { remaining: 0, limit: 0 };
    return [
      {
        name: 'github token',
        status: 'ok',
        detail: `valid for ${viewer.login} at ${apiUrl} (${token.source}); scopes: ${viewer.scopes.join(', ') || 'none listed (fine-grained token)'}`,
        data: { login: viewer.login, scopes: viewer.scopes, apiUrl },
      },
      {
        name: 'github rate limit',
        status: graphql.remaining < 200 ? 'warn' : 'ok',
        detail: `GraphQL ${graphql.remaining.toLocaleString('en-US')}/${graphql.limit.toLocaleString('en-US')} points, REST ${limits.core.remaining.toLocaleString('en-US')}/${limits.core.limit.toLocaleString('en-US')} requests left`,
        data: { graphql, core: limits.core },
      },
    ];
  } catch (error) {
    const status = (error as { status?: number }).status;
    return [
      {
        name: 'github token',
        status: 'fail',
        detail:
          status === 401
            ? `rejected by ${apiUrl} (401 Bad credentials, ${token.source})`
            : `cannot reach ${apiUrl}: ${errorMessage(error)}`,
      },
    ];
  }
}

/** The configured logger; with an invalid config (already reported as a failed check), a default one. */
async function doctorLogger(ctx: Context): Promise<Logger> {
  try {
    return ctx.logger();
  } catch {
    return createLogger({
      level: ctx.options.logLevel ?? (ctx.options.verbose ? 'info' : 'warn'),
    });
  }
}
