import { describe, expect, it } from 'vitest';
import { parseWhen } from '../../src/time/relative.js';

// Tuesday 2026-03-31 10:30 in Berlin (CEST, +02:00); Berlin went to summer time on 2026-03-29.
const NOW = Date.parse('2026-03-31T08:30:00Z');
const iso = (s: string) => new Date(s).toISOString();

describe('parseWhen', () => {
  it.each([
    ['2026-06-01', 'UTC', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01', 'Europe/Berlin', '2026-05-31T22:00:00.000Z'],
    ['2026-06-01T09:00Z', 'Europe/Berlin', '2026-06-01T09:00:00.000Z'],
    ['now', 'UTC', '2026-03-31T08:30:00.000Z'],
    ['today', 'UTC', '2026-03-31T00:00:00.000Z'],
    ['today', 'Europe/Berlin', '2026-03-30T22:00:00.000Z'],
    ['yesterday', 'Europe/Berlin', '2026-03-29T22:00:00.000Z'],
    ['Yesterday', 'UTC', '2026-03-30T00:00:00.000Z'],
    ['30m', 'UTC', '2026-03-31T08:00:00.000Z'],
    ['90 minutes', 'UTC', '2026-03-31T07:00:00.000Z'],
    ['12h', 'UTC', '2026-03-30T20:30:00.000Z'],
    ['1d', 'UTC', '2026-03-30T08:30:00.000Z'],
    ['7d', 'UTC', '2026-03-24T08:30:00.000Z'],
    // 10:30 a week ago in Berlin was winter time (+01:00): a calendar week, not 168 hours.
    ['7d', 'Europe/Berlin', '2026-03-24T09:30:00.000Z'],
    ['7 days ago', 'UTC', '2026-03-24T08:30:00.000Z'],
    ['2w', 'UTC', '2026-03-17T08:30:00.000Z'],
    ['2 weeks', 'UTC', '2026-03-17T08:30:00.000Z'],
    ['40d', 'UTC', '2026-02-19T08:30:00.000Z'],
  ])('%s in %s → %s', (text, zone, expected) => {
    const at = parseWhen(text, NOW, zone);
    expect(at === undefined ? undefined : iso(new Date(at).toISOString())).toBe(expected);
  });

  it.each(['', 'soon', '7', '7y', 'd7', '-7d', '2026-13-01', 'last tuesday', '7 fortnights'])(
    'rejects %j',
    (text) => {
      expect(parseWhen(text, NOW, 'UTC')).toBeUndefined();
    },
  );
});
