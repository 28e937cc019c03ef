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
 * error, a fetch failure) → a GitHubError with a masked message. `secrets` are the values that
 * must never appear (the token).
 */
export function translateGitHubError(error: unknown, secrets: readonly string[]): GitHubError {
  if (error instanceof GitHubError) return error;
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
