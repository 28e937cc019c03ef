import { instantOf, parseIsoInZone, wallClock, type WallClock } from './zone.js';

const UNITS: Record<string, 'minute' | 'hour' | 'day' | 'week'> = {
  m: 'minute',
  min: 'minute',
  mins: 'minute',
  minute: 'minute',
  minutes: 'minute',
  h: 'hour',
  hr: 'hour',
  hrs: 'hour',
  hour: 'hour',
  hours: 'hour',
  d: 'day',
  day: 'day',
  days: 'day',
  w: 'week',
  wk: 'week',
  wks: 'week',
  week: 'week',
  weeks: 'week',
};

const RELATIVE_RE = /^(\d{1,5})\s*([a-z]+)(?:\s+ago)?$/;

/** What a date option accepts, for messages and help. */
export const DATE_FORMS =
  'an ISO date or date-time (2026-06-01, 2026-06-01T09:00), 7d, 2w, 12h, 30m, today or yesterday';

/**
 * A date given on the command line, as an instant. Pure: `now` and the zone are parameters.
 *
 * - ISO-8601 dates and date-times (a wall clock in `zone` unless they carry an offset).
 * - `today`, `yesterday`: local midnight in `zone`.
 * - `7d`, `2w`, `3 days`, `2 weeks ago`: the same wall-clock time that many days back (a day is
 *   a calendar day in `zone`, so a DST change does not shift it by an hour).
 * - `12h`, `30m`, `90 minutes`: exactly that long before `now`.
 *
 * Returns undefined for anything else.
 */
export function parseWhen(text: string, now: number, zone: string): number | undefined {
  const input = text.trim().toLowerCase();
  if (input === 'now') return now;
  if (input === 'today' || input === 'yesterday') {
    const w = wallClock(now, zone);
    return calendarShift(
      { ...w, hour: 0, minute: 0, second: 0, millisecond: 0 },
      input === 'yesterday' ? -1 : 0,
      zone,
    );
  }
  const m = RELATIVE_RE.exec(input);
  if (!m) return parseIsoInZone(text, zone);
  const n = Number(m[1]);
  const unit = UNITS[m[2]!];
  if (!unit) return undefined;
  if (unit === 'minute') return now - n * 60_000;
  if (unit === 'hour') return now - n * 3_600_000;
  return calendarShift(wallClock(now, zone), -(unit === 'week' ? 7 * n : n), zone);
}

function calendarShift(w: WallClock, days: number, zone: string): number {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return instantOf(
    { ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    zone,
  );
}
