import { describe, expect, it } from 'vitest';
import {
  ghAuthTokenArgs,
  resolveEndpoint,
  tokenFromEnv,
  type Endpoint,
} from '../../src/github/endpoint.js';

/** Every token variable set, each to its own name: the answer says which one was taken. */
const ALL = {
  GH_TOKEN: 'GH_TOKEN',
  GITHUB_TOKEN: 'GITHUB_TOKEN',
  GH_ENTERPRISE_TOKEN: 'GH_ENTERPRISE_TOKEN',
  GITHUB_ENTERPRISE_TOKEN: 'GITHUB_ENTERPRISE_TOKEN',
};
const tokensFrom = (...names: (keyof typeof ALL)[]) =>
  Object.fromEntries(names.map((n) => [n, ALL[n]])) as NodeJS.ProcessEnv;

describe('resolveEndpoint: where GitHub is', () => {
  it.each<[string, NodeJS.ProcessEnv, Partial<Endpoint>]>([
    [
      'nothing set: github.com',
      {},
      {
        apiUrl: 'https://api.github.com',
        graphqlUrl: 'https://api.github.com/graphql',
        host: 'github.com',
        from: 'default',
      },
    ],
    [
      'GH_HOST an Enterprise Server',
      { GH_HOST: 'ghe.example.com' },
      {
        apiUrl: 'https://ghe.example.com/api/v3',
        graphqlUrl: 'https://ghe.example.com/api/graphql',
        host: 'ghe.example.com',
        from: 'GH_HOST',
      },
    ],
    [
      'GH_HOST in capitals, with a slash',
      { GH_HOST: 'GHE.Example.COM/' },
      { apiUrl: 'https://ghe.example.com/api/v3', host: 'ghe.example.com' },
    ],
    [
      'GH_HOST github.com',
      { GH_HOST: 'github.com' },
      { apiUrl: 'https://api.github.com', host: 'github.com', from: 'GH_HOST' },
    ],
    [
      'GH_HOST api.github.com is github.com',
      { GH_HOST: 'api.github.com' },
      { apiUrl: 'https://api.github.com', host: 'github.com' },
    ],
    [
      'GH_HOST a GHE.com tenant',
      { GH_HOST: 'acme.ghe.com' },
      {
        apiUrl: 'https://api.acme.ghe.com',
        graphqlUrl: 'https://api.acme.ghe.com/graphql',
        host: 'acme.ghe.com',
      },
    ],
    [
      'GITHUB_API_URL of an Enterprise Server',
      { GITHUB_API_URL: 'https://ghe.example.com/api/v3/' },
      {
        apiUrl: 'https://ghe.example.com/api/v3',
        graphqlUrl: 'https://ghe.example.com/api/graphql',
        host: 'ghe.example.com',
        from: 'GITHUB_API_URL',
      },
    ],
    [
      'GITHUB_API_URL wins over GH_HOST',
      { GITHUB_API_URL: 'http://127.0.0.1:8080', GH_HOST: 'ghe.example.com' },
      { apiUrl: 'http://127.0.0.1:8080', graphqlUrl: 'http://127.0.0.1:8080/graphql' },
    ],
    [
      'an empty GITHUB_API_URL is unset',
      { GITHUB_API_URL: ' ', GH_HOST: 'ghe.example.com' },
      { host: 'ghe.example.com', from: 'GH_HOST' },
    ],
  ])('%s', (_name, env, expected) => {
    expect(resolveEndpoint(env)).toMatchObject(expected);
  });

  it.each([
    [{ GITHUB_API_URL: 'not a url' }, /GITHUB_API_URL is not a URL/],
    [{ GITHUB_API_URL: 'https://u:t0ken@ghe.example.com' }, /must not contain credentials/],
    [{ GITHUB_API_URL: 'ftp://ghe.example.com' }, /must be http\(s\)/],
    [{ GH_HOST: 'https://ghe.example.com/api/v3' }, /GH_HOST must be a host name/],
    [{ GH_HOST: 'user:t0ken@ghe.example.com' }, /GH_HOST must be a host name/],
  ])('refuses %o', (env, message) => {
    expect(() => resolveEndpoint(env)).toThrow(message);
    expect(() => resolveEndpoint(env)).not.toThrow(/t0ken/);
  });
});

describe('tokenFromEnv: gh order for the host', () => {
  it.each<[string, NodeJS.ProcessEnv, string | undefined]>([
    ['github.com: GH_TOKEN before GITHUB_TOKEN', ALL, 'GH_TOKEN'],
    ['github.com: GITHUB_TOKEN alone', tokensFrom('GITHUB_TOKEN'), 'GITHUB_TOKEN'],
    [
      'github.com: a blank GH_TOKEN is unset',
      { ...tokensFrom('GITHUB_TOKEN'), GH_TOKEN: '  ' },
      'GITHUB_TOKEN',
    ],
    [
      'github.com: enterprise tokens are not github.com tokens',
      tokensFrom('GH_ENTERPRISE_TOKEN'),
      undefined,
    ],
    [
      'Enterprise Server by GH_HOST: GH_ENTERPRISE_TOKEN first',
      { ...ALL, GH_HOST: 'ghe.example.com' },
      'GH_ENTERPRISE_TOKEN',
    ],
    [
      'Enterprise Server by GH_HOST: then GITHUB_ENTERPRISE_TOKEN',
      { ...tokensFrom('GH_TOKEN', 'GITHUB_ENTERPRISE_TOKEN'), GH_HOST: 'ghe.example.com' },
      'GITHUB_ENTERPRISE_TOKEN',
    ],
    [
      "Enterprise Server by GH_HOST: never github.com's GH_TOKEN",
      { ...tokensFrom('GH_TOKEN', 'GITHUB_TOKEN'), GH_HOST: 'ghe.example.com' },
      undefined,
    ],
    ['GHE.com tenant by GH_HOST: GH_TOKEN', { ...ALL, GH_HOST: 'acme.ghe.com' }, 'GH_TOKEN'],
    [
      'Enterprise Server by GITHUB_API_URL: enterprise token first',
      { ...ALL, GITHUB_API_URL: 'https://ghe.example.com/api/v3' },
      'GH_ENTERPRISE_TOKEN',
    ],
    [
      "Enterprise Server by GITHUB_API_URL: then GH_TOKEN (GitHub Actions' token)",
      { ...tokensFrom('GITHUB_TOKEN'), GITHUB_API_URL: 'https://ghe.example.com/api/v3' },
      'GITHUB_TOKEN',
    ],
    [
      'GITHUB_API_URL of github.com: GH_TOKEN',
      { ...ALL, GITHUB_API_URL: 'https://api.github.com' },
      'GH_TOKEN',
    ],
    ['none set', {}, undefined],
  ])('%s', (_name, env, source) => {
    expect(tokenFromEnv(env, resolveEndpoint(env))?.source).toBe(source);
  });

  it('trims the value it takes', () => {
    const env = { GH_TOKEN: ' ghp_abc\n' };
    expect(tokenFromEnv(env, resolveEndpoint(env))).toEqual({
      value: 'ghp_abc',
      source: 'GH_TOKEN',
    });
  });
});

describe('ghAuthTokenArgs: which of gh logins', () => {
  it.each([
    [{}, 'github.com'],
    [{ GITHUB_API_URL: 'https://api.github.com' }, 'github.com'],
    [{ GH_HOST: 'ghe.example.com' }, 'ghe.example.com'],
    [{ GITHUB_API_URL: 'https://ghe.example.com/api/v3' }, 'ghe.example.com'],
  ])('%o → --hostname %s', (env, host) => {
    expect(ghAuthTokenArgs(resolveEndpoint(env))).toEqual(['auth', 'token', '--hostname', host]);
  });
});
