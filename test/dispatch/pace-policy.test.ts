import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/budget/pace.js';
import type { BudgetState, PaceVerdict } from '../../src/core/budget.js';
import type { Verdict } from '../../src/core/verdict.js';
import {
  burnCandidates,
  describePace,
  pacePlan,
  providerPace,
  type PaceMode,
  type PaceSettings,
} from '../../src/dispatch/pace-policy.js';
import { planDispatch, type Candidate, type Policy } from '../../src/dispatch/plan.js';
import { config, makePr, makeVerdict, signal } from './helpers.js';

/** The user's checkpoints on a Monday week: Wednesday is day 2, Friday day 4. */
const CHECKPOINTS: Checkpoint[] = [
  { afterDays: 2, dayName: 'wednesday', below: 30 },
  { afterDays: 4, dayName: 'friday', above: 90 },
];

const SETTINGS: PaceSettings = {
  maxPerScan: 3,
  concurrency: 3,
  burn: { maxPerScan: 6, concurrency: 4, watch: true },
  overPace: { maxPerScan: 1, holdAfterCheckpoint: true },
};

const state = (
  agent: 'codex' | 'claude',
  verdict: PaceVerdict,
  used: number | null,
  days?: number,
  provider: string = agent,
): BudgetState => ({
  provider,
  agent,
  usedPercent: used,
  expectedPercent: used === null ? null : 50,
  verdict,
  resetsAt: null,
  daysIntoWeek: days,
  source: used === null ? null : 'test',
  problems: [],
});

describe('providerPace', () => {
  it.each<
    [
      string,
      PaceVerdict,
      number | null,
      number | undefined,
      Partial<PaceSettings>,
      PaceMode,
      number,
      RegExp,
    ]
  >([
    [
      'under by Wednesday: burn',
      'under',
      12,
      3,
      {},
      'burn',
      6,
      /under 30% by wednesday .*burn harder/,
    ],
    ['under on Monday (behind the line)', 'under', 2, 0, {}, 'burn', 6, /behind pace/],
    [
      'on pace: the defaults',
      'on-pace',
      50,
      3,
      {},
      'steady',
      3,
      /on pace \(used 50%, expected 50%\)/,
    ],
    ['unknown: the defaults', 'unknown', null, undefined, {}, 'steady', 3, /pace unknown/],
    ['over before Friday: one', 'over', 70, 2, {}, 'slow', 1, /ahead of pace/],
    ['over after Friday: none', 'over', 93, 4, {}, 'hold', 0, /since the friday checkpoint/],
    ['on Saturday too', 'over', 95, 5, {}, 'hold', 0, /friday checkpoint/],
    [
      'over after Friday, hold turned off: one',
      'over',
      93,
      4,
      { overPace: { maxPerScan: 1, holdAfterCheckpoint: false } },
      'slow',
      1,
      /over 90% by friday/,
    ],
    [
      'over, a larger slow allowance',
      'over',
      70,
      1,
      { overPace: { maxPerScan: 2, holdAfterCheckpoint: true } },
      'slow',
      2,
      /slow down/,
    ],
    ['exhausted: none', 'exhausted', 100, 2, {}, 'hold', 0, /used up/],
    [
      'burn with its own maximum',
      'under',
      5,
      3,
      { burn: { maxPerScan: 9, concurrency: 5, watch: false } },
      'burn',
      9,
      /burn harder/,
    ],
  ])('%s', (_name, verdict, used, days, over, mode, max, reason) => {
    const p = providerPace({
      verdict,
      usedPercent: used,
      expectedPercent: used === null ? null : 50,
      daysIntoWeek: days,
      checkpoints: CHECKPOINTS,
      settings: { ...SETTINGS, ...over },
    });
    expect([p.mode, p.max]).toEqual([mode, max]);
    expect(p.reason).toMatch(reason);
  });
});

describe('pacePlan', () => {
  it.each<
    [
      string,
      BudgetState[],
      number | undefined,
      Record<string, [PaceMode, number]>,
      number,
      number,
      string[],
    ]
  >([
    [
      'codex under, claude on pace: burn width, codex watch',
      [state('codex', 'under', 10, 3), state('claude', 'on-pace', 50, 3)],
      undefined,
      { codex: ['burn', 6], claude: ['steady', 3] },
      6,
      4,
      ['codex'],
    ],
    [
      'both on pace: the defaults',
      [state('codex', 'on-pace', 50, 3), state('claude', 'on-pace', 50, 3)],
      undefined,
      { codex: ['steady', 3], claude: ['steady', 3] },
      3,
      3,
      [],
    ],
    [
      'an explicit --max caps every agent',
      [state('codex', 'under', 10, 3), state('claude', 'over', 95, 4)],
      2,
      { codex: ['burn', 2], claude: ['hold', 0] },
      2,
      4,
      ['codex'],
    ],
    [
      'two providers of one agent: the one with most room decides',
      [state('codex', 'exhausted', 100, 3, 'codex-a'), state('codex', 'under', 5, 3, 'codex-b')],
      undefined,
      { codex: ['burn', 6], claude: ['steady', 3] },
      6,
      4,
      ['codex'],
    ],
    [
      'an unknown provider beside a known one: the known one decides',
      [state('claude', 'unknown', null), state('claude', 'over', 70, 1, 'claude-b')],
      undefined,
      { codex: ['steady', 3], claude: ['slow', 1] },
      3,
      3,
      [],
    ],
  ])('%s', (_name, states, explicit, agents, max, concurrency, watch) => {
    const plan = pacePlan(states, CHECKPOINTS, SETTINGS, explicit);
    expect(Object.fromEntries([...plan.agents].map(([a, p]) => [a, [p.mode, p.max]]))).toEqual(
      agents,
    );
    expect([plan.max, plan.concurrency, [...plan.watch]]).toEqual([max, concurrency, watch]);
  });

  it('says which policy applied and why, one line per agent', () => {
    const plan = pacePlan(
      [state('codex', 'under', 12, 3), state('claude', 'over', 93, 4)],
      CHECKPOINTS,
      SETTINGS,
    );
    expect(describePace(plan)).toEqual([
      'pace: codex burn: under 30% by wednesday (used 12%, expected 50%): burn harder; up to 6 sessions this scan, 4 at once, watch-tier PRs eligible',
      'pace: claude hold: over pace (used 93%, expected 50%) since the friday checkpoint: keep the rest for the weekend; no session this scan',
    ]);
  });
});

const rules = config().rules;

const watchCandidate = (number: number, score: number, over: Partial<Verdict> = {}): Candidate => {
  const s = signal('ci_failing', String(number));
  return {
    pr: makePr({ number }),
    verdict: makeVerdict({
      tier: 'watch',
      route: 'none',
      score,
      suppressed: 'below_threshold',
      signals: [s],
      ...over,
    }),
  };
};

describe('burnCandidates', () => {
  it.each<[string, Candidate, string[], string | null]>([
    ['below the threshold, routed to a burning agent', watchCandidate(1, 2), ['codex'], 'codex'],
    ['its agent is not under pace', watchCandidate(2, 2), ['claude'], null],
    ['no agent burns', watchCandidate(3, 2), [], null],
    [
      'a low-signal repository stays watch-only',
      watchCandidate(4, 2, { suppressed: 'low_signal_repo' }),
      ['codex'],
      null,
    ],
    ['nothing pending', watchCandidate(5, 2, { pending: [] }), ['codex'], null],
    [
      'a question goes to claude',
      watchCandidate(6, 2, {
        signals: [
          {
            ...signal('maintainer_comment', '6'),
            evidence: { question: true },
          },
        ],
        pending: ['maintainer_comment:6'],
      }),
      ['claude'],
      'claude',
    ],
    [
      'a template route is no session',
      watchCandidate(7, 2, { signals: [signal('stale_body', '7')], pending: ['stale_body:7'] }),
      ['codex', 'claude'],
      null,
    ],
  ])('%s', (_name, c, watch, route) => {
    const got = burnCandidates([c], rules, new Set(watch as ('codex' | 'claude')[]));
    expect(got.map((g) => [g.verdict.route, g.burn])).toEqual(route ? [[route, true]] : []);
  });
});

describe('the planner under the pace', () => {
  const policy = (pace: Record<string, number>, over: Partial<Policy> = {}): Policy => ({
    max: 10,
    concurrency: 3,
    fallback: [],
    commands: { codex: 'codex', claude: 'claude' },
    dryRun: false,
    allowUnknown: true,
    pace: new Map(Object.entries(pace).map(([a, max]) => [a as 'codex', { max, reason: 'r' }])),
    ...over,
  });
  const facts = {
    budget: new Map(),
    installed: new Set(['codex', 'claude'] as const),
    startedBy: new Map(),
    now: 0,
  };
  const escalated = (number: number, score: number): Candidate => ({
    pr: makePr({ number }),
    verdict: makeVerdict({ score, signals: [signal('ci_failing', String(number))] }),
  });

  it.each<[string, Record<string, number>, Partial<Policy>, string[]]>([
    ['over pace: only the highest-scoring PR', { codex: 1 }, {}, ['run 3', 'pace 2', 'pace 1']],
    ['held: none', { codex: 0 }, {}, ['pace 3', 'pace 2', 'pace 1']],
    ['burn: all three', { codex: 6 }, {}, ['run 3', 'run 2', 'run 1']],
    [
      'a capped agent passes down the chain',
      { codex: 1, claude: 3 },
      { fallback: ['claude'] },
      ['run 3', 'run 2', 'run 1'],
    ],
    ['by hand the pace does not cap', { codex: 0 }, { manual: {} }, ['run 3', 'run 2', 'run 1']],
  ])('%s', (_name, pace, over, expected) => {
    const plan = planDispatch(
      [escalated(1, 10), escalated(2, 20), escalated(3, 30)],
      policy(pace, over),
      facts,
    );
    expect(
      plan.steps.map(
        (s) =>
          `${s.decision.kind === 'skip' ? s.decision.suppressed : s.decision.kind} ${s.candidate.pr.number}`,
      ),
    ).toEqual(expected);
  });

  it('a capped agent’s PR goes to the next agent of the chain', () => {
    const plan = planDispatch(
      [escalated(1, 10), escalated(2, 20)],
      policy({ codex: 1, claude: 3 }, { fallback: ['claude'] }),
      facts,
    );
    expect(plan.steps.map((s) => s.decision.kind !== 'skip' && s.decision.agents)).toEqual([
      ['codex', 'claude'],
      ['claude'],
    ]);
  });

  it('watch-tier PRs made eligible queue by score with the escalated ones', () => {
    const burn = burnCandidates([watchCandidate(5, 25)], rules, new Set(['codex'] as const));
    const plan = planDispatch(
      [escalated(1, 10), watchCandidate(4, 2), ...burn],
      policy({ codex: 6 }),
      facts,
    );
    expect(plan.queue.map((c) => c.pr.number)).toEqual([5, 1]);
  });
});
