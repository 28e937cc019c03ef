import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../../src/testing/fake-github/server.js';
import { runRadar, tempTree } from '../helpers/cli.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
function temp(files: Record<string, string> = {}) {
  const t = tempTree(files);
  cleanups.push(t.cleanup);
  return t.dir;
}

const TOKEN = 'ghp_doctor_test_token_0123456789abcdef';

describe('radar doctor', () => {
  it('prints its whole table, the config row failing, when the config is invalid and GitHub is checked', async () => {
    const fake = await startFakeGitHub({
      viewer: 'alice',
      tokens: [TOKEN],
      scopes: ['repo'],
      pullRequests: [],
    });
    cleanups.push(() => fake.close());
    const dir = temp({
      'config/radar.json': JSON.stringify({ tokens: { buckets: [{ bucket: 3 }] } }),
    });
    const r = await runRadar(['doctor'], {
      cwd: dir,
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^check\s+status\s+detail/);
    expect(r.stdout).toMatch(/\nconfig\s+FAIL\s+invalid config/);
    expect(r.stdout).toContain('tokens.buckets[0].bucket:');
    expect(r.stdout).toMatch(/\ngithub token\s+ok\s+valid for alice/);
    expect(r.stderr).toBe('');
  });

  it('finds the token `gh auth token` prints', async () => {
    const dir = temp({
      'bin/gh':
        '#!/bin/sh\nif [ "$1 $2" = "auth token" ]; then echo gho_from_the_gh_cli_0123456789; else exit 1; fi\n',
    });
    chmodSync(join(dir, 'bin/gh'), 0o755);
    const r = await runRadar(['--json', 'doctor', '--offline'], {
      cwd: dir,
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
    });
    const checks = (JSON.parse(r.stdout) as { checks: { name: string; detail: string }[] }).checks;
    expect(checks.find((c) => c.name === 'github token')?.detail).toBe('present (gh auth token)');
  });
});
