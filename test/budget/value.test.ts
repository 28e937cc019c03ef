import { describe, expect, it } from 'vitest';
import {
  billingPeriod,
  describeValue,
  renewalDay,
  subscriptionValue,
} from '../../src/budget/value.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('subscription value', () => {
  it.each<[string, number | string | undefined, number]>([
    ['a day of the month', 15, 15],
    ['a renewal date: its day', '2026-03-28', 28],
    ['none: the 1st', undefined, 1],
  ])('renewal day: %s', (_name, renewsOn, day) => {
    expect(renewalDay(renewsOn)).toBe(day);
  });

  it.each<[string, string, number, string, string, string]>([
    ['after this month’s renewal', '2026-06-20T12:00:00Z', 15, 'UTC', '2026-06-15', '2026-07-15'],
    ['before it: from last month’s', '2026-06-10T12:00:00Z', 15, 'UTC', '2026-05-15', '2026-06-15'],
    ['on the renewal instant', '2026-06-15T00:00:00Z', 15, 'UTC', '2026-06-15', '2026-07-15'],
    ['the 31st in a 30-day month', '2026-06-30T12:00:00Z', 31, 'UTC', '2026-06-30', '2026-07-31'],
    ['the 31st in February', '2026-03-01T12:00:00Z', 31, 'UTC', '2026-02-28', '2026-03-31'],
    ['across the year', '2026-01-05T12:00:00Z', 20, 'UTC', '2025-12-20', '2026-01-20'],
  ])('billing month: %s', (_name, now, day, zone, start, end) => {
    const p = billingPeriod(Date.parse(now), day, zone);
    expect([iso(p.start), iso(p.end)]).toEqual([`${start}T00:00:00.000Z`, `${end}T00:00:00.000Z`]);
  });

  it('renews at local midnight in the zone', () => {
    const p = billingPeriod(Date.parse('2026-06-20T12:00:00Z'), 15, 'Europe/Berlin');
    expect([iso(p.start), iso(p.end)]).toEqual([
      '2026-06-14T22:00:00.000Z',
      '2026-07-14T22:00:00.000Z',
    ]);
  });

  const START = Date.parse('2026-06-01T00:00:00Z');
  const END = Date.parse('2026-07-01T00:00:00Z');
  const DAY = 86_400_000;
  it.each<[string, number, number, number, number | null, number | null]>([
    ['a third of the month, $412 for $200', 412.004, 200, START + 10 * DAY, 2.06, 1236.01],
    ['under the price', 50, 200, START + 15 * DAY, 0.25, 100],
    ['a free plan: no ratio', 30, 0, START + 15 * DAY, null, 60],
    ['just renewed: no projection', 0.5, 200, START + 60_000, 0, null],
    ['nothing used', 0, 100, START + 3 * DAY, 0, 0],
  ])('value: %s', (_name, usedUsd, priceUsd, now, ratio, projectedUsd) => {
    expect(
      subscriptionValue({ priceUsd, usedUsd, unpricedTokens: 0, start: START, end: END, now }),
    ).toEqual({
      priceUsd,
      usedUsd: Math.round(usedUsd * 100) / 100,
      unpricedTokens: 0,
      ratio,
      projectedUsd,
      since: '2026-06-01T00:00:00.000Z',
      renewsAt: '2026-07-01T00:00:00.000Z',
    });
  });

  it.each<[string, Parameters<typeof subscriptionValue>[0], string]>([
    [
      'dollars, ratio and projection',
      {
        priceUsd: 200,
        usedUsd: 412,
        unpricedTokens: 0,
        start: START,
        end: END,
        now: START + 10 * DAY,
      },
      '$412 of API use for $200 this billing month (2.06×, ~$1,236 at this rate by the renewal)',
    ],
    [
      'small amounts keep their cents; unpriced tokens said',
      {
        priceUsd: 20,
        usedUsd: 3.456,
        unpricedTokens: 1200,
        start: START,
        end: END,
        now: START + 60_000,
      },
      '$3.46 of API use for $20.00 this billing month (0.17×, 1,200 tokens not priced)',
    ],
  ])('said: %s', (_name, input, text) => {
    expect(describeValue(subscriptionValue(input))).toBe(text);
  });
});
