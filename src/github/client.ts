import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import type { Logger } from 'pino';
import type { Endpoint } from './endpoint.js';
import { GitHubError, RateLimitError, translateGitHubError } from './errors.js';
import { redactSecrets } from '../redact.js';
import { DETAILS_QUERY, NODES_QUERY, SEARCH_QUERY, VIEWER_QUERY } from './queries.js';
import type { RawPullRequest, RawPullRequestDetails } from './normalize.js';

/**
 * The GitHub port: the few calls radar makes, behind an interface so the scan never sees HTTP.
 * The Octokit implementation brings GitHub's own throttling and retry behaviour; every error it
 * throws is one of radar's GitHub errors (errors.ts), its message masked.
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
  /** Issues a PR closes. */
  issues: number;
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
  /** Comment and review bodies and closing issues' labels of these PRs (null: not visible). */
  pullRequestDetails(
    ids: string[],
    sizes: ConnectionSizes & { labels: number },
  ): Promise<{
    details: (RawPullRequestDetails | null)[];
    rateLimit: RateLimitInfo;
    partial?: string;
  }>;
  viewer(): Promise<{ login: string; rateLimit: RateLimitInfo; scopes: string[] }>;
  /** GET /rate_limit: free of charge. */
  rateLimits(): Promise<{
    core: { remaining: number; limit: number; reset: number };
    graphql?: { remaining: number; limit: number; reset: number };
  }>;
  /** HTTP requests sent so far (retries included). */
  readonly requests: number;
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
  const secrets = [options.token];
  const mask = (m: unknown) => redactSecrets(String(m), secrets);
  const octokit = new RadarOctokit({
    auth: options.token,
    baseUrl: options.endpoint.apiUrl,
    userAgent: options.userAgent ?? 'radar-pr-watch',
    // Octokit's default logger prints to the console; route it through pino. Only the message is
    // kept (the request options beside it hold the Authorization header), masked here with the
    // token itself and again by pino. A failed request is reported once, by radar, so Octokit's
    // own line for it stays out of a cron job's stderr.
    log: {
      debug: (m: unknown) => logger.debug(mask(m)),
      info: (m: unknown) => logger.debug(mask(m)),
      warn: (m: unknown) => logger.warn(mask(m)),
      error: (m: unknown) => logger.info(mask(m)),
    },
    throttle: {
      // The primary limit resets up to an hour later: a cron scan stops and keeps what it has.
      onRateLimit: (retryAfter: number, opts: { method: string; url: string }) => {
        logger.info({ retryAfter, url: mask(opts.url) }, 'primary rate limit reached; not waiting');
        return false;
      },
      // Secondary limits are short: wait as GitHub asks (retry-after), twice at most. A limit that
      // persists after that is a RateLimitError and the scan stops: GitHub may block an
      // integration that keeps sending requests into a secondary limit.
      onSecondaryRateLimit: (
        retryAfter: number,
        opts: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        const retry = retryCount < 2 && retryAfter <= maxWait;
        logger.info(
          { retryAfter, url: mask(opts.url), retryCount },
          retry ? 'secondary rate limit; waiting' : 'secondary rate limit; giving up',
        );
        return retry;
      },
      // The plugin paces every GraphQL call like a mutation (one per second). radar only sends
      // read-only queries, one at a time (GitHub's guidance: no concurrency), so it skips that
      // pacing; rate limits and retry-after are still handled above.
      write: sequentialReads as never,
    },
    // 5xx and network failures: two retries. Rate limits (403, 429) belong to the throttling
    // options above alone; a per-request `retries` option would make the retry plugin repeat
    // every failed request, a 401 or a secondary limit included.
    retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    request: {
      // Every HTTP request passes here, retries included: that is what `requests` counts.
      // A hung connection must not hold the cron lock forever: abort each request after a while.
      fetch: (url: string | URL, init?: RequestInit) => {
        requests++;
        return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      },
    },
  });
  /** Runs one port call; whatever it throws leaves as one of radar's GitHub errors, masked. */
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw translateGitHubError(error, secrets);
    }
  };

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
        const translated = translateGitHubError(error, secrets);
        if (translated instanceof RateLimitError) throw translated;
        // Partial success (a PR in an org that blocks this token, say): keep the data GitHub sent.
        const partial = (error as { data?: unknown }).data;
        if (
          partial !== null &&
          typeof partial === 'object' &&
          key in partial &&
          (partial as Record<string, unknown>)[key]
        ) {
          return { ...(partial as T), partial: translated.message };
        }
        throw translated;
      }
      if (data !== null && typeof data === 'object' && key in data)
        return data as T & { partial?: string };
      if (attempt >= malformedRetries)
        throw new GitHubError('GitHub sent a malformed GraphQL response');
      logger.warn({ attempt }, 'malformed GraphQL response; retrying');
      await new Promise((resolve) => setTimeout(resolve, malformedDelayMs * (attempt + 1)));
    }
  };

  return {
    get requests() {
      return requests;
    },
    searchPullRequests: (query, first, after, sizes) =>
      call(async () => {
        const data = await graphql<{
          rateLimit: RateLimitInfo;
          search: {
            issueCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            nodes: (RawPullRequest | Record<string, never>)[];
          };
        }>(
          SEARCH_QUERY,
          {
            q: query,
            first,
            after,
            reviews: sizes.reviews,
            comments: sizes.comments,
            checks: sizes.checks,
            issues: sizes.issues,
          },
          'search',
        );
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
      }),
    pullRequestsById: (ids, sizes) =>
      call(async () => {
        const data = await graphql<{ rateLimit: RateLimitInfo; nodes: (RawPullRequest | null)[] }>(
          NODES_QUERY,
          {
            ids,
            reviews: sizes.reviews,
            comments: sizes.comments,
            checks: sizes.checks,
            issues: sizes.issues,
          },
          'nodes',
        );
        return {
          prs: (data.nodes ?? []).map((n) => (n && 'number' in n ? n : null)),
          rateLimit: data.rateLimit,
          partial: data.partial,
        };
      }),
    pullRequestDetails: (ids, sizes) =>
      call(async () => {
        const data = await graphql<{
          rateLimit: RateLimitInfo;
          nodes: (RawPullRequestDetails | null)[];
        }>(
          DETAILS_QUERY,
          {
            ids,
            reviews: sizes.reviews,
            comments: sizes.comments,
            issues: sizes.issues,
            labels: sizes.labels,
          },
          'nodes',
        );
        return {
          details: (data.nodes ?? []).map((n) => (n && 'id' in n ? n : null)),
          rateLimit: data.rateLimit,
          partial: data.partial,
        };
      }),
    viewer: () =>
      call(async () => {
        const response = await octokit.request('POST /graphql', { query: VIEWER_QUERY });
        const body = response.data as {
          data?: { viewer: { login: string }; rateLimit: RateLimitInfo };
          errors?: unknown[];
        };
        if (!body.data) throw new GitHubError('GitHub answered the viewer query without data');
        const scopes = String(response.headers['x-oauth-scopes'] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        return { login: body.data.viewer.login, rateLimit: body.data.rateLimit, scopes };
      }),
    rateLimits: () =>
      call(async () => {
        const { data } = await octokit.request('GET /rate_limit');
        return { core: data.resources.core, graphql: data.resources.graphql };
      }),
  };
}
