import type { PaceVerdict } from '../core/budget.js';

/** Pure weekly-quota pacing: how much of the quota is used against how much of the week is gone. */

export interface Checkpoint {
  /** Days after the week start from which the checkpoint applies (wednesday on a Monday week = 2). */
  afterDays: number;
  dayName: string;
  below?: number;
  above?: number;
}

export interface PaceInput {
  usedPercent: number;
  now: number;
  /** The quota window: [start, end) — end is the reset. */
  windowStart: number;
  windowEnd: number;
  band: { min: number; max: number };
  checkpoints: readonly Checkpoint[];
  /** Whole local days since the week start (for checkpoints). */
  daysIntoWeek: number;
}

export interface Pace {
  usedPercent: number;
  expectedPercent: number;
  verdict: Exclude<PaceVerdict, 'unknown'>;
  advice?: string;
}

export function pace(input: PaceInput): Pace {
  const span = Math.max(1, input.windowEnd - input.windowStart);
  const elapsed = Math.min(1, Math.max(0, (input.now - input.windowStart) / span));
  const expected = elapsed * 100;
  const used = input.usedPercent;
  const result = (verdict: Pace['verdict'], advice?: string): Pace => ({
    usedPercent: used,
    expectedPercent: expected,
    verdict,
    advice,
  });
  if (used >= 100) return result('exhausted', 'quota used up: wait for the reset');
  // The user's own rules of thumb win over the straight-line pace once their day has come.
  for (const cp of input.checkpoints) {
    if (input.daysIntoWeek < cp.afterDays) continue;
    if (cp.above !== undefined && used > cp.above)
      return result('over', `over ${cp.above}% by ${cp.dayName}: slow down`);
  }
  for (const cp of input.checkpoints) {
    if (input.daysIntoWeek < cp.afterDays) continue;
    if (cp.below !== undefined && used < cp.below)
      return result('under', `under ${cp.below}% by ${cp.dayName}: burn harder`);
  }
  // At this rate the week ends at used / elapsed; compare with the target band.
  if (used > (expected * input.band.max) / 100 + 0.5)
    return result('over', 'ahead of pace: slow down');
  if (used < (expected * input.band.min) / 100 - 0.5)
    return result('under', 'behind pace: room to spend');
  return result('on-pace');
}
