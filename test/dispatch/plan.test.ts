import { describe, expect, it } from 'vitest';
import type { AgentBudget } from '../../src/core/budget.js';
import type { Verdict } from '../../src/core/verdict.js';
import type { AgentName } from '../../src/core/agents.js';
import { parseMax } from '../../src/dispatch/after-scan.js';
import { accountBudgets, budgetAfterSpend } from '../../src/dispatch/budget-gate.js';
import {
  claimedSignals,
  claimRefused,
  decide,
  dispatchOrder,
  planDispatch,
  type Candidate,
  type Decision,
  type Facts,
  type Policy,
} from '../../src/dispatch/plan.js';
import { budgetState, makePr, makeVerdict, signal } from './helpers.js';

const NOW = 1_780_000_000_000;

const policy = (over: Partial<Policy> = {}): Policy => ({
  max: 10,
  concurrency: 3,
  fallback: ['codex', 'claude'],
  commands: { codex: 'codex', claude: 'claude' },
  dryRun: false,
  allowUnknown: true,
  ...over,
});

const facts = (
  over: {
    budget?: Partial<Record<AgentName, AgentBudget>>;
    installed?: AgentName[];
    held?: Partial<Record<AgentName, string>>;
  } & Partial<Pick<Facts, 'started'>> = {},
): Facts => ({
  budget: new Map(Object.entries(over.budget ?? {}) as [AgentName, AgentBudget][]),
  installed: new Set(over.installed ?? ['codex', 'claude']),
  ...(over.held ? { held: new Map(Object.entries(over.held) as [AgentName, string][]) } : {}),
  started: over.started ?? 0,
  startedBy: new Map(),
  now: NOW,
});

const candidate = (number: number, verdict: Partial<Verdict> = {}): Candidate => ({
  pr: makePr({ number, repo: verdict.reasons?.[0] ?? 'acme/widget' }),
  verdict: makeVerdict({ signals: [signal('ci_failing', String(number))], ...verdict }),
});

/** The parts of a decision a case states (a Map compares by content). */
const summary = (d: Decision) =>
  d.kind === 'skip'
    ? {
        kind: d.kind,
        suppressed: d.suppressed,
        reason: d.reason,
        skipped: d.skipped,
        refusal: d.refusal,
        holdBack: d.holdBack && [...d.holdBack.keys()],
      }
    : {
        kind: d.kind,
        agents: d.agents,
        skipped: d.skipped,
        signals: d.signals.map((s) => s.fingerprint),
        fingerprints: [...d.fingerprints.keys()],
        reason: d.reason,
      };

describe('dispatchOrder', () => {
  it.each<[string, Candidate[], boolean, number[]]>([
    [
      'the escalate tier to an agent, highest score first',
      [
        candidate(1, { score: 10 }),
        candidate(2, { score: 30 }),
        candidate(3, { score: 20, tier: 'watch' }),
        candidate(4, { score: 99, route: 'template' }),
        candidate(5, { score: 20 }),
      ],
      false,
      [2, 5, 1],
    ],
    [
      'equal scores by repository, then number',
      [
        candidate(9, { score: 5, reasons: ['b/z'] }),
        candidate(3, { score: 5, reasons: ['a/z'] }),
        candidate(2, { score: 5, reasons: ['b/z'] }),
      ],
      false,
      [3, 2, 9],
    ],
    [
      'by hand: any tier and route',
      [candidate(1, { tier: 'watch', score: 1 }), candidate(2, { route: 'template', score: 2 })],
      true,
      [2, 1],
    ],
  ])('%s', (_name, list, manual, order) => {
    expect(dispatchOrder(list, manual).map((c) => c.pr.number)).toEqual(order);
  });
});

describe('decide', () => {
  const run = (agents: AgentName[], extra: Partial<ReturnType<typeof summary>> = {}) => ({
    kind: 'run',
    agents,
    skipped: [],
    signals: ['ci_failing:1'],
    fingerprints: ['ci_failing:1'],
    reason: 'radar scan --dispatch',
    ...extra,
  });
  const skip = (suppressed: string, reason: string, extra: object = {}) => ({
    kind: 'skip',
    suppressed,
    reason,
    skipped: undefined,
    refusal: undefined,
    holdBack: undefined,
    ...extra,
  });
  const byHand = { reason: 'radar escalate', fingerprints: ['ci_failing:1', `manual:${NOW}`] };

  it.each<[string, Partial<Verdict>, Partial<Policy>, Parameters<typeof facts>[0], object]>([
    ['the routed agent first, then the fallback', {}, {}, {}, run(['codex', 'claude'])],
    ['a claude route', { route: 'claude' }, {}, {}, run(['claude', 'codex'])],
    [
      'an agent asked for by hand goes first',
      {},
      { manual: { agent: 'claude' } },
      {},
      run(['claude', 'codex'], byHand),
    ],
    [
      'an agent not installed is skipped',
      {},
      {},
      { installed: ['claude'] },
      run(['claude'], { skipped: [{ agent: 'codex', why: 'not-installed' }] }),
    ],
    [
      'an agent held back for its model sends the PR down the chain',
      {},
      {},
      { held: { codex: 'codex ran gpt-4o' } },
      run(['claude'], { skipped: [{ agent: 'codex', why: 'model' }] }),
    ],
    [
      'every agent of the chain held back for its model: the hold is the reason, before the budget',
      {},
      {},
      { held: { codex: 'codex ran gpt-4o' }, budget: { claude: 'exhausted' } },
      skip('model', 'codex ran gpt-4o', {
        skipped: [
          { agent: 'codex', why: 'model' },
          { agent: 'claude', why: 'budget' },
        ],
      }),
    ],
    [
      'an exhausted budget sends the PR down the chain',
      {},
      {},
      { budget: { codex: 'exhausted', claude: 'available' } },
      run(['claude'], { skipped: [{ agent: 'codex', why: 'budget' }] }),
    ],
    [
      'an unknown budget does not block',
      {},
      {},
      { budget: { codex: 'unknown', claude: 'unknown' } },
      run(['codex', 'claude']),
    ],
    [
      'an unknown budget blocks unless budget.allowUnknown',
      {},
      { allowUnknown: false },
      { budget: { codex: 'unknown' } },
      skip(
        'budget',
        'budget unknown for codex, claude (no source: set weeklyTokens or usageCommand in budget.providers, or budget.allowUnknown)',
        {
          skipped: [
            { agent: 'codex', why: 'budget' },
            { agent: 'claude', why: 'budget' },
          ],
          holdBack: ['ci_failing:1'],
        },
      ),
    ],
    [
      'an unknown budget, the fallback known: the fallback runs',
      {},
      { allowUnknown: false },
      { budget: { codex: 'unknown', claude: 'available' } },
      run(['claude'], { skipped: [{ agent: 'codex', why: 'budget' }] }),
    ],
    [
      'one exhausted, one unknown: both said',
      {},
      { allowUnknown: false },
      { budget: { codex: 'exhausted', claude: 'unknown' } },
      skip(
        'budget',
        'budget exhausted for codex; budget unknown for claude (no source: set weeklyTokens or usageCommand in budget.providers, or budget.allowUnknown)',
        {
          skipped: [
            { agent: 'codex', why: 'budget' },
            { agent: 'claude', why: 'budget' },
          ],
          holdBack: ['ci_failing:1'],
        },
      ),
    ],
    [
      'every budget exhausted: held back, the signals marked so',
      {},
      {},
      { budget: { codex: 'exhausted', claude: 'exhausted' } },
      skip('budget', 'budget exhausted for codex, claude', {
        skipped: [
          { agent: 'codex', why: 'budget' },
          { agent: 'claude', why: 'budget' },
        ],
        holdBack: ['ci_failing:1'],
      }),
    ],
    [
      'every budget exhausted in a rehearsal: nothing marked',
      {},
      { dryRun: true },
      { budget: { codex: 'exhausted', claude: 'exhausted' } },
      skip('budget', 'budget exhausted for codex, claude', {
        skipped: [
          { agent: 'codex', why: 'budget' },
          { agent: 'claude', why: 'budget' },
        ],
      }),
    ],
    [
      'no agent installed: the commands are named',
      {},
      { commands: { codex: '/opt/codex', claude: 'claude-code' } },
      { installed: [] },
      skip('no-agent', 'no agent installed (/opt/codex, claude-code)', {
        skipped: [
          { agent: 'codex', why: 'not-installed' },
          { agent: 'claude', why: 'not-installed' },
        ],
      }),
    ],
    [
      'a stopped PR is not dispatched',
      { tier: 'stopped' },
      {},
      {},
      skip('stopped', 'the PR is stopped (stop-loss or radar stop); --force overrides'),
    ],
    [
      'a stopped PR asked for by hand is refused, on record',
      { tier: 'stopped' },
      { manual: {} },
      {},
      skip('stopped', 'the PR is stopped (stop-loss or radar stop); --force overrides', {
        refusal: { agent: 'codex', fingerprints: ['ci_failing:1'] },
      }),
    ],
    [
      'a stopped PR forced by hand runs',
      { tier: 'stopped' },
      { manual: { force: true } },
      {},
      run(['codex', 'claude'], byHand),
    ],
    [
      'every signal acted on already',
      { pending: [] },
      {},
      {},
      skip('acted', 'every signal was acted on already'),
    ],
    [
      'by hand with every signal acted on: all of them again, and a manual fingerprint',
      { pending: [] },
      { manual: {} },
      {},
      run(['codex', 'claude'], byHand),
    ],
    [
      '`max` sessions started: cut, never recorded as a refusal',
      {},
      { max: 2, manual: {} },
      { started: 2 },
      skip('max', 'at most 2 sessions per run'),
    ],
    [
      'a rehearsal is not cut by max',
      {},
      { max: 0, dryRun: true },
      {},
      { ...run(['codex', 'claude']), kind: 'rehearse' },
    ],
  ])('%s', (_name, verdict, pol, f, expected) => {
    expect(summary(decide(candidate(1, verdict), policy(pol), facts(f)))).toEqual(expected);
  });

  it('acts only on dispatchable pending signals', () => {
    const c = candidate(1, {
      signals: [signal('ci_failing', 'a'), signal('behind', 'b'), signal('conflict', 'c')],
      pending: ['ci_failing:a', 'behind:b'],
    });
    const d = decide(c, policy(), facts());
    expect(d.kind === 'run' && d.signals.map((s) => s.fingerprint)).toEqual(['ci_failing:a']);
  });
});

describe('planDispatch', () => {
  it.each<[string, number, number, number, Parameters<typeof facts>[0], string[], number]>([
    ['max counts the sessions planned before', 4, 2, 3, {}, ['run', 'run', 'max', 'max'], 3],
    ['the pool is never wider than the queue', 2, 10, 5, {}, ['run', 'run'], 2],
    [
      'a PR held back by budget does not count toward max',
      3,
      2,
      2,
      { budget: { codex: 'exhausted', claude: 'exhausted' } },
      ['budget', 'budget', 'budget'],
      2,
    ],
  ])('%s', (_name, n, max, concurrency, f, kinds, width) => {
    const list = Array.from({ length: n }, (_, i) => candidate(i + 1, { score: 10 - i }));
    const plan = planDispatch(list, policy({ max, concurrency }), facts(f));
    expect(
      plan.steps.map((s) => (s.decision.kind === 'skip' ? s.decision.suppressed : 'run')),
    ).toEqual(kinds);
    expect(plan.width).toBe(width);
    expect(plan.queue.map((c) => c.pr.number)).toEqual(list.map((c) => c.pr.number));
  });
});

describe('claimRefused', () => {
  it.each<[string, Parameters<typeof claimRefused>[2], boolean, object]>([
    [
      'acted',
      { kind: 'acted' },
      false,
      { suppressed: 'acted', reason: 'every signal was acted on already' },
    ],
    [
      'busy',
      { kind: 'busy', escalationId: 7 },
      false,
      { suppressed: 'busy', reason: 'escalation 7 is working on it' },
    ],
    [
      'full',
      { kind: 'full', running: 3 },
      false,
      { suppressed: 'concurrency', reason: '3 sessions running (dispatch.concurrency)' },
    ],
    [
      'a reservation that does not fit: held back by budget, said with the numbers',
      { kind: 'budget', agent: 'codex', tokens: 30000, left: 12000 },
      false,
      {
        suppressed: 'budget',
        reason:
          'a session of codex reserves 30000 tokens; 12000 left this week (budget.reserve kept back)',
        holdBack: new Map([['ci_failing:1', 'ci_failing']]),
      },
    ],
    [
      'a reservation that does not fit, by hand: on record',
      { kind: 'budget', agent: 'claude', tokens: 5, left: 0 },
      true,
      { suppressed: 'budget', refusal: { agent: 'codex', fingerprints: ['ci_failing:1'] } },
    ],
    [
      'busy, by hand: on record',
      { kind: 'busy', escalationId: 7 },
      true,
      { suppressed: 'busy', refusal: { agent: 'codex', fingerprints: ['ci_failing:1'] } },
    ],
  ])('%s', (_name, claim, manual, expected) => {
    const d = claimRefused(candidate(1), policy(manual ? { manual: {} } : {}), claim);
    expect(d).toMatchObject({ kind: 'skip', ...expected });
    expect(d.kind === 'skip' && d.refusal !== undefined).toBe(manual);
  });
});

describe('claimedSignals', () => {
  const signals = [signal('ci_failing', 'a'), signal('conflict', 'b')];
  it.each<[string, string[], string[]]>([
    ['those the claim got', ['conflict:b'], ['conflict:b']],
    [
      'all when the claim got only a manual fingerprint',
      ['manual:1'],
      ['ci_failing:a', 'conflict:b'],
    ],
  ])('%s', (_name, claimed, expected) => {
    expect(claimedSignals(signals, claimed).map((s) => s.fingerprint)).toEqual(expected);
  });
});

describe('budgetAfterSpend', () => {
  const providers = [
    { name: 'codex', agent: 'codex' as const, weeklyTokens: 2000 },
    { name: 'claude', agent: 'claude' as const, weeklyTokens: 2000 },
    { name: 'codex-cmd', agent: 'codex' as const },
  ];
  it.each<[string, Parameters<typeof budgetState>[], [AgentName, number][], object]>([
    ['nothing spent: the reading', [['codex', 40]], [], { codex: 'available' }],
    ['spent within the quota', [['codex', 0]], [['codex', 1100]], { codex: 'available' }],
    ['spent past the quota', [['codex', 0]], [['codex', 2200]], { codex: 'exhausted' }],
    ['used and spent add up', [['codex', 50]], [['codex', 1000]], { codex: 'exhausted' }],
    [
      "one agent's spending is not another's",
      [
        ['codex', 0],
        ['claude', 0],
      ],
      [['claude', 2000]],
      { codex: 'available', claude: 'exhausted' },
    ],
    [
      'a provider known only as a percentage keeps its reading',
      [['codex', 90, 'codex-cmd']],
      [['codex', 1_000_000]],
      { codex: 'available' },
    ],
    [
      'an agent is exhausted only when every provider of it is',
      [
        ['codex', 0],
        ['codex', 10, 'codex-cmd'],
      ],
      [['codex', 5000]],
      { codex: 'available' },
    ],
    ['an unknown budget stays unknown', [['codex', null]], [['codex', 5000]], { codex: 'unknown' }],
  ])('%s', (_name, states, spent, expected) => {
    const budget = budgetAfterSpend(
      states.map((s) => budgetState(...s)),
      providers,
      new Map(spent),
    );
    expect(Object.fromEntries([...budget].filter(([a]) => a in expected))).toEqual(expected);
  });
});

describe('parseMax (--max)', () => {
  it.each<[string | undefined, number]>([
    [undefined, 4],
    ['0', 0],
    [' 12 ', 12],
  ])('%s → %s', (text, expected) => {
    expect(parseMax(text, 4)).toBe(expected);
  });

  it.each(['lots', '-1', '2.5', ''])('"%s" is refused with a usage error', (text) => {
    expect(() => parseMax(text, 4)).toThrow(`--max: "${text}" is not a number of PRs`);
  });
});

describe('account choice', () => {
  type Accounts = Partial<Record<AgentName, [string, AgentBudget][]>>;
  const withAccounts = (accounts: Accounts, allowUnknown = false) =>
    decide(candidate(1, { route: 'claude' }), policy({ allowUnknown }), {
      ...facts(),
      accounts: new Map(
        Object.entries(accounts).map(([agent, list]) => [
          agent as AgentName,
          list.map(([name, budget]) => ({ name, budget })),
        ]),
      ),
    });
  it.each<[string, Accounts, boolean, object]>([
    [
      'the first account with room',
      {
        claude: [
          ['main', 'available'],
          ['backup', 'available'],
        ],
      },
      false,
      { agents: ['claude'], accounts: { claude: 'main' } },
    ],
    [
      'the first exhausted: the next',
      {
        claude: [
          ['main', 'exhausted'],
          ['backup', 'available'],
        ],
      },
      false,
      { agents: ['claude'], accounts: { claude: 'backup' } },
    ],
    [
      'an unknown account is passed over unless allowed',
      {
        claude: [
          ['main', 'unknown'],
          ['backup', 'available'],
        ],
      },
      false,
      { agents: ['claude'], accounts: { claude: 'backup' } },
    ],
    [
      'an unknown account may work when allowed',
      {
        claude: [
          ['main', 'unknown'],
          ['backup', 'available'],
        ],
      },
      true,
      // codex has no accounts listed: its unknown budget is allowed too.
      { agents: ['claude', 'codex'], accounts: { claude: 'main' } },
    ],
    [
      'every account of the routed agent exhausted: the fallback agent',
      {
        claude: [
          ['main', 'exhausted'],
          ['backup', 'exhausted'],
        ],
        codex: [['codex', 'available']],
      },
      false,
      { agents: ['codex'], accounts: { codex: 'codex' } },
    ],
    [
      'an exhausted and an unknown account, unknown not allowed: no room',
      {
        claude: [
          ['main', 'exhausted'],
          ['backup', 'unknown'],
        ],
        codex: [['codex', 'exhausted']],
      },
      false,
      { kind: 'skip', suppressed: 'budget' },
    ],
  ])('%s', (_name, accounts, allowUnknown, expected) => {
    const d = withAccounts(accounts, allowUnknown);
    expect(
      d.kind === 'skip'
        ? { kind: d.kind, suppressed: d.suppressed }
        : { agents: d.agents, accounts: d.accounts },
    ).toEqual(expected);
  });
});

describe('accountBudgets', () => {
  const providers = [
    { name: 'main', agent: 'claude' as const, weeklyTokens: 1000 },
    { name: 'backup', agent: 'claude' as const, weeklyTokens: 1000 },
  ];
  it.each<[string, [string, number][], object]>([
    ['nothing spent', [], { main: 'available', backup: 'available' }],
    ['the first spent out', [['main', 600]], { main: 'exhausted', backup: 'available' }],
    [
      'spending of one account is not the other’s',
      [['backup', 600]],
      { main: 'available', backup: 'exhausted' },
    ],
  ])('%s', (_name, spent, expected) => {
    const states = providers.map((p) => budgetState(p.agent, 50, p.name));
    const got = accountBudgets(states, providers, new Map(spent)).get('claude') ?? [];
    expect(Object.fromEntries(got.map((a) => [a.name, a.budget]))).toEqual(expected);
  });
});
