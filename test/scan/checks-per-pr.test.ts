import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startFakeGitHub,
  rollupState,
  type FakeGitHub,
} from '../../src/testing/fake-github/server.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { runRadar, tempTree } from '../helpers/cli.js';

const TOKEN = 'ghp_checks_per_pr_test_token';
let fake: FakeGitHub;
let cleanups: (() => void)[] = [];

beforeEach(async () => {
  const scenario = generateQueue({ author: 'alice', prs: 40, repos: 5, token: TOKEN });
  for (const pr of scenario.pullRequests) pr.isDraft = false;
  // A PR without any check at all: GitHub has no rollup for its commit.
  scenario.pullRequests[0]!.checks = [];
  fake = await startFakeGitHub(scenario);
});
afterEach(async () => {
  await fake.close();
  for (const c of cleanups) c();
  cleanups = [];
});

/** The CI bucket of every PR after one scan with this many check contexts per PR. */
async function ciAfterScan(checksPerPr: number): Promise<Map<string, string>> {
  const t = tempTree({
    'config/radar.json': JSON.stringify({ watch: { authors: ['alice'] }, scan: { checksPerPr } }),
  });
  cleanups.push(t.cleanup);
  const env = { GITHUB_API_URL: fake.url, GITHUB_TOKEN: TOKEN };
  const scan = await runRadar(['--json', 'scan'], { cwd: t.dir, env });
  expect(scan.stderr).toBe('');
  expect(scan.code).toBe(0);
  const queue = await runRadar(['--json', 'queue'], { cwd: t.dir, env });
  expect(queue.code).toBe(0);
  const prs = JSON.parse(queue.stdout) as { repo: string; number: number; ci: string }[];
  return new Map(prs.map((p) => [`${p.repo}#${p.number}`, p.ci]));
}

describe('scan.checksPerPr: 0', () => {
  it("buckets CI from the commit's rollup state: passing stays passing, not none", async () => {
    const expected = new Map(
      fake.scenario.pullRequests.map((pr) => {
        const state = pr.checks.length === 0 ? undefined : rollupState(pr.checks);
        const ci =
          state === undefined
            ? 'none'
            : state === 'SUCCESS'
              ? 'passing'
              : state === 'FAILURE' || state === 'ERROR'
                ? 'failing'
                : 'pending';
        return [`${pr.repo}#${pr.number}`, ci];
      }),
    );
    const buckets = new Set(expected.values());
    expect(buckets).toEqual(new Set(['passing', 'failing', 'pending', 'none']));
    const withoutChecks = await ciAfterScan(0);
    expect(withoutChecks).toEqual(expected);
    // The same verdicts as a scan that fetches every check.
    expect(await ciAfterScan(50)).toEqual(withoutChecks);
  });
});
