/**
 * What a flat-rate subscription is worth this billing month (pure): its billing month from the
 * renewal day, and the API-equivalent cost of the tokens its account used in it against the
 * monthly price ("$412 of API use for $200").
 */
import { localMidnight, wallClock } from '../time/zone.js';

/** The day of the month a subscription renews on: a day (1-31), a date's day, or the 1st. */
export function renewalDay(renewsOn: number | string | undefined): number {
  if (typeof renewsOn === 'number') return renewsOn;
  if (typeof renewsOn === 'string') return Number(renewsOn.slice(8, 10));
  return 1;
}

/** Days in a month (1-12). */
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * The billing month holding `now`: from the last renewal (local midnight in `zone` of the renewal
 * day, the month's last day when it is shorter) to the next.
 */
export function billingPeriod(
  now: number,
  day: number,
  zone: string,
): { start: number; end: number } {
  const renewal = (year: number, month: number) => {
    const d = new Date(Date.UTC(year, month - 1, 1));
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    return localMidnight(y, m, Math.min(day, daysIn(y, m)), zone);
  };
  const w = wallClock(now, zone);
  const thisMonth = renewal(w.year, w.month);
  return thisMonth <= now
    ? { start: thisMonth, end: renewal(w.year, w.month + 1) }
    : { start: renewal(w.year, w.month - 1), end: thisMonth };
}

export interface SubscriptionValue {
  /** The monthly price (USD). */
  priceUsd: number;
  /** API-equivalent cost of the account's tokens this billing month (priced part). */
  usedUsd: number;
  /** Tokens of models without a known price, or without a split: not in usedUsd. */
  unpricedTokens: number;
  /** usedUsd per dollar of the price (null: a free plan). */
  ratio: number | null;
  /** usedUsd at the month's rate so far, by the renewal (null: the month has just begun). */
  projectedUsd: number | null;
  since: string;
  renewsAt: string;
}

export function subscriptionValue(input: {
  priceUsd: number;
  usedUsd: number;
  unpricedTokens: number;
  start: number;
  end: number;
  now: number;
}): SubscriptionValue {
  const { priceUsd, usedUsd, start, end, now } = input;
  const elapsed = (now - start) / Math.max(1, end - start);
  return {
    priceUsd,
    usedUsd: cents(usedUsd),
    unpricedTokens: input.unpricedTokens,
    ratio: priceUsd > 0 ? Math.round((usedUsd / priceUsd) * 100) / 100 : null,
    // Less than an hour in, a projection says nothing.
    projectedUsd: now - start >= 3_600_000 && elapsed > 0 ? cents(usedUsd / elapsed) : null,
    since: new Date(start).toISOString(),
    renewsAt: new Date(end).toISOString(),
  };
}

const cents = (usd: number) => Math.round(usd * 100) / 100;

const dollars = (usd: number) =>
  `$${usd >= 100 ? Math.round(usd).toLocaleString('en-US') : usd.toFixed(2)}`;

/** "$412 of API use for $200 this billing month (2.06×, ~$950 by the renewal)". */
export function describeValue(v: SubscriptionValue): string {
  const parts = [
    v.ratio !== null ? `${v.ratio.toFixed(2)}×` : '',
    v.projectedUsd !== null ? `~${dollars(v.projectedUsd)} at this rate by the renewal` : '',
    v.unpricedTokens > 0 ? `${v.unpricedTokens.toLocaleString('en-US')} tokens not priced` : '',
  ].filter(Boolean);
  return (
    `${dollars(v.usedUsd)} of API use for ${dollars(v.priceUsd)} this billing month` +
    (parts.length ? ` (${parts.join(', ')})` : '')
  );
}
