import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isTimeZone,
  localZone,
  machineZone,
  periods,
  wallClock,
  wallClockIntl,
  zoneOffset,
} from '../../src/time/zone.js';

// Node applies a new TZ to Date at once; each case sets its own and the suite's is restored.
const suiteTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = suiteTz;
});

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe', // a 30-minute DST shift
  'Asia/Kolkata', // +05:30, no DST
  'Pacific/Chatham', // +12:45 / +13:45
  'America/Santiago', // DST in the southern summer
  'UTC',
];

describe("the machine's zone from Date's local time", () => {
  it.each(ZONES)('%s: the wall clock and offset Intl gives, at any instant', (zone) => {
    process.env.TZ = zone;
    expect(localZone()).toBe(zone);
    expect(machineZone()).toBe(zone);
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), (ms) => {
        expect(wallClock(ms, zone)).toEqual(wallClockIntl(ms, zone));
      }),
      { numRuns: 500 },
    );
  });

  it.each(ZONES)('%s: local days over two years match the Intl computation', (zone) => {
    const first = Date.UTC(2025, 0, 1);
    const last = Date.UTC(2026, 11, 31);
    process.env.TZ = zone;
    const fast = periods(first, last, 'day', zone, 1);
    // Another zone on Date's side makes every lookup for `zone` go through Intl.
    process.env.TZ = zone === 'UTC' ? 'Asia/Tokyo' : 'UTC';
    expect(localZone()).not.toBe(zone);
    expect(periods(first, last, 'day', zone, 1)).toEqual(fast);
    const intlOffset = zoneOffset(last, zone);
    process.env.TZ = zone;
    expect(zoneOffset(last, zone)).toBe(intlOffset);
  });

  it.each([
    ['CET-1CEST,M3.5.0,M10.5.0/3', 'a POSIX rule'],
    ['Not/AZone', 'a name the tz database lacks'],
    ['../../etc/passwd', 'a path'],
    ['posix/Europe/Berlin', 'a posix/ alias'],
  ])('TZ=%s (%s) is left to Intl', (tz) => {
    process.env.TZ = tz;
    expect(localZone()).toBeUndefined();
    expect(isTimeZone(machineZone())).toBe(true);
  });
});
