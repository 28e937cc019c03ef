import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PING_COMMENT, normalizeBody, queueActions } from '../../src/dispatch/approvals.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { openLedger } from '../../src/ledger/open.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { generateQueue } from '../../src/testing/fake-github/generate.js';
import { CLI, pinnedPaths, runCli, tempTree } from '../helpers/cli.js';
import { makePr, makeVerdict, signal } from './helpers.js';

const TOKEN = 'ghp_approve_crash_test';
let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;

beforeAll(async () => {
  gh = await startFakeGitHub(generateQueue({ author: 'dev', prs: 1, repos: 1, token: TOKEN }));
  t = tempTree({ 'config/radar.json': JSON.stringify({ watch: { authors: ['dev'] } }) });
});
afterAll(async () => {
  t.cleanup();
  await gh.close();
});

async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('radar approve killed with SIGKILL while GitHub writes its comment', () => {
  it('the next approve finds the comment on the PR and records it: one comment', async () => {
    const fake = gh.scenario.pullRequests[0]!;
    const db = openLedger(join(t.dir, 'ledgers', 'radar.db'));
    const store = new DispatchStore(db);
    const verdict = makeVerdict({ route: 'template', signals: [signal('stale_body')] });
    const [id] = queueActions(store, makePr({ repo: fake.repo, number: fake.number }), verdict, 1);
    const env = { GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN, HOME: t.dir };
    const pings = () =>
      fake.comments.filter((c) => normalizeBody(c.body) === normalizeBody(PING_COMMENT)).length;
    try {
      // GitHub is slow to answer: radar dies after sending the comment, before the answer.
      gh.setLatency(2000);
      const radar = spawn(process.execPath, [CLI, 'approve', String(id)], {
        cwd: t.dir,
        env: { PATH: process.env.PATH, TZ: 'UTC', NO_COLOR: '1', ...pinnedPaths(t.dir), ...env },
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => radar.once('exit', resolve));
      await until('the comment request', () => gh.stats.requests > 0);
      radar.kill('SIGKILL');
      await exited;
      await until('the comment to land', () => pings() === 1);
      gh.setLatency(0);
      expect(store.approval(id!)).toMatchObject({ status: 'performing' });
      const again = await runCli(['approve', String(id)], { cwd: t.dir, env });
      expect(again).toMatchObject({ code: 0, stderr: '' });
      expect(again.stdout).toContain('before radar stopped; not posted again');
      expect(pings()).toBe(1);
      expect(store.approval(id!)).toMatchObject({ status: 'done' });
    } finally {
      db.close();
    }
  });
});
