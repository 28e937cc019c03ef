import {
  isSessionFormat,
  type RunDecision,
  type RunEvent,
  type ThreadTotal,
} from '../core/tokens.js';

/**
 * One agent run is often visible in two sources: the log of the command that launched it (a cron
 * log of `codex exec`, a `claude -p` result) and the agent's own session file (a Codex rollout, a
 * Claude transcript). Pure: given every event of one run key, decide which events count, with
 * which bucket and which amounts, so the run is counted once whatever order the files came in.
 *
 * - The session file wins when there is one: it has the richest split (input, cached, output,
 *   reasoning, per model response). Its events take the bucket of the log that launched the run
 *   (that says why the tokens were spent); the launcher's markers stay in the ledger, uncounted.
 * - Otherwise the launcher's markers count. Markers that print the thread's total so far
 *   (`codex exec` after `resume`) count their increase over the thread's previous total.
 */

/** Decisions for the events whose state must change (unchanged events are left out). */
export function reconcileRun(events: readonly RunEvent[]): RunDecision[] {
  const sessions = events.filter((e) => isSessionFormat(e.format));
  const launchers = events
    .filter((e) => !isSessionFormat(e.format))
    .sort((a, b) => a.at - b.at || a.id - b.id);
  const decisions: RunDecision[] = [];
  const decide = (
    e: RunEvent,
    counted: boolean,
    bucket: string,
    amounts?: RunDecision['amounts'],
  ) => {
    const changed =
      e.counted !== counted ||
      e.bucket !== bucket ||
      (amounts !== undefined &&
        (amounts.total !== e.total ||
          amounts.input !== e.input ||
          amounts.cachedInput !== e.cachedInput ||
          amounts.output !== e.output ||
          amounts.reasoning !== e.reasoning));
    if (changed) decisions.push({ id: e.id, counted, bucket, amounts });
  };
  if (sessions.length > 0) {
    for (const e of sessions) decide(e, true, launcherBucket(launchers, e.at) ?? e.ownBucket);
    for (const e of launchers) decide(e, false, e.ownBucket);
    return decisions;
  }
  const increases = threadIncreases(launchers);
  for (const e of launchers) decide(e, true, e.ownBucket, increases.get(e.id));
  return decisions;
}

/**
 * The launcher whose run a session event belongs to: the latest launched at or before it (a
 * launcher's marker is stamped at its run's start or end), else the first.
 */
function launcherBucket(launchers: readonly RunEvent[], at: number): string | undefined {
  let chosen = launchers[0];
  for (const l of launchers) if (l.at <= at) chosen = l;
  return chosen?.ownBucket;
}

/**
 * Each thread-total marker's increase over the thread's previous total. A thread's total only
 * grows, so ordering by it is chronological whatever the timestamps say. Blended totals (text)
 * and split totals (JSON) are different measures and are ordered separately.
 */
function threadIncreases(launchers: readonly RunEvent[]): Map<number, RunDecision['amounts']> {
  const out = new Map<number, RunDecision['amounts']>();
  for (const blended of [true, false]) {
    const series = launchers
      .filter((e) => e.threadTotal && Boolean(e.threadTotal.blendedOnly) === blended)
      .sort((a, b) => a.threadTotal!.total - b.threadTotal!.total || a.id - b.id);
    let previous: ThreadTotal | undefined;
    for (const e of series) {
      const now = e.threadTotal!;
      const diff = (f: keyof Omit<ThreadTotal, 'blendedOnly'>) =>
        Math.max(0, now[f] - (previous?.[f] ?? 0));
      out.set(
        e.id,
        blended
          ? { input: null, cachedInput: null, output: null, reasoning: null, total: diff('total') }
          : {
              input: diff('input'),
              cachedInput: diff('cached'),
              output: diff('output'),
              reasoning: diff('reasoning'),
              total: diff('total'),
            },
      );
      previous = now;
    }
  }
  return out;
}
