import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../src/logging.js';
import { tempTree } from '../helpers/cli.js';

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
});
