import { UsageError } from '../core/errors.js';
import { redactUrl } from '../redact.js';
import { findOnPath } from '../process/which.js';

/**
 * Where GitHub is and who we are there, by gh's conventions: `GITHUB_API_URL` (a full API URL,
 * as GitHub Actions sets it), else `GH_HOST` (github.com, a GHE.com tenant or a GitHub Enterprise
 * Server host), else github.com; the token from the environment variables gh reads for that host,
 * else `gh auth token --hostname HOST`.
 */

export type TokenVar =
  'GH_TOKEN' | 'GITHUB_TOKEN' | 'GH_ENTERPRISE_TOKEN' | 'GITHUB_ENTERPRISE_TOKEN';

export interface Endpoint {
  /** REST base, e.g. https://api.github.com or https://ghe.example.com/api/v3 */
  apiUrl: string;
  /** Where GraphQL lives for that base. */
  graphqlUrl: string;
  /** The host gh knows it by (github.com, ghe.example.com): `gh auth token --hostname`. */
  host: string;
  /** What named it. */
  from: 'GITHUB_API_URL' | 'GH_HOST' | 'default';
  /** The environment variables that may hold its token, in order. */
  tokenVars: readonly TokenVar[];
}

const DOTCOM_VARS: readonly TokenVar[] = ['GH_TOKEN', 'GITHUB_TOKEN'];
const ENTERPRISE_VARS: readonly TokenVar[] = ['GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN'];

/** gh's host normalisation: api.github.com is github.com, api.acme.ghe.com is acme.ghe.com. */
function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  if (h === 'github.com' || h.endsWith('.github.com')) return 'github.com';
  const tenant = /(?:^|\.)([^.]+)\.ghe\.com$/.exec(h);
  if (tenant) return `${tenant[1]}.ghe.com`;
  return h;
}

/** A GHE.com tenant (data residency): served like github.com, at api.TENANT.ghe.com. */
const isTenancy = (host: string) => host.endsWith('.ghe.com');
const isEnterprise = (host: string) => host !== 'github.com' && !isTenancy(host);

/** The API of a host as gh reaches it. */
function hostUrls(host: string): { apiUrl: string; graphqlUrl: string } {
  if (host === 'github.com')
    return { apiUrl: 'https://api.github.com', graphqlUrl: 'https://api.github.com/graphql' };
  if (isTenancy(host))
    return { apiUrl: `https://api.${host}`, graphqlUrl: `https://api.${host}/graphql` };
  return { apiUrl: `https://${host}/api/v3`, graphqlUrl: `https://${host}/api/graphql` };
}

function fromApiUrl(value: string): Endpoint {
  const raw = value.replace(/\/+$/, '');
  // A token in the URL (`https://user:TOKEN@host`) would be echoed wherever the URL is printed or
  // logged: credentials belong in GH_TOKEN. No GitHub API URL has an `@`, so any `@` is refused,
  // even where a URL parser would not see user-info (`http://u:1234/TOKEN@host`).
  if (raw.includes('@'))
    throw new UsageError(
      `GITHUB_API_URL must not contain credentials ("${redactUrl(raw)}"): put the token in GH_TOKEN or GITHUB_TOKEN`,
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`GITHUB_API_URL is not a URL: "${redactUrl(raw)}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`GITHUB_API_URL must be http(s): "${redactUrl(raw)}"`);
  const graphqlUrl = /\/api\/v3$/.test(raw)
    ? raw.replace(/\/api\/v3$/, '/api/graphql')
    : `${raw}/graphql`;
  const host = normalizeHost(url.host);
  // An explicit API URL on an enterprise host takes its enterprise token first, then the plain
  // ones: GitHub Actions on an Enterprise Server sets GITHUB_API_URL and hands out GITHUB_TOKEN.
  const tokenVars = isEnterprise(host) ? [...ENTERPRISE_VARS, ...DOTCOM_VARS] : DOTCOM_VARS;
  return { apiUrl: raw, graphqlUrl, host, from: 'GITHUB_API_URL', tokenVars };
}

function fromHost(value: string): Endpoint {
  const raw = value.trim().replace(/\/+$/, '');
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/i.test(raw))
    throw new UsageError(
      `GH_HOST must be a host name such as ghe.example.com, not "${redactUrl(raw)}" (a full API URL goes in GITHUB_API_URL)`,
    );
  const host = normalizeHost(raw);
  // As gh: an Enterprise Server host takes only its enterprise tokens (GH_TOKEN is github.com's).
  const tokenVars = isEnterprise(host) ? ENTERPRISE_VARS : DOTCOM_VARS;
  return { ...hostUrls(host), host, from: 'GH_HOST', tokenVars };
}

/** Pure: the endpoint the environment names. GITHUB_API_URL wins over GH_HOST. */
export function resolveEndpoint(env: NodeJS.ProcessEnv): Endpoint {
  if (env.GITHUB_API_URL?.trim()) return fromApiUrl(env.GITHUB_API_URL.trim());
  if (env.GH_HOST?.trim()) return fromHost(env.GH_HOST);
  return { ...hostUrls('github.com'), host: 'github.com', from: 'default', tokenVars: DOTCOM_VARS };
}

export interface Token {
  value: string;
  source: TokenVar | 'gh auth token';
}

/** Pure: the first of the endpoint's token variables that is set, or undefined. */
export function tokenFromEnv(env: NodeJS.ProcessEnv, endpoint: Endpoint): Token | undefined {
  for (const name of endpoint.tokenVars) {
    const value = env[name]?.trim();
    if (value) return { value, source: name };
  }
  return undefined;
}

/** The arguments of `gh auth token` for the endpoint's host. */
export function ghAuthTokenArgs(endpoint: Endpoint): string[] {
  return ['auth', 'token', '--hostname', endpoint.host];
}

/** The environment's token for the endpoint, else `gh auth token` when gh is installed. */
export async function findToken(
  env: NodeJS.ProcessEnv,
  endpoint: Endpoint,
): Promise<Token | undefined> {
  const fromEnv = tokenFromEnv(env, endpoint);
  if (fromEnv) return fromEnv;
  if (!findOnPath('gh', env)) return undefined;
  const args = ghAuthTokenArgs(endpoint);
  // Loaded only here: a scan with its token in the environment never starts a process.
  const { run } = await import('../process/run.js');
  const result = await run('gh', { args, env, timeoutMs: 5000, killGraceMs: 1000 });
  const value = result.kind === 'exited' && result.code === 0 ? result.stdout.text.trim() : '';
  return value ? { value, source: 'gh auth token' } : undefined;
}

/** Where a token for the endpoint is looked for, for a message that says how to give one. */
export function tokenHint(endpoint: Endpoint): string {
  const vars = endpoint.tokenVars.join(' or ');
  const login =
    endpoint.host === 'github.com'
      ? '`gh auth login`'
      : `\`gh auth login --hostname ${endpoint.host}\``;
  return `set ${vars}, or log in with ${login}`;
}

export async function requireToken(env: NodeJS.ProcessEnv, endpoint: Endpoint): Promise<Token> {
  const token = await findToken(env, endpoint);
  if (!token) throw new UsageError(`no GitHub token for ${endpoint.host}: ${tokenHint(endpoint)}`);
  return token;
}
