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
 *   reasoning, per model response). Each of its events takes the bucket of the log that launched
 *   the run it belongs to (that says why the tokens were spent): a resumed run writes into the
 *   first run's session file, and may have been launched from another log. The launcher's
 *   markers stay in the ledger, uncounted.
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
    const buckets = sessionBuckets(sessions, launchers);
    for (const e of sessions) decide(e, true, buckets.get(e.id) ?? e.ownBucket);
    for (const e of launchers) decide(e, false, e.ownBucket);
    return decisions;
  }
  const increases = threadIncreases(launchers);
  for (const e of launchers) decide(e, true, e.ownBucket, increases.get(e.id));
  return decisions;
}

/**
 * Which launcher's run each session event belongs to. Launchers print how far the thread had
 * got when their run ended: its total (a thread total), or their run's own usage. Session events
 * in time order reach those points one after the other, so each launcher ends at a place in the
 * sequence of events: a thread total where the events' running sum (in the launcher's measure:
 * Codex's blended `tokens used`, or the total) reaches it; a run's own usage, the launchers taken
 * in time order, where the events after the previous run add up to it. An event belongs to the
 * first run that ends after it (past the last, to the last). This holds whatever the launchers'
 * times say (a log's mtime, a wrapper's date before the run, a line stamp after it).
 */
export function sessionBuckets(
  sessions: readonly RunEvent[],
  launchers: readonly RunEvent[],
): Map<number, string> {
  const out = new Map<number, string>();
  if (launchers.length === 0) return out;
  const ordered = [...sessions].sort((a, b) => a.at - b.at || a.id - b.id);
  const ends = runEnds(ordered, launchers);
  let run = 0;
  ordered.forEach((e, i) => {
    while (run < ends.length - 1 && ends[run]!.end <= i) run++;
    out.set(e.id, ends[run]!.launcher.ownBucket);
  });
  return out;
}

/** Codex's blended measure of an event (input − cached + output) for text launchers. */
function measureOf(launcher: RunEvent, e: RunEvent): number {
  if (launcher.format !== 'codex-text' || e.input === null || e.output === null) return e.total;
  return e.input - (e.cachedInput ?? 0) + e.output;
}

/** Where each launcher's run ends in the session events (how many of them it covers), in order. */
function runEnds(
  events: readonly RunEvent[],
  launchers: readonly RunEvent[],
): { launcher: RunEvent; end: number }[] {
  if (launchers.every((l) => l.threadTotal)) {
    return launchers
      .map((launcher) => {
        let reached = 0;
        let end = 0;
        while (end < events.length && reached < launcher.threadTotal!.total)
          reached += measureOf(launcher, events[end++]!);
        return { launcher, end };
      })
      .sort(
        (a, b) => a.end - b.end || a.launcher.threadTotal!.total - b.launcher.threadTotal!.total,
      );
  }
  let end = 0;
  return [...launchers]
    .sort((a, b) => a.at - b.at || a.id - b.id)
    .map((launcher) => {
      let used = 0;
      while (end < events.length && used < launcher.total)
        used += measureOf(launcher, events[end++]!);
      return { launcher, end };
    });
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
