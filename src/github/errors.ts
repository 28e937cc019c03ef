import { RadarError } from '../core/errors.js';
import { redactSecrets } from '../redact.js';

/**
 * radar's own GitHub error kinds. Octokit's errors are translated once, where calls leave the
 * port (client.ts), so the scan and the commands never look at HTTP statuses or headers, and no
 * message that may quote a request URL or header leaves the port unmasked.
 */

export class GitHubError extends RadarError {
  constructor(
    message: string,
    /** The HTTP status, when GitHub answered at all. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GitHubError';
  }
}

/** 401: the token is missing, expired or revoked. */
export class GitHubAuthError extends GitHubError {
  constructor(message: string) {
    super(message, 401);
    this.name = 'GitHubAuthError';
  }
}

/**
 * Every kind of rate limit: the primary limit exhausted (points or requests), or a secondary
 * limit that persisted after the retries GitHub's `retry-after` allowed. Either way the scan
 * stops: sending more requests only prolongs the block.
 */
export class RateLimitError extends GitHubError {
  constructor(
    readonly kind: 'primary' | 'secondary',
    /** Seconds GitHub asked to wait (`retry-after`), when it said. */
    readonly retryAfterSeconds?: number,
    /** When the primary window refills (`x-ratelimit-reset`), when known. */
    readonly resetAt?: string,
    status?: number,
  ) {
    super(
      kind === 'secondary'
        ? "GitHub's secondary rate limit persisted"
        : "GitHub's rate limit is exhausted",
      status,
    );
    this.name = 'RateLimitError';
  }
}

/**
 * GitHub could not be reached at all: no DNS answer, the connection refused, reset or timed out,
 * a certificate not trusted. Said once, with the host and what to check, never the request.
 */
export class GitHubUnreachableError extends GitHubError {
  constructor(
    readonly host: string,
    /** What went wrong, in a few words (with the system's error code). */
    readonly why: string,
    readonly check: string,
  ) {
    super(`GitHub could not be reached at ${host}: ${why}; ${check}`);
    this.name = 'GitHubUnreachableError';
  }
}

/** A network failure's system code → what happened, and what the user should check. */
const NETWORK_CODES: readonly [RegExp, string, string][] = [
  [
    /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)$/,
    'the host name did not resolve',
    'check the network connection and DNS, and the host in GITHUB_API_URL or GH_HOST',
  ],
  [
    /^ECONNREFUSED$/,
    'the connection was refused',
    'check the host and port in GITHUB_API_URL or GH_HOST, and any firewall or proxy',
  ],
  [
    /^(ECONNRESET|EPIPE|UND_ERR_SOCKET|ECONNABORTED)$/,
    'the connection was closed before GitHub answered',
    'check the network connection and any proxy or firewall, then try again',
  ],
  [
    /^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|TimeoutError)$/,
    'no answer in time',
    'check the network connection and any proxy or firewall, then try again',
  ],
  [
    /^(ENETUNREACH|EHOSTUNREACH|ENETDOWN|EHOSTDOWN)$/,
    'the network is unreachable',
    'check the network connection',
  ],
  [
    /^(CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID)/,
    'its TLS certificate is not trusted',
    "for a GitHub Enterprise Server with its own certificate authority, name the CA's file in NODE_EXTRA_CA_CERTS",
  ],
];

/**
 * Pure: the network failure somewhere in an error's cause chain (fetch wraps the system error
 * in a TypeError, Octokit wraps that in a RequestError), or undefined when GitHub did answer.
 */
export function networkFailure(
  error: unknown,
): { code: string; why: string; check: string } | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const { code, name, cause } = e as { code?: unknown; name?: unknown; cause?: unknown };
    for (const key of [code, name])
      if (typeof key === 'string')
        for (const [pattern, why, check] of NETWORK_CODES)
          if (pattern.test(key)) return { code: key, why, check };
    e = cause;
  }
  return undefined;
}

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  status?: unknown;
  errors?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

const header = (e: ErrorShape, name: string): string | undefined => {
  const value = e.response?.headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
};

function graphqlErrorTypes(e: ErrorShape): string[] {
  const lists = [e.errors, (e.response?.data as { errors?: unknown } | undefined)?.errors];
  return lists.flatMap((list) =>
    Array.isArray(list) ? list.map((x) => String((x as { type?: unknown })?.type ?? '')) : [],
  );
}

/**
 * Octokit's error (RequestError, GraphqlResponseError, the throttling plugin's GraphQL rate-limit
 * error, a fetch failure) → a GitHubError with a masked message; a failure to reach `host` at
 * all → a GitHubUnreachableError that names it. `secrets` are the values that
 * must never appear (the token).
 */
export function translateGitHubError(
  error: unknown,
  secrets: readonly string[],
  /** The host the request went to, for a failure to reach it. */
  host?: string,
): GitHubError {
  if (error instanceof GitHubError) return error;
  const network = networkFailure(error);
  if (network && host)
    return new GitHubUnreachableError(host, `${network.why} (${network.code})`, network.check);
  const e = (error ?? {}) as ErrorShape;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const message = redactSecrets(
    String(e.message ?? error)
      .replace(/\s+/g, ' ')
      .trim(),
    secrets,
  );
  const remaining = header(e, 'x-ratelimit-remaining');
  const retryAfter = Number(header(e, 'retry-after'));
  const reset = Number(header(e, 'x-ratelimit-reset'));
  const resetAt = reset > 0 ? new Date(reset * 1000).toISOString() : undefined;
  const retryAfterSeconds = retryAfter > 0 ? retryAfter : undefined;
  if (graphqlErrorTypes(e).includes('RATE_LIMITED') || /GraphQL Rate Limit Exceeded/.test(message))
    return new RateLimitError('primary', retryAfterSeconds, resetAt, status);
  if (status === 403 || status === 429) {
    if (/secondary rate|abuse/i.test(message) || retryAfterSeconds !== undefined)
      return new RateLimitError('secondary', retryAfterSeconds, resetAt, status);
    if (remaining === '0') return new RateLimitError('primary', retryAfterSeconds, resetAt, status);
    // GitHub documents 429 as a rate limit even without the headers that say which one.
    if (status === 429) return new RateLimitError('secondary', undefined, resetAt, status);
  }
  if (status === 401) return new GitHubAuthError(`HTTP 401: ${message}`);
  return new GitHubError(status ? `HTTP ${status}: ${message}` : message, status);
}
