import { Octokit } from '@octokit/core';
import { requestLog } from '@octokit/plugin-request-log';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import nodeFetch from 'node-fetch';
import type { Logger } from 'pino';
import type { Endpoint } from './endpoint.js';
import { GitHubError, RateLimitError, translateGitHubError } from './errors.js';
import { redactSecrets } from '../redact.js';
import { DETAILS_QUERY, NODES_QUERY, SEARCH_QUERY, VIEWER_QUERY } from './queries.js';
import { toDetails } from './normalize.js';
import { readPullRequests } from './digest.js';
import { yieldWithoutTimerFloor } from './limiter-yield.js';
import type {
  ConnectionSizes,
  GitHubPort,
  KnownSnapshots,
  RateLimitInfo,
  WriteResult,
} from './port.js';
import {
  isDetailsNode,
  isObject,
  isPullRequestNode,
  rateLimitOf as readRateLimit,
} from './guards.js';
import type * as Schema from './schema.js';

/**
 * The Octokit implementation of the GitHub port (port.ts): GitHub's own throttling and retry
 * behaviour, every error one of radar's GitHub errors (errors.ts) with its message masked, and
 * every GraphQL node checked against schema.ts before it becomes a snapshot.
 */

export type { ConnectionSizes, GitHubPort, RateLimitInfo } from './port.js';

/**
 * Octokit's core (radar sends every request through `request`; `@octokit/rest`'s generated
 * endpoint methods and pagination, which it never called, cost a scan about 15 ms to load), with
 * the request log `@octokit/rest` adds, GitHub's throttling and retry.
 */
const RadarOctokit = Octokit.plugin(requestLog, throttling, retry);

/**
 * A stand-in for a limiter group of the throttling plugin: runs each job at once (see
 * createGitHubClient).
 */
const atOnce = {
  key: () => ({
    schedule: <A extends unknown[], R>(
      _options: unknown,
      job: (...args: A) => R,
      ...args: A
    ): Promise<Awaited<R>> => Promise.resolve(job(...args)) as Promise<Awaited<R>>,
  }),
};

/**
 * A keep-alive agent (as node's own global agents are) that says when each request's bytes have
 * been handed to the network: `addRequest` is where every request made with an agent meets it.
 */
function signallingAgent<A extends typeof http.Agent | typeof https.Agent>(
  Base: A,
  onWritten: () => void,
): InstanceType<A> {
  type WithAddRequest = { addRequest(req: http.ClientRequest, options: unknown): void };
  const agent = new Base({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
  const base = (agent as unknown as WithAddRequest).addRequest.bind(agent);
  (agent as unknown as WithAddRequest).addRequest = (req, requestOptions) => {
    req.once('finish', onWritten);
    base(req, requestOptions);
  };
  return agent as InstanceType<A>;
}

export interface ClientOptions {
  endpoint: Pick<Endpoint, 'apiUrl' | 'graphqlUrl'>;
  token: string;
  logger: Logger;
  /** A request that has not answered after this long is aborted (and retried). */
  requestTimeoutMs?: number;
  /** Longest secondary-limit wait honoured before giving up (seconds). */
  maxRetryAfterSeconds?: number;
  userAgent?: string;
}

export function createGitHubClient(options: ClientOptions): GitHubPort {
  yieldWithoutTimerFloor();
  const { logger } = options;
  const maxWait = options.maxRetryAfterSeconds ?? 120;
  const malformedRetries = 2;
  const malformedDelayMs = 500;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  let requests = 0;
  const secrets = [options.token];
  const host = new URL(options.endpoint.apiUrl).host;
  const mask = (m: unknown) => redactSecrets(String(m), secrets);
  // `sent()`: the last read's request handed to the network (or failed before it was).
  let written: Promise<void> = Promise.resolve();
  let markWritten: (() => void) | undefined;
  const expectWrite = () => {
    markWritten?.();
    written = new Promise((resolve) => (markWritten = resolve));
  };
  const wrote = () => {
    markWritten?.();
    markWritten = undefined;
  };
  const agents = {
    http: signallingAgent(http.Agent, wrote),
    https: signallingAgent(https.Agent, wrote),
  };
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
      write: atOnce as never,
      // Its global group only caps concurrent requests at ten; radar sends one at a time, and
      // each pass through a Bottleneck limiter costs a request timers (limiter-yield.ts).
      global: atOnce as never,
    },
    // 5xx and network failures: two retries. Rate limits (403, 429) belong to the throttling
    // options above alone; a per-request `retries` option would make the retry plugin repeat
    // every failed request, a 401 or a secondary limit included.
    retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    request: {
      // Every HTTP request passes here, retries included: that is what `requests` counts.
      // A hung connection must not hold the cron lock forever: abort each request after a while.
      // node-fetch speaks HTTP through node:http: node's built-in fetch loads and compiles its
      // own HTTP stack (undici) at the first request, which cost a scan about 0.3 s of CPU.
      fetch: async (url: string | URL, init?: RequestInit) => {
        requests++;
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          return (await nodeFetch(String(url), {
            ...(init as Parameters<typeof nodeFetch>[1]),
            signal,
            agent: (target: URL) => (target.protocol === 'http:' ? agents.http : agents.https),
          })) as unknown as Response;
        } catch (error) {
          wrote();
          // node-fetch rejects an aborted request with an AbortError of its own; the timeout
          // itself (a TimeoutError, as node's fetch rejects with) is what errors.ts recognises.
          throw signal.aborted ? signal.reason : error;
        }
      },
    },
  });
  /** Runs one port call; whatever it throws leaves as one of radar's GitHub errors, masked. */
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw translateGitHubError(error, secrets, host);
    }
  };

  /**
   * One GraphQL document; answers `data` when it holds `key`. The body is parsed here, with
   * JSON.parse: Octokit's own parser (big-integer aware, which radar does not need) costs several
   * times as much and overflows the stack on a multi-megabyte string, which left one PR with a
   * huge comment unreadable. A body that is not the JSON GitHub promised (truncated by a proxy,
   * say) is not an HTTP error, so the retry plugin never sees it: it is retried here, like a 5xx.
   */
  const graphql = async (
    query: string,
    variables: Record<string, unknown>,
    key: string,
  ): Promise<{ data: Record<string, unknown>; partial?: string }> => {
    expectWrite();
    for (let attempt = 0; ; attempt++) {
      let stream: AsyncIterable<Uint8Array> | null;
      try {
        const response = await octokit.request(`POST ${options.endpoint.graphqlUrl}`, {
          query,
          variables,
          request: { parseSuccessResponseBody: false },
        });
        stream = response.data as AsyncIterable<Uint8Array> | null;
      } catch (error) {
        wrote();
        throw translateGitHubError(error, secrets, host);
      }
      // A body cut off on the way (the connection lost mid-answer) is retried like a malformed one.
      const body = parseObject(await readText(stream).catch(() => ''));
      const data = body?.data;
      const errors = Array.isArray(body?.errors) ? (body.errors as unknown[]) : [];
      const holds = isObject(data) && key in data && Boolean(data[key]);
      if (errors.length > 0) {
        const message = errors
          .map((e) => String((e as { message?: unknown } | null)?.message ?? 'unknown error'))
          .join('; ');
        const failure = translateGitHubError({ message, errors }, secrets);
        if (failure instanceof RateLimitError || !holds) throw failure;
        // Partial success (a PR in an org that blocks this token, say): keep the data GitHub sent.
        return { data, partial: failure.message };
      }
      if (isObject(data) && key in data) return { data };
      if (attempt >= malformedRetries)
        throw new GitHubError('GitHub sent a malformed GraphQL response');
      logger.warn({ attempt }, 'malformed GraphQL response; retrying');
      await new Promise((resolve) => setTimeout(resolve, malformedDelayMs * (attempt + 1)));
    }
  };

  /** schema.ts, and zod with it: loaded for the first answer with a node to check. */
  let schema: Promise<typeof Schema> | undefined;
  const schemas = () => (schema ??= import('./schema.js'));
  /** Runs a check (schema.ts); each node it dropped is logged, masked. */
  const checked = <T>(dropped: string[], check: () => T): T => {
    const before = dropped.length;
    const out = check();
    for (let i = before; i < dropped.length; i++) {
      dropped[i] = mask(dropped[i]);
      logger.warn({ problem: dropped[i] }, 'GitHub sent a malformed node; dropped');
    }
    return out;
  };
  /** An answer's PR nodes: those sent as before reused, the rest checked and normalised. */
  const pullRequestsOf = (nodes: unknown, known: KnownSnapshots | undefined, dropped: string[]) =>
    readPullRequests(
      nodes,
      known,
      async (fresh, into) => {
        const s = await schemas();
        return checked(into, () => s.checkPullRequestNodes(fresh, into));
      },
      dropped,
    );
  const rateLimitOf = (data: Record<string, unknown>): RateLimitInfo | null =>
    readRateLimit(data.rateLimit);
  const sizeVariables = (sizes: ConnectionSizes) => ({
    reviews: sizes.reviews,
    comments: sizes.comments,
    checks: sizes.checks,
    issues: sizes.issues,
  });

  /**
   * A REST write, with the same throttling and error translation as the reads but never resent
   * after a 5xx or a lost connection: GitHub may have done it already, and a comment posted twice
   * cannot be taken back. (A rate-limited write was not done, so the throttling may retry it.)
   */
  const write = async (route: string, params: Record<string, unknown>): Promise<WriteResult> => {
    try {
      await octokit.request(route, { ...params, request: { retries: 0 } });
      return { ok: true };
    } catch (error) {
      const failure = translateGitHubError(error, secrets, host);
      const status = failure instanceof RateLimitError ? 429 : (failure.status ?? 0);
      // GitHub's own words when it sent some (Octokit adds the documentation URL to its message).
      const said = (error as { response?: { data?: { message?: unknown } } }).response?.data
        ?.message;
      const message = typeof said === 'string' ? mask(said) : failure.message;
      return { ok: false, status, message };
    }
  };
  const ownerAndName = (repo: string) => {
    const [owner = '', name = ''] = repo.split('/');
    return { owner, repo: name };
  };

  const searchAnswer: GitHubPort['searchAnswer'] = (query, first, after, sizes) =>
    call(async () => {
      const { data, partial } = await graphql(
        SEARCH_QUERY,
        { q: query, first, after, ...sizeVariables(sizes) },
        'search',
      );
      const search = (isObject(data.search) ? data.search : {}) as {
        issueCount?: unknown;
        pageInfo?: { hasNextPage?: unknown; endCursor?: unknown };
        nodes?: unknown;
      };
      const { nodes } = search;
      return {
        issueCount:
          typeof search.issueCount === 'number'
            ? search.issueCount
            : Array.isArray(nodes)
              ? nodes.filter(isPullRequestNode).length
              : 0,
        hasNextPage: search.pageInfo?.hasNextPage === true,
        endCursor:
          typeof search.pageInfo?.endCursor === 'string' ? search.pageInfo.endCursor : null,
        rateLimit: rateLimitOf(data),
        partial,
        read: (known) =>
          call(async () => {
            const dropped: string[] = [];
            const prs = (await pullRequestsOf(nodes, known, dropped)).filter((p) => p !== null);
            return { prs, dropped };
          }),
      };
    });

  return {
    get requests() {
      return requests;
    },
    sent: () => written,
    searchAnswer,
    pullRequestsById: (ids, sizes, known) =>
      call(async () => {
        const { data, partial } = await graphql(
          NODES_QUERY,
          { ids, ...sizeVariables(sizes) },
          'nodes',
        );
        const dropped: string[] = [];
        const prs = await pullRequestsOf(data.nodes, known, dropped);
        return {
          prs,
          dropped,
          rateLimit: rateLimitOf(data),
          // A dropped node is not a deleted PR: the scan must not record it closed.
          partial: partial ?? (dropped.length > 0 ? 'some PRs were malformed' : undefined),
        };
      }),
    pullRequestDetails: (ids, sizes) =>
      call(async () => {
        const { data, partial } = await graphql(
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
        const dropped: string[] = [];
        const s = await schemas();
        const details = checked(dropped, () =>
          s.checkNodes(data.nodes, s.pullRequestDetailsNode, isDetailsNode, dropped),
        ).map((n) => (n ? toDetails(n, sizes.maxBodyChars) : null));
        return { details, dropped, rateLimit: rateLimitOf(data), partial };
      }),
    viewer: () =>
      call(async () => {
        const response = await octokit.request(`POST ${options.endpoint.graphqlUrl}`, {
          query: VIEWER_QUERY,
        });
        const body = response.data as {
          data?: { viewer?: { login?: unknown }; rateLimit?: unknown };
          errors?: unknown[];
        };
        const login = body.data?.viewer?.login;
        if (typeof login !== 'string')
          throw new GitHubError('GitHub answered the viewer query without data');
        const scopes = String(response.headers['x-oauth-scopes'] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        return { login, rateLimit: rateLimitOf(body.data ?? {}), scopes };
      }),
    commentsSince: (repo, number, sinceMs) =>
      call(async () => {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
          {
            ...ownerAndName(repo),
            issue_number: number,
            since: new Date(Math.max(0, sinceMs)).toISOString(),
            per_page: 100,
          },
        );
        return data.map((c) => c.body ?? '');
      }),
    pullRequestBody: (repo, number) =>
      call(async () => {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          ...ownerAndName(repo),
          pull_number: number,
        });
        return data.body ?? '';
      }),
    rateLimits: () =>
      call(async () => {
        const { data } = await octokit.request('GET /rate_limit');
        return { core: data.resources.core, graphql: data.resources.graphql };
      }),
    comment: (repo, number, body) =>
      write('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        ...ownerAndName(repo),
        issue_number: number,
        body,
      }),
    editBody: (repo, number, body) =>
      write('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
        ...ownerAndName(repo),
        pull_number: number,
        body,
      }),
    close: (repo, number) =>
      write('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
        ...ownerAndName(repo),
        pull_number: number,
        state: 'closed',
      }),
  };
}

/** A response body read to its end, as UTF-8 text. */
async function readText(stream: AsyncIterable<Uint8Array> | null): Promise<string> {
  const chunks: Uint8Array[] = [];
  if (stream instanceof Readable) {
    // node-fetch's body, read by its events: its async iterator cost a scan of 1,000 PRs about
    // 25 ms more. `finished` rejects on an error and on a connection closed mid-answer.
    stream.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    await finished(stream);
  } else for await (const chunk of stream ?? []) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as a JSON object, or undefined when it is not one. */
function parseObject(text: string): { data?: unknown; errors?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
