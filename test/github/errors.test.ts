import { describe, expect, it } from 'vitest';
import {
  GitHubAuthError,
  GitHubError,
  RateLimitError,
  translateGitHubError,
} from '../../src/github/errors.js';

/** Error objects shaped as Octokit throws them (RequestError, GraphqlResponseError, fetch). */
const requestError = (status: number, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { status, response: { headers, data: {} } });

describe('translateGitHubError', () => {
  const secret = 'opaque-token-value';
  const cases: [string, unknown, object][] = [
    [
      'secondary limit, 403 with retry-after',
      requestError(403, 'You have exceeded a secondary rate limit.', { 'retry-after': '30' }),
      { name: 'RateLimitError', kind: 'secondary', retryAfterSeconds: 30, status: 403 },
    ],
    [
      'secondary limit, 429 without headers',
      requestError(429, 'Too many requests'),
      { name: 'RateLimitError', kind: 'secondary', retryAfterSeconds: undefined },
    ],
    [
      'the older abuse wording',
      requestError(403, 'You have triggered an abuse detection mechanism.'),
      { name: 'RateLimitError', kind: 'secondary' },
    ],
    [
      'primary limit, REST',
      requestError(403, 'API rate limit exceeded for user ID 1.', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1781524800',
      }),
      { name: 'RateLimitError', kind: 'primary', resetAt: '2026-06-15T12:00:00.000Z' },
    ],
    [
      'primary limit, GraphQL',
      Object.assign(new Error('GraphQL Rate Limit Exceeded'), {
        response: { headers: {}, data: { errors: [{ type: 'RATE_LIMITED' }] } },
      }),
      { name: 'RateLimitError', kind: 'primary' },
    ],
    [
      'a 403 that is no rate limit',
      requestError(403, 'Resource not accessible by integration'),
      {
        name: 'GitHubError',
        status: 403,
        message: 'HTTP 403: Resource not accessible by integration',
      },
    ],
    [
      'bad credentials',
      requestError(401, 'Bad credentials'),
      { name: 'GitHubAuthError', status: 401 },
    ],
    [
      'a fetch failure quoting a URL with the token in it',
      requestError(500, `Request cannot be constructed from http://x:${secret}@h/graphql`),
      {
        name: 'GitHubError',
        message: 'HTTP 500: Request cannot be constructed from http://[REDACTED]@h/graphql',
      },
    ],
    [
      'no status at all',
      new Error(`socket hang up (token ${secret})`),
      { name: 'GitHubError', status: undefined, message: 'socket hang up (token [REDACTED])' },
    ],
  ];
  for (const [name, error, expected] of cases) {
    it(name, () => {
      const translated = translateGitHubError(error, [secret]);
      expect(translated).toBeInstanceOf(GitHubError);
      expect(translated).toMatchObject(expected);
      expect(translated.message).not.toContain(secret);
    });
  }

  it('gives one error kind for every rate limit, and leaves radar errors as they are', () => {
    const limit = translateGitHubError(requestError(429, 'slow down'), []);
    expect(limit).toBeInstanceOf(RateLimitError);
    const auth = new GitHubAuthError('HTTP 401: Bad credentials');
    expect(translateGitHubError(auth, [])).toBe(auth);
  });
});
