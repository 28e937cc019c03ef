import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runRadar, tempTree, type CliResult } from '../helpers/cli.js';

/**
 * No secret reaches any output: stdout, stderr, the JSON log file (at the most verbose level) or
 * the ledger's bytes. The secret is shaped like no known token format, so only radar never
 * echoing it keeps it out, not a pattern that happens to mask it.
 */
const SECRET = 'Zq7xSENTINEL4f1c9e0b';
let fake: FakeGitHub;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
  fake = await startFakeGitHub(
    generateQueue({ author: 'alice', prs: 30, repos: 3, token: SECRET }),
  );
  const t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['alice', 'bob'] },
      logging: { file: 'logs/radar.log' },
    }),
  });
  dir = t.dir;
  cleanup = t.cleanup;
});
afterEach(async () => {
  await fake.close();
  cleanup();
});

const radar = (args: string[], env: Record<string, string | undefined>) =>
  runRadar(['--log-level', 'trace', ...args], { cwd: dir, env });

/** Everything radar wrote: the outputs, the log file, every ledger file (-wal, -shm included). */
function everything(results: CliResult[]): string {
  const parts = results.flatMap((r) => [r.stdout, r.stderr]);
  const log = join(dir, 'logs/radar.log');
  if (existsSync(log)) parts.push(readFileSync(log, 'latin1'));
  const ledgers = join(dir, 'ledgers');
  if (existsSync(ledgers))
    for (const f of readdirSync(ledgers)) parts.push(readFileSync(join(ledgers, f), 'latin1'));
  return parts.join('\n');
}

describe('credentials in GITHUB_API_URL', () => {
  const urls = () => [
    fake.url.replace('http://', `http://x-access-token:${SECRET}@`),
    fake.url.replace('http://', `http://${SECRET}@`),
    // Parses with no user-info at all (port 1234, path /SECRET@…), yet a person meant one.
    `${fake.url.replace('http://', `http://u:1234/${SECRET}@`)}/api/v3`,
    // Does not parse at all.
    fake.url.replace('http://', `http://x:${SECRET}/x@`),
  ];

  it('radar scan refuses them: exit 2, one line, the secret nowhere', async () => {
    const results: CliResult[] = [];
    for (const url of urls()) {
      const r = await radar(['scan'], { GITHUB_API_URL: url, GITHUB_TOKEN: 'ghp_unused' });
      results.push(r);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^radar: GITHUB_API_URL must not contain credentials \("http:\/\/\[REDACTED\]@127\.0\.0\.1:\d+(\/api\/v3)?"\): put the token in GH_TOKEN or GITHUB_TOKEN\n$/,
      );
    }
    expect(fake.stats.requests).toBe(0);
    expect(everything(results)).not.toContain(SECRET);
  });

  it('radar doctor fails the github check and exits 2, the secret nowhere', async () => {
    const results: CliResult[] = [];
    for (const url of urls()) {
      const table = await radar(['doctor'], { GITHUB_API_URL: url, GITHUB_TOKEN: 'ghp_unused' });
      const json = await radar(['--json', 'doctor'], { GITHUB_API_URL: url });
      results.push(table, json);
      expect(table.code).toBe(2);
      expect(table.stdout).toMatch(
        /github\s+FAIL\s+GITHUB_API_URL must not contain credentials \("http:\/\/\[REDACTED\]@/,
      );
      expect(json.code).toBe(2);
      const checks = (JSON.parse(json.stdout) as { checks: { name: string; status: string }[] })
        .checks;
      expect(checks.find((c) => c.name === 'github')).toMatchObject({ status: 'fail' });
    }
    expect(fake.stats.requests).toBe(0);
    expect(everything(results)).not.toContain(SECRET);
  });
});

describe('the token when GitHub fails', () => {
  it('appears nowhere through 500s, resets, secondary limits and a rejected token', async () => {
    const env = { GITHUB_API_URL: fake.url, GITHUB_TOKEN: SECRET };
    const results: CliResult[] = [];

    // alice's query fails three times (the request and its two retries); bob's goes through.
    fake.inject({ kind: 'status', status: 500, times: 3, on: 'graphql' });
    const failing = await radar(['scan'], env);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('HTTP 500');
    results.push(failing);

    fake.inject({ kind: 'connection-reset' });
    fake.inject({ kind: 'secondary-rate-limit', retryAfterSeconds: 1, times: Infinity });
    const limited = await radar(['scan'], { GITHUB_API_URL: fake.url, GH_TOKEN: SECRET });
    expect(limited.code).toBe(1);
    results.push(limited);

    fake.clearFaults();
    fake.scenario.tokens = ['ghp_someone_else'];
    const rejected = await radar(['scan'], env);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain('GitHub rejected the token from GITHUB_TOKEN');
    const doctor = await radar(['doctor'], env);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/github token\s+FAIL\s+rejected/);
    results.push(rejected, doctor);

    // The log file did record the failures (so the check above looked at something).
    const log = readFileSync(join(dir, 'logs/radar.log'), 'utf8');
    expect(log).toContain('500');
    expect(log).toContain('secondary rate limit');
    expect(everything(results)).not.toContain(SECRET);
  });
});
