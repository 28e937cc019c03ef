import { describe, expect, it } from 'vitest';
import { reservationFor } from '../../src/dispatch/budget-gate.js';
import {
  expectedCost,
  fits,
  settle,
  tokensLeft,
  type Room,
} from '../../src/dispatch/reservation.js';
import type { BudgetState } from '../../src/core/budget.js';

describe('expectedCost', () => {
  it.each<[string, number[], number, number]>([
    ['no history: the configured default', [], 50_000, 50_000],
    ['too little history: the default', [10, 20], 50_000, 50_000],
    ['three sessions: the largest is their p90', [30, 10, 20], 50_000, 30],
    ['ten sessions: the ninth smallest', [1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 5, 9],
    [
      'eleven sessions: the tenth smallest (nearest rank)',
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      5,
      10,
    ],
    ['nonsense values are left out', [-1, Number.NaN, 40, 50, 60], 5, 60],
  ])('%s', (_name, history, fallback, expected) => {
    expect(expectedCost(history, fallback)).toBe(expected);
  });

  it.each<[number, number]>([
    [0.5, 3],
    [1, 5],
    [0, 1],
  ])('quantile %s of 1..5 is %s', (q, expected) => {
    expect(expectedCost([5, 4, 3, 2, 1], 0, q)).toBe(expected);
  });
});

describe('tokensLeft and fits', () => {
  const room = (over: Partial<Room> = {}): Room => ({
    weeklyTokens: 60_000,
    reservePercent: 0,
    spent: 0,
    reserved: 0,
    ...over,
  });
  it.each<[string, Partial<Room>, number, number, boolean]>([
    ['an empty week', {}, 20_000, 60_000, true],
    ['spent and reserved come off', { spent: 25_000, reserved: 20_000 }, 15_000, 15_000, true],
    ['one token too many', { spent: 25_000, reserved: 20_000 }, 15_001, 15_000, false],
    ['the reserve is kept back', { reservePercent: 10 }, 54_001, 54_000, false],
    ['overspent: nothing left, never negative', { spent: 70_000 }, 1, 0, false],
    ['a reserve over 100% keeps everything back', { reservePercent: 150 }, 1, 0, false],
    ['a reservation of nothing fits an empty room', { spent: 60_000 }, 0, 0, true],
  ])('%s', (_name, over, tokens, left, fit) => {
    expect(tokensLeft(room(over))).toBe(left);
    expect(fits(room(over), tokens)).toBe(fit);
  });
});

describe('settle', () => {
  it.each<[string, number | null, number | null, ReturnType<typeof settle>]>([
    [
      'measured tokens replace the reservation',
      20_000,
      31_000,
      { tokens: 31_000, estimated: false },
    ],
    ['measured zero is measured', 20_000, 0, { tokens: 0, estimated: false }],
    [
      'no usage: the reservation, as an estimate',
      20_000,
      null,
      { tokens: 20_000, estimated: true },
    ],
    ['no usage and no reservation: unknown', null, null, { tokens: null, estimated: false }],
  ])('%s', (_name, reserved, measured, expected) => {
    expect(settle(reserved, measured)).toEqual(expected);
  });
});

describe('reservationFor', () => {
  const NOW = Date.parse('2026-06-17T12:00:00Z');
  const RESET = Date.parse('2026-06-22T00:00:00Z');
  const state = (usedPercent: number | null): BudgetState => ({
    provider: 'codex',
    agent: 'codex',
    usedPercent,
    expectedPercent: null,
    verdict: usedPercent === null ? 'unknown' : 'on-pace',
    resetsAt: usedPercent === null ? null : new Date(RESET).toISOString(),
    source: null,
    problems: [],
  });
  const budget = (weeklyTokens?: number) => ({
    providers: [
      {
        name: 'codex',
        agent: 'codex' as const,
        weeklyTokens,
        usagePath: '',
        resetsAtPath: '',
        rolloutRateLimits: false,
      },
    ],
    reserve: 10,
    sessionTokens: 20_000,
  });

  it('reserves nothing for an agent without a weekly token quota', () => {
    const r = reservationFor({
      agent: 'codex',
      kind: 'ci_failing',
      states: [state(10)],
      budget: budget(undefined),
      history: () => [],
      now: NOW,
    });
    expect(r).toBeUndefined();
  });

  it.each<
    [string, number | null, number[], { counted: number; reserved: number }, number, boolean]
  >([
    ['the default until there is history', 0, [], { counted: 20_000, reserved: 0 }, 70_000, true],
    ['the p90 of history', 0, [5_000, 6_000, 7_000], { counted: 0, reserved: 0 }, 90_000, true],
    ['the reading counts when larger', 50, [], { counted: 10_000, reserved: 0 }, 40_000, true],
    ['the ledger counts when larger', 10, [], { counted: 60_000, reserved: 0 }, 30_000, true],
    ['other sessions’ reservations', 0, [], { counted: 60_000, reserved: 15_000 }, 15_000, false],
    ['an unknown reading: the ledger alone', null, [], { counted: 0, reserved: 0 }, 90_000, true],
  ])('%s', (_name, used, history, committed, left, fit) => {
    const r = reservationFor({
      agent: 'codex',
      kind: 'ci_failing',
      states: [state(used)],
      budget: budget(100_000),
      history: (agent, kind) => (agent === 'codex' && kind === 'ci_failing' ? history : []),
      now: NOW,
    })!;
    expect(r.left(committed)).toBe(left);
    expect(r.claim.fits(committed)).toBe(fit);
    expect(r.claim.tokens).toBe(history.length ? 7_000 : 20_000);
  });

  it('with no reset known, spans the last seven days', () => {
    const r = reservationFor({
      agent: 'codex',
      kind: 'ci_failing',
      states: [state(null)],
      budget: budget(100_000),
      history: () => [],
      now: NOW,
    })!;
    expect([r.claim.since, r.claim.until]).toEqual([NOW - 7 * 86_400_000, NOW + 7 * 86_400_000]);
  });

  it('spans the provider’s quota week', () => {
    const r = reservationFor({
      agent: 'codex',
      kind: 'ci_failing',
      states: [state(0)],
      budget: budget(100_000),
      history: () => [],
      now: NOW,
    })!;
    expect([r.claim.since, r.claim.until]).toEqual([RESET - 7 * 86_400_000, RESET]);
  });
});
