import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../src/logging.js';
import { redactUrl } from '../../src/redact.js';
import { createGitHubClient } from '../../src/github/client.js';
import { resolveEndpoint } from '../../src/github/endpoint.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { startFakeGitHub } from '../../src/testing/fake-github/server.js';
import { tempTree } from '../helpers/cli.js';
import { searchPage } from '../helpers/search-page.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('logging', () => {
  it('never writes a GitHub token or API key to the JSON log file, in fields or in messages', () => {
    const { dir, cleanup } = tempTree();
    cleanups.push(cleanup);
    const file = join(dir, 'logs/radar.log');
    const logger = createLogger({ level: 'silent', file });
    const token = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
    logger.info(
      { token, headers: { authorization: `token ${token}` }, env: { GITHUB_TOKEN: token } },
      'request',
    );
    logger.warn(`retrying with ${token} and sk-ant-api03-abcdefghijklmnopqrstuv`);
    logger.flush();
    const text = readFileSync(file, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(text).not.toContain(token);
    expect(text).not.toContain('sk-ant-api03');
    expect(lines[0]).toMatchObject({
      token: '[REDACTED]',
      headers: { authorization: '[REDACTED]' },
    });
    expect(lines[1]?.msg).toBe('retrying with [REDACTED] and [REDACTED]');
  });

  it('masks credential-shaped strings in free text', () => {
    expect(redactSecrets('use github_pat_11ABCDEFG0123456789_abcdefghijklmnop now')).toBe(
      'use [REDACTED] now',
    );
    expect(redactSecrets('no secrets here: tokens used 12,345')).toBe(
      'no secrets here: tokens used 12,345',
    );
  });

  it('masks user-info in URLs, Authorization values, credential query parameters and known secrets', () => {
    const cases: [string, string][] = [
      [
        'fetch failed: http://x-access-token:s3cr3t-value@127.0.0.1:8080/graphql',
        'fetch failed: http://[REDACTED]@127.0.0.1:8080/graphql',
      ],
      [
        'see https://only-a-user@ghe.example.com/api/v3',
        'see https://[REDACTED]@ghe.example.com/api/v3',
      ],
      ['Authorization: token abc123def', 'Authorization: [REDACTED]'],
      ['{"authorization":"Bearer abc.def"}', '{"authorization":"[REDACTED]"}'],
      ['GET /x?access_token=abc123&page=2', 'GET /x?access_token=[REDACTED]&page=2'],
      ['mail me: someone@example.com', 'mail me: someone@example.com'],
    ];
    for (const [input, output] of cases) expect(redactSecrets(input)).toBe(output);
    expect(redactSecrets('token plain-looking-value used', ['plain-looking-value'])).toBe(
      'token [REDACTED] used',
    );
    expect(redactUrl('http://u:p@host:1/api/v3')).toBe('http://[REDACTED]@host:1/api/v3');
    // Not a URL a parser accepts, and no user-info it would see: still nothing after the scheme.
    expect(redactUrl('http://u:1234/s3cr3t@host')).toBe('http://[REDACTED]@host');
    expect(redactUrl('https://api.github.com')).toBe('https://api.github.com');
  });

  // A PostgreSQL ledger's connection string, however the password is written, prints masked.
  it.each([
    ['postgres://radar:s3cret@db.lan:5432/radar', 'postgres://[REDACTED]@db.lan:5432/radar'],
    ['postgresql://radar:s3cret@db.lan/radar', 'postgresql://[REDACTED]@db.lan/radar'],
    ['postgres://radar@db.lan/radar', 'postgres://[REDACTED]@db.lan/radar'],
    ['postgres://radar:p%40ss%2Fw0rd@db.lan/radar', 'postgres://[REDACTED]@db.lan/radar'],
    ['postgres://radar:p@ss/w0rd@db.lan/radar', 'postgres://[REDACTED]@db.lan/radar'],
    [
      'postgres://db.lan/radar?user=radar&password=s3cret&sslmode=require',
      'postgres://db.lan/radar?user=radar&password=[REDACTED]&sslmode=require',
    ],
    [
      'postgres://db.lan/radar?sslpassword=s3cret',
      'postgres://db.lan/radar?sslpassword=[REDACTED]',
    ],
    ['postgres://127.0.0.1:5432/postgres', 'postgres://127.0.0.1:5432/postgres'],
  ])('redactUrl(%s) is %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('masks secrets in fields, nested headers and errors of a record', () => {
    const { dir, cleanup } = tempTree();
    cleanups.push(cleanup);
    const file = join(dir, 'radar.log');
    const logger = createLogger({ level: 'silent', file });
    const secret = 'plainSecretValue42';
    const url = `http://x-access-token:${secret}@127.0.0.1:1/graphql`;
    // The file records info and above (a --log-level trace run is covered end to end by
    // test/scan/secrets.test.ts); masking does not depend on the level.
    logger.info({ url, request: { headers: { authorization: `token ${secret}` } } }, 'request');
    logger.info({ options: { headers: { Authorization: `bearer ${secret}` } } }, 'options');
    logger.error({ err: new Error(`Request cannot be constructed from ${url}`) }, 'failed');
    logger.info({ env: { GITHUB_TOKEN: secret, GH_TOKEN: secret } }, 'env');
    logger.warn('to %s', url);
    logger.flush();
    const text = readFileSync(file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(5);
    expect(text).not.toContain(secret);
    expect(text).toContain('http://[REDACTED]@127.0.0.1:1/graphql');
  });

  it("keeps the token out of the log of GitHub's client, through errors and retries", async () => {
    const token = 'opaqueTokenValue-7c1e';
    const fake = await startFakeGitHub(generateQueue({ author: 'alice', prs: 3, repos: 1, token }));
    const { dir, cleanup } = tempTree();
    cleanups.push(cleanup);
    try {
      const file = join(dir, 'radar.log');
      const logger = createLogger({ level: 'silent', file });
      const endpoint = resolveEndpoint({ GITHUB_API_URL: fake.url });
      const port = createGitHubClient({ endpoint, token, logger });
      const sizes = { reviews: 1, comments: 1, checks: 1, issues: 1 };
      fake.inject({ kind: 'status', status: 502 });
      fake.inject({ kind: 'connection-reset' });
      await searchPage(port, 'is:pr author:alice', 10, null, sizes);
      await port.viewer();
      fake.scenario.tokens = ['someone-else'];
      await expect(port.viewer()).rejects.toMatchObject({ status: 401 });
      logger.flush();
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('502'); // the log did record the failures
      expect(text).not.toContain(token);
    } finally {
      await fake.close();
    }
  });
});
