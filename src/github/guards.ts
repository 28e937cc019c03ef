import type { RateLimitInfo } from './port.js';

/**
 * The checks every GitHub answer needs, without zod: which nodes are PRs or details, and the
 * rate limit each answer reports. Hand-written because they are this small, and because zod
 * (about 15–25 ms of a scan's start) is then loaded only for an answer with a node to check
 * (schema.ts): a scan of a queue that did not change loads none.
 */

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A pull request node (search answers non-PR nodes as empty objects). */
export const isPullRequestNode = (n: unknown): boolean => isObject(n) && 'number' in n;
/** A details node (null or empty for an id that is not a PR). */
export const isDetailsNode = (n: unknown): boolean => isObject(n) && 'id' in n;

/** An answer's `rateLimit { cost remaining limit resetAt }`, or null when it is not that. */
export function rateLimitOf(value: unknown): RateLimitInfo | null {
  if (!isObject(value)) return null;
  const { cost, remaining, limit, resetAt } = value;
  return typeof cost === 'number' &&
    typeof remaining === 'number' &&
    typeof limit === 'number' &&
    typeof resetAt === 'string'
    ? { cost, remaining, limit, resetAt }
    : null;
}
