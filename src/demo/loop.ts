/**
 * The loop half of the demo: a fake GitHub serving a queue like a real one, fake `codex` and
 * `claude` executables on PATH that print the real tools' token markers, a demo budget, and two
 * cron scans that each dispatch the flagged PRs; then what a user looks at afterwards.
 */
import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Context } from '../context.js';
import { configSchema } from '../config/schema.js';
import { installFakeAgents } from './agents/install.js';
import { demoScenario } from './queue.js';
import { plural } from '../render/plural.js';
import { createOrigin } from './origin.js';
import { wrapText } from '../render/wrap.js';

/** How the demo prints: its own lines, and the streams and environment its commands get. */
export interface DemoIo {
  section(title: string): void;
  write(text: string): void;
  /** The width the demo's lines fit in. */
  width: number;
  /** The environment the commands run with (the user's tokens taken out, COLUMNS set). */
  env: NodeJS.ProcessEnv;
  /** The streams for the commands' contexts, which guard them. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const TOKEN = 'ghp_radar_demo_token_not_a_secret';

export async function demoLoop(
  ctx: Context,
  dir: string,
  now: Date,
  io: DemoIo,
  /** Where to write the loop's HTML page. */
  page: string,
): Promise<void> {
  const { section, write } = io;
  section('the PR loop: a fake GitHub, stand-in agents, a small budget');
  const [
    { startFakeGitHub },
    { createContext },
    { dispatchFlagged },
    { storedCandidates },
    { budgetStates },
    { renderResults, renderEscalations },
    { describePace },
    { loopFigures, loopSummary },
  ] = await Promise.all([
    import('../testing/fake-github/server.js'),
    import('../context.js'),
    import('../dispatch/dispatch.js'),
    import('../dispatch/candidates.js'),
    import('../budget/state.js'),
    import('../dispatch/render.js'),
    import('../dispatch/pace-policy.js'),
    import('./summary.js'),
  ]);
  const scenario = demoScenario({ author: 'demo-dev', token: TOKEN, now });
  const ref = (i: number) =>
    `${scenario.pullRequests[i]!.repo}#${scenario.pullRequests[i]!.number}`;
  // The first PR's repository has a real git side: a bare repository standing in for GitHub's,
  // and the user's clone of it. Two of its agents commit a fix; one hangs (stopped by the idle
  // limit), one crashes; the others answer without a commit.
  const first = scenario.pullRequests[0]!;
  const origin = await createOrigin(
    dir,
    first.repo,
    scenario.pullRequests.filter((p) => p.repo === first.repo && p.state === 'OPEN'),
    { PATH: ctx.env.PATH },
  );
  write(`${origin.repo} has a git side: a bare repository for GitHub's, and your clone of it\n`);
  const plan = join(dir, 'agent-plan.json');
  writeFileSync(
    plan,
    JSON.stringify({
      [ref(0)]: 'commit',
      [ref(1)]: 'hang',
      [ref(3)]: 'fail',
      [ref(5)]: 'commit',
    }),
  );
  const bin = installFakeAgents(join(dir, 'bin'));
  write(`fake codex and claude CLIs in ${bin} print the real tools' token markers\n`);
  // Said before it starts: building GitHub's schema takes the demo's longest moment.
  write(
    `a fake GitHub serves ${plural(scenario.pullRequests.length, 'open PR')} by ` +
      `${scenario.viewer}; it first builds GitHub's published GraphQL schema, to check ` +
      `each query against it\n`,
  );
  const fake = await startFakeGitHub(scenario);
  write(`the fake GitHub listens on ${fake.url}\n`);
  const config = configSchema.parse({
    watch: { authors: ['demo-dev'] },
    repos: { [origin.repo]: { clone: origin.clone } },
    budget: {
      providers: [
        { name: 'codex', agent: 'codex', weeklyTokens: 160_000 },
        { name: 'claude', agent: 'claude', weeklyTokens: 120_000 },
      ],
      // The fake agents spend at most 39,500 tokens a session: a reservation that covers it.
      sessionTokens: 40_000,
    },
    dispatch: {
      concurrency: 3,
      maxPerScan: 4,
      idleTimeoutMs: 3000,
      timeoutMs: 60_000,
      killGraceMs: 500,
    },
  });
  const env: NodeJS.ProcessEnv = {
    ...io.env,
    PATH: `${bin}${delimiter}${ctx.env.PATH ?? ''}`,
    GITHUB_API_URL: fake.url,
    GITHUB_TOKEN: TOKEN,
    // Nothing of the user's GitHub setup reaches the fake (their tokens, another host).
    GH_TOKEN: undefined,
    GH_HOST: undefined,
    GH_ENTERPRISE_TOKEN: undefined,
    GITHUB_ENTERPRISE_TOKEN: undefined,
    CODEX_HOME: join(dir, 'codex-home'),
    CLAUDE_CONFIG_DIR: join(dir, 'claude-home'),
    FAKE_AGENT_PLAN: plan,
    FAKE_AGENT_MODE: undefined,
    FAKE_AGENT_TOKENS: undefined,
  };
  const demo = await createContext(
    { ...ctx.options, ledger: join(dir, 'loop', 'radar.db'), config: undefined, verbose: true },
    { config, env, stdout: io.stdout, stderr: io.stderr },
  );
  try {
    write(
      `demo weekly budgets: codex 160,000 tokens, claude 120,000; each session reserves 40,000 ` +
        `before it starts and runs only if that fits in what is left of the week\n`,
    );
    const scanAndDispatch = async (title: string) => {
      section(title);
      await (await import('../commands/scan.js')).run(demo);
      // The scan lock is released here: agents run without holding it.
      const db = demo.ledger();
      // Each line as it happens: the pace first, then each session as it starts and ends.
      const summary = await dispatchFlagged({
        candidates: storedCandidates(db),
        max: config.dispatch.maxPerScan,
        config,
        ledger: db,
        ledgerPath: demo.ledgerPath(),
        budget: await budgetStates(db.usage, config, env, Date.now()),
        now: () => Date.now(),
        env,
        onEvent: (e) => {
          if (e.kind === 'planned') for (const line of describePace(e.pace)) write(`${line}\n`);
          if (e.kind === 'started')
            write(`→ ${e.agent} starts on ${e.pr} (escalation ${e.escalationId})\n`);
          if (e.kind === 'fallback')
            write(`→ ${e.agent} could not start on ${e.pr}: ${e.reason}\n`);
          if (e.kind === 'finished') write(renderResults([e.result]));
        },
      });
      if (summary.approvalsQueued.length)
        write(
          `${plural(summary.approvalsQueued.length, 'action')} queued for a human (radar approvals)\n`,
        );
    };
    await scanAndDispatch('radar scan --dispatch');
    // Five minutes later: CI breaks on a healthy PR, a reviewer asks for changes on another.
    const healthy = scenario.pullRequests.slice(14);
    healthy[0]!.checks = [
      { kind: 'check_run', name: 'build', status: 'COMPLETED', conclusion: 'FAILURE' },
    ];
    healthy[1]!.reviewDecision = 'CHANGES_REQUESTED';
    healthy[1]!.reviews.push({
      author: 'reviewer-bo',
      authorAssociation: 'MEMBER',
      state: 'CHANGES_REQUESTED',
      submittedAt: new Date(now.getTime() + 60_000).toISOString(),
      body: 'Split this into two commits, please.',
    });
    await scanAndDispatch('radar scan --dispatch (five minutes later)');
    // Both weekly budgets are spent now: what is still flagged waits, nothing runs.
    await scanAndDispatch('radar scan --dispatch (an hour later)');

    section('radar queue');
    (await import('../commands/queue.js')).run(demo, { state: 'open' });
    section('escalations');
    write(renderEscalations(demo.ledger().dispatch.escalations(), ctx.color, io.width));
    section('radar approvals');
    const approvals = await import('../commands/approvals.js');
    approvals.list(demo, {});
    const pending = demo.ledger().dispatch.approvals('pending')[0];
    if (pending) {
      section(`radar approve ${pending.id}`);
      await approvals.approve(demo, String(pending.id));
    }
    // The sessions' commits, pushed to their PR's branch. GitHub then runs CI on the new head:
    // the build passes; the other push did not resolve its conflict.
    const pushes = demo
      .ledger()
      .dispatch.approvals('pending')
      .filter((a) => a.action === 'push');
    for (const push of pushes) {
      const pushed = scenario.pullRequests.find(
        (p) => p.repo === push.repo && p.number === push.number,
      );
      section(`radar approve ${push.id}`);
      if (!pushed || (await approvals.approve(demo, String(push.id))) !== 0) continue;
      pushed.headSha = await origin.follow(pushed);
      const sha = pushed.headSha.slice(0, 7);
      if (pushed.mergeable === 'CONFLICTING') {
        write(`GitHub on ${sha}: still conflicting with its base\n`);
        continue;
      }
      pushed.checks = pushed.checks.map((c) =>
        c.kind === 'check_run' ? { ...c, status: 'COMPLETED', conclusion: 'SUCCESS' } : c,
      );
      pushed.mergeStateStatus = 'CLEAN';
      write(`GitHub runs CI on ${sha}: passing\n`);
    }
    if (pushes.length) {
      section('radar scan (the next cron run judges what each session bought)');
      await (await import('../commands/scan.js')).run(demo);
    }
    section('radar report outcomes');
    (await import('../commands/report-outcomes.js')).run(demo, {});
    section('radar report funnel');
    (await import('../commands/report-rules.js')).funnel(demo, {});
    section("radar ingest (the agents' own rollouts and transcripts)");
    await (
      await import('../commands/ingest.js')
    ).run(demo, [join(dir, 'codex-home'), join(dir, 'claude-home')], {});
    write('(the same runs as the escalations above: recognised, not counted again)\n');
    section('radar report tokens --by pr');
    await (await import('../commands/report-tokens.js')).run(demo, { by: 'pr' });
    section('radar budget');
    await (await import('../commands/budget.js')).run(demo);
    section('radar report html');
    const written = await (
      await import('../commands/report-html.js')
    ).writeHtmlReport(demo, { out: page });
    write(`the PR loop as a page (what the sessions bought, funnel, top PRs): ${written}\n`);
    // A paragraph: its lines are not indented as a long line's are.
    write(`\n${wrapText(loopSummary(await loopFigures(demo, config)), io.width, false)}`);
  } finally {
    demo.close();
    await fake.close();
  }
}
