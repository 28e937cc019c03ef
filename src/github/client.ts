import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import type { Logger } from 'pino';
import type { Endpoint } from './endpoint.js';
import { NODES_QUERY, SEARCH_QUERY, VIEWER_QUERY } from './queries.js';
import type { RawPullRequest } from './normalize.js';

/**
 * The GitHub port: the few calls radar makes, behind an interface so the scan never sees HTTP.
 * The Octokit implementation brings GitHub's own throttling and retry behaviour.
 */

export interface RateLimitInfo {
  cost: number;
  remaining: number;
  limit: number;
  resetAt: string;
}

export interface SearchPage {
  /** GitHub answered with errors beside the data (some PRs withheld): the message. */
  partial?: string;
  prs: RawPullRequest[];
  issueCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
  rateLimit: RateLimitInfo;
}

export interface ConnectionSizes {
  reviews: number;
  comments: number;
  checks: number;
}

export interface GitHubPort {
  searchPullRequests(
    query: string,
    first: number,
    after: string | null,
    sizes: ConnectionSizes,
  ): Promise<SearchPage>;
  pullRequestsById(
    ids: string[],
    sizes: ConnectionSizes,
  ): Promise<{ prs: (RawPullRequest | null)[]; rateLimit: RateLimitInfo; partial?: string }>;
  viewer(): Promise<{ login: string; rateLimit: RateLimitInfo; scopes: string[] }>;
  /** GET /rate_limit: free of charge. */
  rateLimits(): Promise<{
    core: { remaining: number; limit: number; reset: number };
    graphql?: { remaining: number; limit: number; reset: number };
  }>;
  /** HTTP requests sent so far (retries included). */
  readonly requests: number;
}

export class RateLimitedError extends Error {
  constructor(readonly resetAt?: string) {
    super('GitHub rate limit exhausted');
    this.name = 'RateLimitedError';
  }
}

const RadarOctokit = Octokit.plugin(throttling, retry);

/** A stand-in for the plugin's write limiter group: runs each job at once (see createGitHubClient). */
const sequentialReads = {
  key: () => ({
    schedule: <A extends unknown[], R>(
      _options: unknown,
      job: (...args: A) => R,
      ...args: A
    ): Promise<Awaited<R>> => Promise.resolve(job(...args)) as Promise<Awaited<R>>,
  }),
};

export interface ClientOptions {
  endpoint: Endpoint;
  token: string;
  logger: Logger;
  /** A request that has not answered after this long is aborted (and retried). */
  requestTimeoutMs?: number;
  /** Longest secondary-limit wait honoured before giving up (seconds). */
  maxRetryAfterSeconds?: number;
  userAgent?: string;
}

export function createGitHubClient(options: ClientOptions): GitHubPort {
  const { logger } = options;
  const maxWait = options.maxRetryAfterSeconds ?? 120;
  const malformedRetries = 2;
  const malformedDelayMs = 500;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  let requests = 0;
  const octokit = new RadarOctokit({
    auth: options.token,
    baseUrl: options.endpoint.apiUrl,
    userAgent: options.userAgent ?? 'radar-pr-watch',
    // Octokit's default logger prints to the console; route it through pino (tokens redacted there).
    log: {
      debug: (m: string) => logger.debug(m),
      info: (m: string) => logger.debug(m),
      warn: (m: string) => logger.warn(m),
      error: (m: string) => logger.error(m),
    },
    throttle: {
      // The primary limit resets up to an hour later: a cron scan stops and keeps what it has.
      onRateLimit: (retryAfter: number, opts: { method: string; url: string }) => {
        logger.warn({ retryAfter, url: opts.url }, 'primary rate limit reached; not waiting');
        return false;
      },
      // Secondary limits are short: wait as GitHub asks (retry-after), twice at most.
      onSecondaryRateLimit: (
        retryAfter: number,
        opts: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        logger.warn({ retryAfter, url: opts.url, retryCount }, 'secondary rate limit; waiting');
        return retryCount < 2 && retryAfter <= maxWait;
      },
      // The plugin paces every GraphQL call like a mutation (one per second). radar only sends
      // read-only queries, one at a time (GitHub's guidance: no concurrency), so it skips that
      // pacing; rate limits and retry-after are still handled above.
      write: sequentialReads as never,
    },
    retry: { retries: 2 },
    request: {
      retries: 2,
      // A hung connection must not hold the cron lock forever: abort each request after a while.
      fetch: (url: string | URL, init?: RequestInit) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    },
  });
  octokit.hook.wrap('request', async (request, opts) => {
    requests++;
    return request(opts);
  });

  // A body that is not the JSON GitHub promised (truncated by a proxy, say) is not an HTTP error,
  // so the retry plugin never sees it: retry it here, like a 5xx.
  const graphql = async <T>(
    query: string,
    variables: Record<string, unknown>,
    key: string,
  ): Promise<T & { partial?: string }> => {
    for (let attempt = 0; ; attempt++) {
      let data: unknown;
      try {
        data = await octokit.graphql<T>(query, variables);
      } catch (error) {
        if (isRateLimited(error)) throw new RateLimitedError();
        // Partial success (a PR in an org that blocks this token, say): keep the data GitHub sent.
        const partial = (error as { data?: unknown }).data;
        if (
          partial !== null &&
          typeof partial === 'object' &&
          key in partial &&
          (partial as Record<string, unknown>)[key]
        ) {
          return { ...(partial as T), partial: (error as Error).message.replace(/\s+/g, ' ') };
        }
        throw error;
      }
      if (data !== null && typeof data === 'object' && key in data)
        return data as T & { partial?: string };
      if (attempt >= malformedRetries) throw new Error('GitHub sent a malformed GraphQL response');
      logger.warn({ attempt }, 'malformed GraphQL response; retrying');
      await new Promise((resolve) => setTimeout(resolve, malformedDelayMs * (attempt + 1)));
    }
  };

  return {
    get requests() {
      return requests;
    },
    async searchPullRequests(query, first, after, sizes) {
      const data = await graphql<{
        rateLimit: RateLimitInfo;
        search: {
          issueCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          nodes: (RawPullRequest | Record<string, never>)[];
        };
      }>(SEARCH_QUERY, { q: query, first, after, ...sizes }, 'search');
      return {
        // Search can return non-PR nodes as empty objects: keep PRs only.
        prs: (data.search.nodes ?? []).filter((n): n is RawPullRequest =>
          Boolean(n && 'number' in n),
        ),
        issueCount: data.search.issueCount,
        hasNextPage: data.search.pageInfo.hasNextPage,
        endCursor: data.search.pageInfo.endCursor,
        rateLimit: data.rateLimit,
        partial: data.partial,
      };
    },
    async pullRequestsById(ids, sizes) {
      const data = await graphql<{ rateLimit: RateLimitInfo; nodes: (RawPullRequest | null)[] }>(
        NODES_QUERY,
        { ids, ...sizes },
        'nodes',
      );
      return {
        prs: (data.nodes ?? []).map((n) => (n && 'number' in n ? n : null)),
        rateLimit: data.rateLimit,
        partial: data.partial,
      };
    },
    async viewer() {
      const response = await octokit.request('POST /graphql', { query: VIEWER_QUERY });
      const body = response.data as {
        data?: { viewer: { login: string }; rateLimit: RateLimitInfo };
        errors?: unknown[];
      };
      if (!body.data) throw new Error('GitHub answered the viewer query without data');
      const scopes = String(response.headers['x-oauth-scopes'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return { login: body.data.viewer.login, rateLimit: body.data.rateLimit, scopes };
    },
    async rateLimits() {
      const { data } = await octokit.request('GET /rate_limit');
      return { core: data.resources.core, graphql: data.resources.graphql };
    },
  };
}

function isRateLimited(error: unknown): boolean {
  const e = error as {
    errors?: { type?: string }[];
    status?: number;
    response?: { headers?: Record<string, string> };
  };
  if (Array.isArray(e.errors) && e.errors.some((x) => x.type === 'RATE_LIMITED')) return true;
  return (
    (e.status === 403 || e.status === 429) && e.response?.headers?.['x-ratelimit-remaining'] === '0'
  );
}
