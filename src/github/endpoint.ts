import { UsageError } from '../core/errors.js';
import { redactUrl } from '../redact.js';
import { run } from '../process/run.js';
import { findOnPath } from '../process/which.js';

/** Where GitHub is and who we are there: env first, then the gh CLI's own login. */

export interface Endpoint {
  /** REST base, e.g. https://api.github.com or https://ghe.example.com/api/v3 */
  apiUrl: string;
  /** Where GraphQL lives for that base. */
  graphqlUrl: string;
}

export function resolveEndpoint(env: NodeJS.ProcessEnv): Endpoint {
  const raw = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  // A token in the URL (`https://user:TOKEN@host`) would be echoed wherever the URL is printed or
  // logged: credentials belong in GITHUB_TOKEN. No GitHub API URL has an `@`, so any `@` is
  // refused, even where a URL parser would not see user-info (`http://u:1234/TOKEN@host`).
  if (raw.includes('@'))
    throw new UsageError(
      `GITHUB_API_URL must not contain credentials ("${redactUrl(raw)}"): put the token in GITHUB_TOKEN or GH_TOKEN`,
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
  return { apiUrl: raw, graphqlUrl };
}

export interface Token {
  value: string;
  source: 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh auth token';
}

/** GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` when gh is installed; undefined if none. */
export async function findToken(
  env: NodeJS.ProcessEnv,
  endpoint: Endpoint,
): Promise<Token | undefined> {
  if (env.GITHUB_TOKEN?.trim()) return { value: env.GITHUB_TOKEN.trim(), source: 'GITHUB_TOKEN' };
  if (env.GH_TOKEN?.trim()) return { value: env.GH_TOKEN.trim(), source: 'GH_TOKEN' };
  if (!findOnPath('gh', env)) return undefined;
  const host = new URL(endpoint.apiUrl).hostname;
  const args = ['auth', 'token'];
  if (host !== 'api.github.com') args.push('--hostname', host);
  const result = await run('gh', { args, env, timeoutMs: 5000, killGraceMs: 1000 });
  const value = result.kind === 'exited' && result.code === 0 ? result.stdout.text.trim() : '';
  return value ? { value, source: 'gh auth token' } : undefined;
}

export async function requireToken(env: NodeJS.ProcessEnv, endpoint: Endpoint): Promise<Token> {
  const token = await findToken(env, endpoint);
  if (!token)
    throw new UsageError(
      'no GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`',
    );
  return token;
}
