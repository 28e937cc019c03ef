import { readlinkSync, statSync } from 'node:fs';

/**
 * Wall-clock ⇄ instant conversion for an IANA zone with Intl only (no dependency): days and weeks
 * in reports and budgets are local to the user, and must stay right across DST changes.
 *
 * The machine's own zone is read from Date's local time instead: the first use of Intl loads
 * ICU's locale and zone data, which costs more than a whole cron-path report.
 */

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isTimeZone(zone: string): boolean {
  if (zone === localZone()) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function machineZone(): string {
  return localZone() ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const ZONEINFO = '/usr/share/zoneinfo/';
let local: { tz: string | undefined; zone: string | undefined } | undefined;

/**
 * The zone Date's local time follows, when the environment names it the way Intl does: `TZ`, else
 * the target of /etc/localtime, and only when the system's tz database has that name (so a
 * POSIX rule such as `CET-1CEST` or an unknown name falls back to Intl). Undefined otherwise.
 * Rechecked when `TZ` changes (node applies a new `TZ` to Date at once).
 */
export function localZone(): string | undefined {
  const tz = process.env.TZ;
  const known = local;
  if (known && known.tz === tz) return known.zone;
  let name = tz?.replace(/^:/, '');
  if (name === undefined || name === '') {
    try {
      const target = readlinkSync('/etc/localtime');
      const at = target.indexOf('zoneinfo/');
      name = at >= 0 ? target.slice(at + 'zoneinfo/'.length) : undefined;
    } catch {
      name = undefined;
    }
  }
  let zone: string | undefined;
  if (name && ZONE_NAME.test(name) && !/^(posix|right)\//.test(name)) {
    try {
      if (statSync(ZONEINFO + name).isFile()) zone = name;
    } catch {
      // not a zone this system knows: Intl decides
    }
  }
  local = { tz, zone };
  return zone;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const SHORT_WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The wall clock in `zone` at instant `ms`, plus the weekday (0 = Sunday). */
export function wallClock(ms: number, zone: string): WallClock & { weekday: number } {
  if (zone === localZone()) {
    const d = new Date(ms);
    return {
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      day: d.getDate(),
      hour: d.getHours(),
      minute: d.getMinutes(),
      second: d.getSeconds(),
      millisecond: d.getMilliseconds(),
      weekday: d.getDay(),
    };
  }
  return wallClockIntl(ms, zone);
}

/** wallClock as Intl computes it, for any zone (exported for the test that compares both). */
export function wallClockIntl(ms: number, zone: string): WallClock & { weekday: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ((ms % 1000) + 1000) % 1000,
    weekday: Math.max(0, SHORT_WEEKDAYS.indexOf(parts.weekday ?? 'Sun')),
  };
}

/** Offset of `zone` from UTC at instant `ms`, in milliseconds. */
export function zoneOffset(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  return asUtc - ms;
}

/**
 * The instant at which `zone` shows wall clock `w`. In a DST gap the later offset wins (02:30 on
 * a spring-forward day is 03:30); in an overlap the earlier instant wins.
 */
export function instantOf(w: WallClock, zone: string): number {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  const first = naive - zoneOffset(naive, zone);
  const second = naive - zoneOffset(first, zone);
  if (first === second) return first;
  // Two candidates: prefer one that really shows the wall clock, earliest first.
  const shows = (t: number) => naive - t === zoneOffset(t, zone);
  const candidates = [first, second].sort((a, b) => a - b).filter(shows);
  return candidates[0] ?? Math.max(first, second);
}

export function weekdayIndex(name: string): number {
  return WEEKDAYS.indexOf(name);
}

/** The instant local midnight begins on a calendar date (out-of-range days roll over). */
export function localMidnight(year: number, month: number, day: number, zone: string): number {
  const d = new Date(Date.UTC(year, month - 1, day));
  return instantOf(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
      millisecond: 0,
    },
    zone,
  );
}

/** Start of the local week containing `ms`, weeks starting on `weekStart` (0 = Sunday). */
export function startOfWeek(ms: number, zone: string, weekStart: number): number {
  const w = wallClock(ms, zone);
  return localMidnight(w.year, w.month, w.day - ((w.weekday - weekStart + 7) % 7), zone);
}

/** Start of the next local week after the one containing `ms`. */
export function startOfNextWeek(ms: number, zone: string, weekStart: number): number {
  const w = wallClock(startOfWeek(ms, zone, weekStart), zone);
  return localMidnight(w.year, w.month, w.day + 7, zone);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2026-06-11 10:00" in `zone`. */
export function localDateTime(ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The digits of `text` from `start` to `end` as a number; -1 when one is not a digit. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * `2026-06-11T10:00:00.123Z`, the form every agent log writes each line's time in, read digit by
 * digit (the regular expression below costs several times more, once per marker): what
 * parseIsoInZone's general path gives for it. Undefined for any other form.
 */
function utcStamp(text: string): number | undefined {
  if (
    text.length !== 24 ||
    text.charCodeAt(23) !== 0x5a || // Z
    text.charCodeAt(10) !== 0x54 || // T
    text.charCodeAt(4) !== 0x2d ||
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(13) !== 0x3a ||
    text.charCodeAt(16) !== 0x3a ||
    text.charCodeAt(19) !== 0x2e
  )
    return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const ms = digits(text, 20, 23);
  if ((year | month | day | hour | minute | second | ms) < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * Parses an ISO-8601 date or date-time. Without a zone designator it is a wall clock in `zone`.
 * Returns undefined for anything else.
 */
export function parseIsoInZone(text: string, zone: string): number | undefined {
  const stamp = utcStamp(text);
  if (stamp !== undefined) return stamp;
  const m = ISO_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, z] = m;
  const w: WallClock = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
    millisecond: frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0,
  };
  if (
    w.month < 1 ||
    w.month > 12 ||
    w.day < 1 ||
    w.day > 31 ||
    w.hour > 23 ||
    w.minute > 59 ||
    w.second > 60
  )
    return undefined;
  if (!z) return instantOf(w, zone);
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  if (z.toUpperCase() === 'Z') return naive;
  const sign = z.startsWith('-') ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
  return naive - sign * offset;
}

/** Local periods (days, weeks from `weekStart`, or months) covering [first, last], in order. */
export function periods(
  first: number,
  last: number,
  unit: 'day' | 'week' | 'month',
  zone: string,
  weekStart: number,
): { key: string; start: number; end: number }[] {
  // Calendar arithmetic on plain dates. The zone's offset changes rarely (DST), so find those
  // changes once by sampling weekly and bisecting, instead of asking Intl for every boundary.
  const offsetAt = offsetFunction(first - 8 * 86_400_000, last + 40 * 86_400_000, zone);
  const midnight = (y: number, m: number, d: number): number => {
    const naive = Date.UTC(y, m - 1, d);
    const t = naive - offsetAt(naive - offsetAt(naive));
    return naive - offsetAt(t) === t ? t : localMidnight(y, m, d, zone);
  };
  const w = wallClock(first, zone);
  let day = new Date(Date.UTC(w.year, w.month - 1, w.day));
  if (unit === 'week')
    day = new Date(Date.UTC(w.year, w.month - 1, w.day - ((w.weekday - weekStart + 7) % 7)));
  if (unit === 'month') day = new Date(Date.UTC(w.year, w.month - 1, 1));
  const out: { key: string; start: number; end: number }[] = [];
  let start = midnight(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
  while (start <= last) {
    const next = new Date(day);
    if (unit === 'day') next.setUTCDate(next.getUTCDate() + 1);
    else if (unit === 'week') next.setUTCDate(next.getUTCDate() + 7);
    else next.setUTCMonth(next.getUTCMonth() + 1);
    const end = midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
    const iso = day.toISOString();
    out.push({ key: unit === 'month' ? iso.slice(0, 7) : iso.slice(0, 10), start, end });
    day = next;
    start = end;
  }
  return out;
}

/** The zone's UTC offset as a function of the instant, valid on [from, to]. */
function offsetFunction(from: number, to: number, zone: string): (ms: number) => number {
  const WEEK = 7 * 86_400_000;
  const changes: { at: number; offset: number }[] = [
    { at: -Infinity, offset: zoneOffset(from, zone) },
  ];
  let prevT = from;
  let prevOffset = changes[0]!.offset;
  for (let t = from + WEEK; ; t += WEEK) {
    const at = Math.min(t, to);
    const offset = zoneOffset(at, zone);
    if (offset !== prevOffset) {
      // Bisect to the minute where the offset changed.
      let lo = prevT;
      let hi = at;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (zoneOffset(mid, zone) === prevOffset) lo = mid;
        else hi = mid;
      }
      changes.push({ at: hi, offset });
      prevOffset = offset;
    }
    prevT = at;
    if (at >= to) break;
  }
  return (ms) => {
    let offset = changes[0]!.offset;
    for (const c of changes) if (ms >= c.at) offset = c.offset;
    return offset;
  };
}
