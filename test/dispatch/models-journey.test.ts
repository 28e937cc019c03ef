import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenario } from '../../src/demo/queue.js';
import { ExitCode } from '../../src/core/errors.js';
import { startFakeGitHub, type FakeGitHub } from '../../src/testing/fake-github/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { cliEnv } from './helpers.js';

/**
 * A pinned model: Claude's allowlist names claude-sonnet-*, and a session reports claude-haiku.
 * The run is flagged in `radar report tokens`, `radar explain` and `radar doctor`; the next
 * `radar scan --dispatch` starts nothing for Claude and says why; `radar resume --model claude`
 * releases it, and the scan after that dispatches again.
 */

const JOURNEY_MS = 300_000;
const TOKEN = 'ghp_models_journey';

let gh: FakeGitHub;
let t: ReturnType<typeof tempTree>;
let env: Record<string, string>;

beforeEach(async () => {
  gh = await startFakeGitHub(demoScenario({ author: 'dev', token: TOKEN, now: new Date() }));
  t = tempTree({
    'config/radar.json': JSON.stringify({
      watch: { authors: ['dev'] },
      budget: {
        providers: [{ name: 'claude', agent: 'claude', weeklyTokens: 10_000_000 }],
        sessionTokens: 10_000,
      },
      agents: { claude: { models: ['claude-sonnet-*'] } },
      rules: {
        routes: {
          ci_failing: 'claude',
          changes_requested: 'claude',
          conflict: 'claude',
          maintainer_comment: 'claude',
        },
        fallback: ['claude'],
      },
      dispatch: { concurrency: 1, maxPerScan: 1, idleTimeoutMs: 20_000, killGraceMs: 300 },
    }),
  });
  env = cliEnv(t.dir, { url: gh.url, token: TOKEN }, { HOME: t.dir, FAKE_AGENT_TOKENS: '5000' });
});
afterEach(async () => {
  t.cleanup();
  await gh.close();
});

const sessions = () => {
  const dir = join(t.dir, 'dump');
  return existsSync(dir) ? readdirSync(dir).length : 0;
};

describe('a model outside the allowlist', () => {
  it(
    'is flagged, holds the next dispatch back, and radar resume --model releases it',
    { timeout: JOURNEY_MS },
    async () => {
      const cli = (args: string[], extra: Record<string, string> = {}) =>
        runCli(args, { cwd: t.dir, env: { ...env, ...extra }, timeoutMs: 120_000 });

      // 1. One session, on a model the allowlist does not name. (`--max 1`: one session a scan,
      // whatever the pace makes of the real clock.)
      const first = await cli(['scan', '--dispatch', '--max', '1'], {
        FAKE_AGENT_MODEL: 'claude-haiku-4-5',
      });
      expect(first.stderr).not.toMatch(/at .+\.js:\d+/);
      expect(sessions()).toBe(1);
      expect(first.stderr).not.toContain('held back');

      // 2. Flagged where the user looks.
      const report = await cli(['report', 'tokens', '--by', 'model', '--json']);
      expect(report.code).toBe(0);
      const { offList } = JSON.parse(report.stdout) as {
        offList: { agent: string; account: string; model: string; key: string }[];
      };
      expect(offList.map((o) => [o.agent, o.account, o.model, o.key])).toEqual([
        ['claude', 'claude', 'claude-haiku-4-5', 'agents.claude.models'],
      ]);
      const text = await cli(['report', 'tokens']);
      expect(text.stdout).toContain(
        'flagged: claude ran claude-haiku-4-5, outside agents.claude.models (claude-sonnet-*)',
      );
      const queue = await cli(['escalations', '--json']);
      const [escalation] = JSON.parse(queue.stdout) as { repo: string; number: number }[];
      const explain = await cli(['explain', `${escalation!.repo}#${escalation!.number}`]);
      expect(explain.code).toBe(0);
      expect(explain.stdout).toMatch(/escalation \d+ \(claude on claude-haiku-4-5, /);
      expect(explain.stdout).toContain('flagged: claude ran claude-haiku-4-5');
      const doctor = await cli(['doctor', '--offline', '--json']);
      const checks = (JSON.parse(doctor.stdout) as { checks: { name: string; status: string }[] })
        .checks;
      expect(checks.find((c) => c.name === 'models claude')?.status).toBe('warn');

      // 3. The next dispatch to Claude is held back, with the reason, whatever model it would use.
      const held = await cli(['scan', '--dispatch', '--max', '1']);
      expect(sessions()).toBe(1);
      expect(held.code).toBe(ExitCode.notDispatched);
      expect(held.stderr).toContain(
        'radar: claude held back: claude ran claude-haiku-4-5, outside agents.claude.models ' +
          '(claude-sonnet-*): held back until `radar resume --model claude`',
      );
      expect(held.stderr).toMatch(
        /not dispatched: agent held back \(model outside its allowlist\)/,
      );

      // 4. Resolved by the user, recorded in the ledger: the scan after it dispatches again.
      const resume = await cli(['resume', '--model', 'claude', '--reason', 'checked']);
      expect(resume.code).toBe(0);
      expect(resume.stdout).toContain('claude: released (claude ran claude-haiku-4-5');
      const again = await cli(['scan', '--dispatch', '--max', '1']);
      expect(again.stderr).not.toContain('held back');
      expect(sessions()).toBe(2);
      const after = await cli(['doctor', '--offline', '--json']);
      const ok = (JSON.parse(after.stdout) as { checks: { name: string; status: string }[] })
        .checks;
      expect(ok.find((c) => c.name === 'models claude')?.status).toBe('ok');
    },
  );
});
