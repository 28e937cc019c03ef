import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import {
  dispatchFlagged,
  type Candidate,
  type DispatchOptions,
} from '../../src/dispatch/dispatch.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { sqliteLedger } from '../../src/ledger/sqlite-ledger.js';
import { aggregateByColumn } from '../../src/ledger/token-report.js';
import { TokenStore } from '../../src/ledger/token-store.js';
import { bucketResolver } from '../../src/tokens/bucket.js';
import { collectFiles, emptySummary, ingestFiles } from '../../src/tokens/ingest.js';
import {
  agentEnv,
  budgetState,
  config,
  makePr,
  makeVerdict,
  maxOverlap,
  signal,
  tempLedger,
  type TempLedger,
} from './helpers.js';

let t: TempLedger;
beforeEach(() => {
  t = tempLedger();
});
afterEach(() => t.cleanup());

/** What a fake agent recorded about one run. */
interface Dump {
  started: number;
  ended: number;
  env: Record<string, string>;
  cwd: string;
  prompt: string;
  [key: string]: unknown;
}

const dumpDir = () => join(t.dir, 'dump');
const dumps = () =>
  existsSync(dumpDir())
    ? readdirSync(dumpDir()).map(
        (f) => JSON.parse(readFileSync(join(dumpDir(), f), 'utf8')) as Dump,
      )
    : [];

function candidates(n: number, overrides: Partial<Candidate['verdict']> = {}): Candidate[] {
  return Array.from({ length: n }, (_, i) => ({
    pr: makePr({ number: i + 1 }),
    verdict: makeVerdict({
      score: 10 + i,
      signals: [signal('ci_failing', String(i))],
      ...overrides,
    }),
  }));
}

function options(
  list: Candidate[],
  input: ConfigInput = {},
  extra: Partial<DispatchOptions> & { env?: Record<string, string> } = {},
): DispatchOptions {
  return {
    candidates: list,
    max: 10,
    // Cases not about the budget run with no budget source, opted in.
    config: config({
      ...input,
      budget: { allowUnknown: true, ...input.budget },
      dispatch: { killGraceMs: 200, ...input.dispatch },
    }),
    ledger: sqliteLedger(t.db),
    ledgerPath: t.path,
    budget: [],
    now: () => Date.now(),
    ...extra,
    env: agentEnv(t.dir, {
      FAKE_AGENT_DUMP_DIR: dumpDir(),
      FAKE_AGENT_TOKENS: '1000',
      ...extra.env,
    }),
  };
}

const perPr = () =>
  Object.fromEntries(aggregateByColumn(t.db, 'pr', {}).map((r) => [r.key, r.tokens]));

describe('dispatchFlagged', () => {
  it('runs the escalate tier highest score first, never more than dispatch.concurrency at once', async () => {
    const list = candidates(5);
    list.push({ pr: makePr({ number: 99 }), verdict: makeVerdict({ tier: 'watch', score: 999 }) });
    const s = await dispatchFlagged(
      options(list, { dispatch: { concurrency: 2 } }, { env: { FAKE_AGENT_DELAY_MS: '600' } }),
    );
    expect(s.results.map((r) => r.status)).toEqual(Array(5).fill('succeeded'));
    const runs = dumps();
    expect(runs).toHaveLength(5);
    expect(maxOverlap(runs)).toBe(2);
    // Highest score first: the first two started are PRs 5 and 4.
    const order = runs.sort((a, b) => a.started - b.started).map((r) => r.env.RADAR_PR);
    expect(order.slice(0, 2).sort()).toEqual(['acme/widget#4', 'acme/widget#5']);
    expect(runs.some((r) => r.env.RADAR_PR === 'acme/widget#99')).toBe(false);
  });

  it('dispatches each flagged PR once across two scans, and respects max', async () => {
    const list = candidates(4);
    const first = await dispatchFlagged({ ...options(list), max: 3 });
    expect(first.results.filter((r) => r.status === 'succeeded')).toHaveLength(3);
    expect(first.results.filter((r) => r.suppressed === 'max')).toHaveLength(1);
    // The next scan sees the same verdicts (pending not yet refreshed): only the fourth runs.
    const second = await dispatchFlagged({ ...options(list), max: 3 });
    expect(second.results.filter((r) => r.status === 'succeeded').map((r) => r.pr)).toEqual([
      'acme/widget#1',
    ]);
    expect(second.results.filter((r) => r.suppressed === 'acted')).toHaveLength(3);
    expect(dumps()).toHaveLength(4);
    const third = await dispatchFlagged(options(list));
    expect(third.results.every((r) => r.suppressed === 'acted')).toBe(true);
    expect(dumps()).toHaveLength(4);
  });

  it('a PR with a running session is not dispatched again (another radar process)', async () => {
    const [c] = candidates(1);
    const store = new DispatchStore(t.db);
    // A live running row of another process (this test's parent, alive).
    t.db
      .prepare(
        `INSERT INTO escalations (node_id, repo, number, agent, started_at, outcome, radar_pid)
         VALUES (?, 'acme/widget', 1, 'codex', 0, 'running', ?)`,
      )
      .run(c!.pr.nodeId, process.ppid);
    const s = await dispatchFlagged(options([c!]));
    expect(s.results[0]).toMatchObject({ status: 'skipped', suppressed: 'busy' });
    // Once that process is gone (killed mid-session, its run log half written), its row is
    // reaped, the tokens its log holds are counted, and the PR can be dispatched.
    const log = join(t.dir, 'ledgers', 'runs', 'killed.log');
    mkdirSync(dirname(log), { recursive: true });
    writeFileSync(
      log,
      '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}\n' +
        '{"type":"turn.completed","usage":{"input_tokens":700,"cached_input_tokens":0,"output_tokens":77}}\n',
    );
    t.db
      .prepare(
        `UPDATE escalations SET radar_pid = 999999999, run_log = ? WHERE outcome = 'running'`,
      )
      .run(log);
    const again = await dispatchFlagged(options([c!]));
    expect(again.reaped).toBe(1);
    expect(again.results[0]).toMatchObject({ status: 'succeeded' });
    expect(store.escalations()[1]).toMatchObject({
      outcome: 'failed',
      tokens: 777,
      reason: 'radar stopped before the session ended',
    });
    expect(perPr()).toEqual({ 'acme/widget#1': 777 + 1100 });
  });

  it('falls back to the next agent when one cannot start', async () => {
    const broken = join(t.dir, 'broken-codex');
    writeFileSync(broken, '#!/nonexistent/interpreter\n');
    chmodSync(broken, 0o755);
    const s = await dispatchFlagged(
      options(candidates(1), { agents: { codex: { command: broken } } }),
    );
    expect(s.results[0]).toMatchObject({ status: 'succeeded', agent: 'claude' });
    expect(s.results[0]!.skipped).toEqual([{ agent: 'codex', why: 'failed-to-start' }]);
    expect(new DispatchStore(t.db).escalations()[0]!.argv[0]).toBe('claude');
  });

  it.each<[string, number, object, object[]]>([
    [
      'room in claude’s week: the escalation and its reservation move to claude',
      5000,
      { status: 'succeeded', agent: 'claude' },
      [{ agent: 'claude', reserved: 1000 }],
    ],
    [
      'no room: claude is not started; the escalation stays codex’s and fails',
      500,
      {
        status: 'failed',
        reason: expect.stringMatching(/claude: a session reserves 1000 tokens; 500 left/),
      },
      [{ agent: 'codex', reserved: 1000 }],
    ],
  ])(
    'a fallback after a failed start is checked against its own week: %s',
    async (_name, claudeWeek, result, rows) => {
      const broken = join(t.dir, 'broken-codex');
      writeFileSync(broken, '#!/nonexistent/interpreter\n');
      chmodSync(broken, 0o755);
      const s = await dispatchFlagged({
        ...options(candidates(1), {
          agents: { codex: { command: broken } },
          budget: {
            providers: [
              { name: 'codex', agent: 'codex', weeklyTokens: 10_000 },
              { name: 'claude', agent: 'claude', weeklyTokens: claudeWeek },
            ],
            sessionTokens: 1000,
            allowUnknown: false,
          },
        }),
        budget: [budgetState('codex', 0), budgetState('claude', 0)],
      });
      expect(s.results[0]).toMatchObject(result);
      expect(t.db.prepare(`SELECT agent, reserved FROM escalations`).all()).toEqual(rows);
      expect(dumps().map((d) => d.tool)).toEqual(claudeWeek > 1000 ? ['claude'] : []);
    },
  );

  it('a running session past its reservation counts its tokens so far against the week', async () => {
    const abort = new AbortController();
    const run = dispatchFlagged({
      ...options(
        candidates(1),
        {
          budget: {
            providers: [{ name: 'codex', agent: 'codex', weeklyTokens: 10_000 }],
            sessionTokens: 500,
            allowUnknown: false,
          },
        },
        { env: { FAKE_AGENT_MODE: 'ignore-term' }, signal: abort.signal },
      ),
      budget: [budgetState('codex', 0)],
    });
    const store = new DispatchStore(t.db);
    const live = () =>
      (
        t.db.prepare(`SELECT live_tokens AS n FROM escalations`).get() as
          { n: number | null } | undefined
      )?.n;
    // The fake prints its 1,100 tokens, then works on (and ignores SIGTERM).
    await vi.waitFor(() => expect(live()).toBe(1100), { timeout: 30_000, interval: 50 });
    expect(store.committed('codex', 0, Date.now() + 86_400_000).reserved).toBe(1100);
    abort.abort();
    await run;
    expect(store.committed('codex', 0, Date.now() + 86_400_000).reserved).toBe(0);
  });

  it('reserves each session against the week: one that does not fit goes down the chain, then is held back', async () => {
    // 1,000 reserved, 1,100 spent a session, against 2,000 a week: after one session an agent
    // has 900 left, less than a reservation, so one session per agent, then nothing.
    const s = await dispatchFlagged({
      ...options(candidates(4), {
        budget: {
          providers: [
            { name: 'codex', agent: 'codex', weeklyTokens: 2000 },
            { name: 'claude', agent: 'claude', weeklyTokens: 2000 },
          ],
          sessionTokens: 1000,
          allowUnknown: false,
        },
        dispatch: { concurrency: 1 },
      }),
      budget: [budgetState('codex', 0), budgetState('claude', 0)],
    });
    expect(s.results.map((r) => r.agent ?? r.suppressed)).toEqual([
      'codex',
      'claude',
      'budget',
      'budget',
    ]);
    expect(s.results[2]!.reason).toMatch(/^a session of codex reserves 1000 tokens; 900 left/);
    expect(s.results[1]!.skipped).toEqual([{ agent: 'codex', why: 'budget' }]);
    expect(dumps()).toHaveLength(2);
    const rows = t.db
      .prepare(
        `SELECT agent, reserved, tokens, tokens_estimated AS estimated FROM escalations ORDER BY id`,
      )
      .all();
    expect(rows).toEqual([
      { agent: 'codex', reserved: 1000, tokens: 1100, estimated: 0 },
      { agent: 'claude', reserved: 1000, tokens: 1100, estimated: 0 },
    ]);
  });

  it('an unknown budget holds the PR back unless budget.allowUnknown', async () => {
    const s = await dispatchFlagged(options(candidates(1), { budget: { allowUnknown: false } }));
    expect(s.results[0]).toMatchObject({ status: 'skipped', suppressed: 'budget' });
    expect(s.results[0]!.reason).toMatch(/^budget unknown for codex, claude/);
    expect(dumps()).toHaveLength(0);
  });

  it('with every provider exhausted nothing runs: the PR stays flagged, suppressed by budget', async () => {
    const [c] = candidates(1);
    const s = await dispatchFlagged({
      ...options([c!]),
      budget: [budgetState('codex', 100), budgetState('claude', 100)],
    });
    expect(s.results[0]).toMatchObject({ status: 'skipped', suppressed: 'budget' });
    expect(dumps()).toHaveLength(0);
    expect(new DispatchStore(t.db).escalations()).toEqual([]);
    const row = t.db.prepare(`SELECT acted_at, suppressed FROM signal_candidates`).get();
    expect(row).toEqual({ acted_at: null, suppressed: 'budget' });
    // Budget back: the same PR is dispatched.
    const later = await dispatchFlagged(options([c!]));
    expect(later.results[0]).toMatchObject({ status: 'succeeded' });
  });

  it('keeps GitHub tokens and configured secrets out of the agent environment', async () => {
    const secrets = { GITHUB_TOKEN: 'ghp_x', GH_TOKEN: 'gho_y', MY_API_KEY: 'k', KEEP_ME: 'ok' };
    await dispatchFlagged(
      options(candidates(1), { dispatch: { secretEnv: ['MY_API_KEY'] } }, { env: secrets }),
    );
    const env = dumps()[0]!.env as Record<string, string>;
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(env.GH_TOKEN).toBeUndefined();
    expect(env.MY_API_KEY).toBeUndefined();
    expect(env.KEEP_ME).toBe('ok');
    expect(JSON.stringify(dumps()[0])).not.toMatch(/ghp_x|gho_y/);
    // passGithubToken keeps GitHub's (only).
    await dispatchFlagged(
      options(
        [{ pr: makePr({ number: 2 }), verdict: makeVerdict() }],
        { agents: { codex: { passGithubToken: true } }, dispatch: { secretEnv: ['MY_API_KEY'] } },
        { env: secrets },
      ),
    );
    const second = dumps().find((d) => d.env.RADAR_PR === 'acme/widget#2')!.env;
    expect(second.GITHUB_TOKEN).toBe('ghp_x');
    expect(second.MY_API_KEY).toBeUndefined();
  });

  it('records every outcome with its tokens; hanging and crashing agents do not stop the rest', async () => {
    const plan = join(t.dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        'acme/widget#1': 'hang',
        'acme/widget#2': 'fail',
        'acme/widget#3': 'silent',
        'acme/widget#4': 'ok',
      }),
    );
    const list = candidates(4);
    const s = await dispatchFlagged(
      options(list, { dispatch: { idleTimeoutMs: 2500 } }, { env: { FAKE_AGENT_PLAN: plan } }),
    );
    const byPr = Object.fromEntries(s.results.map((r) => [r.pr, r]));
    expect(byPr['acme/widget#1']).toMatchObject({ status: 'timed_out', tokens: null });
    expect(byPr['acme/widget#2']).toMatchObject({ status: 'failed', tokens: 1100 });
    expect(byPr['acme/widget#3']).toMatchObject({ status: 'succeeded', tokens: null });
    expect(byPr['acme/widget#4']).toMatchObject({ status: 'succeeded', tokens: 1100 });
    const rows = new DispatchStore(t.db).escalations();
    for (const e of rows) {
      expect(e.endedAt).not.toBeNull();
      expect(e.runLog).toMatch(/ledgers\/runs\/.*\.log$/);
      expect(e.fingerprints).toHaveLength(1);
    }
    expect(rows.find((e) => e.number === 2)).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(rows.find((e) => e.number === 4)!.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(perPr()).toEqual({ 'acme/widget#2': 1100, 'acme/widget#4': 1100 });
  });

  it("ties tokens to the PR, and counts a run once when the agent's rollout or transcript is ingested later", async () => {
    const list = candidates(4).map((c, i) => ({
      ...c,
      verdict: { ...c.verdict, route: (i % 2 ? 'claude' : 'codex') as 'codex' | 'claude' },
    }));
    const plan = join(t.dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ 'acme/widget#3': 'codex-text' }));
    await dispatchFlagged(options(list, {}, { env: { FAKE_AGENT_PLAN: plan } }));
    const expected = {
      'acme/widget#1': 1100,
      'acme/widget#2': 1100,
      'acme/widget#3': 1100,
      'acme/widget#4': 1100,
    };
    expect(perPr()).toEqual(expected);
    const tokens = new DispatchStore(t.db).escalations().map((e) => e.tokens);
    expect(tokens).toEqual([1100, 1100, 1100, 1100]);
    // The agents' own session files, ingested from their default folders afterwards.
    const summary = emptySummary();
    const files = await collectFiles(
      [join(t.dir, 'codex-home', 'sessions'), join(t.dir, 'claude-home', 'projects')],
      summary.unreadable,
    );
    expect(files).toHaveLength(4);
    await ingestFiles(
      files,
      {
        store: new TokenStore(t.db),
        machine: 'test-machine',
        bucketFor: bucketResolver([], t.dir),
        zone: 'UTC',
        now: () => Date.now(),
        threads: 'never',
      },
      summary,
    );
    expect(summary.newEvents).toBe(4);
    expect(summary.newTokens).toBe(0);
    expect(perPr()).toEqual(expected);
    const buckets = aggregateByColumn(t.db, 'bucket', {});
    expect(new Set(buckets.map((r) => r.key))).toEqual(new Set(['escalation']));
    expect(buckets.reduce((sum, r) => sum + r.tokens, 0)).toBe(4400);
  });

  it.each(['codex', 'claude'] as const)(
    'counts each session on its own PR when a %s wrapper prints the same session id (and output) every run',
    async (agent) => {
      const list = candidates(3).map((c) => ({ ...c, verdict: { ...c.verdict, route: agent } }));
      const fixed = { FAKE_AGENT_SESSION_ID: '0199a213-81c0-7800-8aa1-000000000001' };
      const s = await dispatchFlagged(options(list, {}, { env: fixed }));
      expect(s.results.map((r) => [r.agent, r.tokens])).toEqual(Array(3).fill([agent, 1100]));
      expect(perPr()).toEqual({
        'acme/widget#1': 1100,
        'acme/widget#2': 1100,
        'acme/widget#3': 1100,
      });
    },
  );

  it('a dry run prints the prompt and the command line, and spends nothing', async () => {
    const [c] = candidates(1);
    const s = await dispatchFlagged({ ...options([c!]), dryRun: true, manual: {} });
    expect(s.results[0]).toMatchObject({ status: 'dry_run', agent: 'codex' });
    expect(s.results[0]!.argv!.slice(0, 3)).toEqual(['codex', 'exec', '--json']);
    expect(s.results[0]!.prompt).toContain('CI fails on this PR (the failing checks are listed');
    expect(dumps()).toHaveLength(0);
    expect(
      t.db.prepare(`SELECT count(*) AS n FROM signal_candidates WHERE acted_at IS NOT NULL`).get(),
    ).toEqual({ n: 0 });
    expect(new DispatchStore(t.db).escalations()[0]).toMatchObject({ outcome: 'dry_run' });
  });

  it('records a dispatch asked for by hand and refused', async () => {
    const [c] = candidates(1, { tier: 'stopped' });
    const refused = await dispatchFlagged({ ...options([c!]), manual: {} });
    expect(refused.results[0]).toMatchObject({ status: 'skipped', suppressed: 'stopped' });
    expect(new DispatchStore(t.db).escalations()[0]).toMatchObject({
      id: refused.results[0]!.escalationId,
      outcome: 'refused',
      reason: expect.stringContaining('stopped'),
    });
    expect(dumps()).toHaveLength(0);
  });

  it('works in a git worktree of the local clone at the PR head, removed after success, kept after failure', async () => {
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', args, {
        cwd,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@x',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@x',
        },
      })
        .toString()
        .trim();
    const origin = join(t.dir, 'origin.git');
    const work = join(t.dir, 'work');
    const clone = join(t.dir, 'clone');
    mkdirSync(work);
    git(t.dir, 'init', '-q', '--bare', origin);
    git(work, 'init', '-q');
    writeFileSync(join(work, 'README'), 'base\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'base');
    git(work, 'push', '-q', origin, 'HEAD:refs/heads/main');
    writeFileSync(join(work, 'fix.txt'), 'the PR\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'pr');
    const head = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', origin, 'HEAD:refs/pull/1/head', 'HEAD:refs/pull/2/head');
    git(t.dir, 'clone', '-q', '-b', 'main', origin, clone);
    const plan = join(t.dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ 'acme/widget#2': 'fail' }));
    const list = [1, 2].map((n) => ({
      pr: makePr({ number: n, headSha: head }),
      verdict: makeVerdict({ signals: [signal('ci_failing', String(n))] }),
    }));
    const s = await dispatchFlagged(
      options(list, { repos: { 'acme/widget': { clone } } }, { env: { FAKE_AGENT_PLAN: plan } }),
    );
    const ok = s.results.find((r) => r.pr === 'acme/widget#1')!;
    const failed = s.results.find((r) => r.pr === 'acme/widget#2')!;
    const cwd = dumps().find((d) => d.env.RADAR_PR === 'acme/widget#1')!.cwd;
    expect(cwd).toBe(ok.workdir);
    expect(cwd.startsWith(join(t.dir, 'ledgers', 'worktrees'))).toBe(true);
    expect(existsSync(ok.workdir!)).toBe(false);
    expect(existsSync(failed.workdir!)).toBe(true);
    expect(git(failed.workdir!, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(join(failed.workdir!, 'fix.txt'), 'utf8')).toBe('the PR\n');
    // The user's own checkout was never touched.
    expect(git(clone, 'status', '--porcelain')).toBe('');
    expect(git(clone, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(dumps().find((d) => d.env.RADAR_PR === 'acme/widget#1')!.prompt).not.toContain(
      'WARNING',
    );
  });

  it('a repo without a clone gets a scratch folder and a warning in the prompt', async () => {
    const s = await dispatchFlagged(options(candidates(1)));
    expect(dumps()[0]!.prompt).toContain('WARNING: radar has no local clone of acme/widget');
    expect(existsSync(s.results[0]!.workdir!)).toBe(false);
  });
});
