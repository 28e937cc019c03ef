/**
 * Burn-rate arithmetic (pure): how fast a provider's weekly quota is being spent (tokens per
 * hour over the last day), what that rate makes of the week by its reset, and when the quota
 * runs out at that rate.
 */

const HOUR = 3_600_000;
/** The burn rate is read over the last day. */
export const BURN_WINDOW_MS = 24 * HOUR;

export interface BurnInput {
  now: number;
  /** Tokens counted in the last day (BURN_WINDOW_MS up to now). */
  lastDayTokens: number;
  /** The week's used percent (null: not known). */
  usedPercent: number | null;
  /** The weekly quota in tokens (undefined: known only as a percentage). */
  weeklyTokens?: number;
  /** The quota's reset (null: not known). */
  resetsAt: number | null;
}

export interface Burn {
  tokensPerHour: number;
  /** Used percent at the reset if the last day's rate holds (null: needs weeklyTokens and a reset). */
  projectedPercent: number | null;
  /**
   * When the quota runs out at that rate: an ISO time before the reset, `now` when it is out
   * already; null when it lasts to the reset or cannot be told.
   */
  runsOutAt: string | null;
  /** Whether the quota lasts to the reset at this rate (null: cannot be told). */
  lastsToReset: boolean | null;
}

export function burn(input: BurnInput): Burn {
  const tokensPerHour = Math.max(0, input.lastDayTokens) / (BURN_WINDOW_MS / HOUR);
  const { weeklyTokens, usedPercent, resetsAt, now } = input;
  if (!weeklyTokens || usedPercent === null || resetsAt === null)
    return { tokensPerHour, projectedPercent: null, runsOutAt: null, lastsToReset: null };
  const used = (usedPercent / 100) * weeklyTokens;
  const hoursLeft = Math.max(0, resetsAt - now) / HOUR;
  const projectedPercent = ((used + tokensPerHour * hoursLeft) / weeklyTokens) * 100;
  const left = weeklyTokens - used;
  if (left <= 0)
    return { tokensPerHour, projectedPercent, runsOutAt: iso(now), lastsToReset: false };
  if (tokensPerHour === 0)
    return { tokensPerHour, projectedPercent, runsOutAt: null, lastsToReset: true };
  const out = now + (left / tokensPerHour) * HOUR;
  return out < resetsAt
    ? { tokensPerHour, projectedPercent, runsOutAt: iso(out), lastsToReset: false }
    : { tokensPerHour, projectedPercent, runsOutAt: null, lastsToReset: true };
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();
