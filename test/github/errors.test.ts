import { describe, expect, it } from 'vitest';
import {
  GitHubAuthError,
  GitHubError,
  GitHubUnreachableError,
  networkFailure,
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

  /** A fetch failure as Octokit throws it: RequestError(500) ← TypeError('fetch failed') ← cause. */
  const fetchFailure = (cause: object) =>
    Object.assign(new Error('fetch failed'), {
      status: 500,
      cause: Object.assign(new TypeError('fetch failed'), { cause }),
    });
  it.each([
    [
      { code: 'ENOTFOUND', hostname: 'api.github.com' },
      'the host name did not resolve (ENOTFOUND)',
      'DNS',
    ],
    [{ code: 'EAI_AGAIN' }, 'the host name did not resolve (EAI_AGAIN)', 'DNS'],
    [{ code: 'ECONNREFUSED' }, 'the connection was refused (ECONNREFUSED)', 'port'],
    [
      { code: 'ECONNRESET' },
      'the connection was closed before GitHub answered (ECONNRESET)',
      'proxy',
    ],
    [{ code: 'UND_ERR_SOCKET' }, 'closed before GitHub answered (UND_ERR_SOCKET)', 'try again'],
    [
      { code: 'UND_ERR_CONNECT_TIMEOUT' },
      'no answer in time (UND_ERR_CONNECT_TIMEOUT)',
      'try again',
    ],
    [{ name: 'TimeoutError' }, 'no answer in time (TimeoutError)', 'try again'],
    [{ code: 'EHOSTUNREACH' }, 'the network is unreachable (EHOSTUNREACH)', 'network'],
    [
      { code: 'SELF_SIGNED_CERT_IN_CHAIN' },
      'not trusted (SELF_SIGNED_CERT_IN_CHAIN)',
      'NODE_EXTRA_CA_CERTS',
    ],
    [{ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'not trusted', 'NODE_EXTRA_CA_CERTS'],
  ])('a network failure %o: GitHub could not be reached, %s', (cause, why, check) => {
    const translated = translateGitHubError(fetchFailure(cause), [], 'api.github.com');
    expect(translated).toBeInstanceOf(GitHubUnreachableError);
    expect(translated.message).toMatch(/^GitHub could not be reached at api\.github\.com: /);
    expect(translated.message).toContain(why);
    expect(translated.message).toContain(check);
    expect(translated.message).not.toContain('HTTP 500');
  });

  it.each([
    ['an answer with a status', requestError(502, 'Bad Gateway')],
    [
      'a failure without a network cause',
      fetchFailure({ message: 'Request cannot be constructed' }),
    ],
  ])('%s is not a network failure', (_name, error) => {
    expect(networkFailure(error)).toBeUndefined();
    expect(translateGitHubError(error, [], 'api.github.com')).not.toBeInstanceOf(
      GitHubUnreachableError,
    );
  });

  it('gives one error kind for every rate limit, and leaves radar errors as they are', () => {
    const limit = translateGitHubError(requestError(429, 'slow down'), []);
    expect(limit).toBeInstanceOf(RateLimitError);
    const auth = new GitHubAuthError('HTTP 401: Bad credentials');
    expect(translateGitHubError(auth, [])).toBe(auth);
  });
});
