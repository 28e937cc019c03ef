/**
 * Reservation arithmetic (pure). Before a session starts, radar reserves its expected cost
 * against what is left of its agent's weekly token quota; the claim that starts the session
 * checks the reservation in the same ledger transaction, so sessions of every radar process see
 * each other's reservations. When the session ends its measured tokens replace the reservation;
 * a session that reported no usage keeps its reservation, as an estimate.
 */

/** Past sessions of the same agent and signal kind: how many are enough to trust a quantile. */
export const MIN_HISTORY = 3;

/**
 * The expected cost of a session: the `quantile` (0–1, nearest rank) of past sessions' measured
 * tokens, or `fallback` while there are fewer than MIN_HISTORY of them.
 */
export function expectedCost(history: readonly number[], fallback: number, quantile = 0.9): number {
  const known = history.filter((t) => Number.isFinite(t) && t >= 0).sort((a, b) => a - b);
  if (known.length < MIN_HISTORY) return fallback;
  const rank = Math.ceil(Math.min(1, Math.max(0, quantile)) * known.length);
  return known[Math.max(0, rank - 1)]!;
}

export interface Room {
  /** The weekly quota in tokens. */
  weeklyTokens: number;
  /** Share of the quota kept back, in percent (budget.reserve). */
  reservePercent: number;
  /** Tokens spent this week as known (a reading of the quota, or the ledger's count). */
  spent: number;
  /** Tokens reserved by sessions still running, and estimates of ended ones with no usage. */
  reserved: number;
}

/** Tokens left to reserve: the quota less the share kept back, what was spent and reserved. */
export function tokensLeft(room: Room): number {
  const usable = room.weeklyTokens * (1 - Math.min(100, Math.max(0, room.reservePercent)) / 100);
  return Math.max(0, Math.floor(usable - room.spent - room.reserved));
}

/** Whether a reservation of `tokens` fits in what is left. */
export function fits(room: Room, tokens: number): boolean {
  return tokens <= tokensLeft(room);
}

/**
 * What an ended session counts for: its measured tokens, or (when it reported none) its
 * reservation, flagged as an estimate.
 */
export function settle(
  reserved: number | null,
  measured: number | null,
): { tokens: number | null; estimated: boolean } {
  if (measured !== null) return { tokens: measured, estimated: false };
  if (reserved !== null) return { tokens: reserved, estimated: true };
  return { tokens: null, estimated: false };
}
