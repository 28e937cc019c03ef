import {
  withUsageOf,
  type RunDecision,
  type RunEvent,
  type RunHeader,
  type TokenEvent,
} from '../core/tokens.js';
import type { EventPlace, TokenLedger } from '../ledger/ports.js';
import { reconcileRun } from './runs.js';
import { tieRuns, type LoggedRun, type RolloutCount, type RolloutStart } from './tie.js';

/**
 * Recording parsed events in the token ledger: the decisions (which line of a response counts,
 * how a run's events are counted) are the pure functions here and in runs.ts; the ledger only
 * inserts, looks up and updates.
 */

export type EventWrite = 'inserted' | 'grew' | 'duplicate';

/**
 * Transcript lines that share a fingerprint (one response, written again as it streams) keep the
 * largest usage. Given what is recorded (or the first line) and the further lines in file order:
 * the line to record instead, if one is larger (its model defaults to the recorded one), and how
 * many lines add nothing.
 */
export function largestLine(
  current: { total: number; model?: string },
  lines: readonly TokenEvent[],
): { grown: TokenEvent | undefined; duplicates: number } {
  let best = current;
  let grown: TokenEvent | undefined;
  let duplicates = 0;
  for (const line of lines) {
    if (line.total <= best.total) {
      duplicates++;
      continue;
    }
    // The line, with the model of what it grows when it names none.
    grown =
      line.model !== undefined || best.model === undefined
        ? line
        : withUsageOf(line, line, best.model);
    best = grown;
  }
  return { grown, duplicates };
}

/** One event to write, the further lines sharing its fingerprint, and where it is recorded. */
export interface EventToWrite {
  event: TokenEvent;
  /** Further lines of the same file with the same fingerprint (keepLargest), in file order. */
  later?: readonly TokenEvent[];
  where: EventPlace;
}

export interface WriteOutcome {
  write: EventWrite;
  tokens: number;
  duplicates: number;
}

/**
 * Writes an event unless its fingerprint is recorded. `later` are further lines of the same file
 * with the same fingerprint (keepLargest events), in file order: the outcome is that of writing
 * each in turn. A new response is inserted with its largest line's usage already (one insert);
 * a recorded one is updated once at most. Returns the tokens it added.
 */
export function writeEvent(
  ledger: Pick<TokenLedger, 'insertEvents' | 'recordedEvents' | 'replaceAmounts'>,
  e: TokenEvent,
  where: EventPlace,
  later: readonly TokenEvent[] = [],
): WriteOutcome {
  return writeEvents(ledger, [{ event: e, later, where }])[0]!;
}

/**
 * writeEvent of each of these events (several files' events: a response may come again in a
 * later file's copy), with the same outcomes as writing them one after another, in a few statements
 * whatever their number: one read of the legacy fingerprints, one batched insert, and one read
 * of the recorded responses that were not new.
 */
export function writeEvents(
  ledger: Pick<TokenLedger, 'insertEvents' | 'recordedEvents' | 'replaceAmounts'>,
  items: readonly EventToWrite[],
): WriteOutcome[] {
  const out: WriteOutcome[] = new Array<WriteOutcome>(items.length);
  // Recorded by an older radar under the fingerprint it gave such markers: a compressed rotation
  // of a log it read is read whole again, and its markers are not new.
  const legacy = items.flatMap((i) =>
    i.event.legacyFingerprint === undefined ? [] : [i.event.legacyFingerprint],
  );
  const legacyRecorded = legacy.length > 0 ? ledger.recordedEvents(legacy) : new Map();
  const toInsert: { index: number; event: TokenEvent; where: EventPlace; own?: Largest }[] = [];
  items.forEach(({ event: e, later = [], where }, index) => {
    if (e.legacyFingerprint !== undefined && legacyRecorded.has(e.legacyFingerprint)) {
      out[index] = { write: 'duplicate', tokens: 0, duplicates: 1 + later.length };
      return;
    }
    const own = e.keepLargest && later.length > 0 ? largestLine(e, later) : undefined;
    toInsert.push({ index, event: own?.grown ? withUsageOf(e, own.grown) : e, where, own });
  });
  const inserted = ledger.insertEvents(toInsert.map(({ event, where }) => ({ event, where })));
  const grow: number[] = [];
  toInsert.forEach(({ index, event, own }, n) => {
    const e = items[index]!.event;
    if (!e.keepLargest)
      out[index] = inserted[n]
        ? { write: 'inserted', tokens: e.total, duplicates: 0 }
        : { write: 'duplicate', tokens: 0, duplicates: 1 };
    else if (inserted[n])
      out[index] = { write: 'inserted', tokens: event.total, duplicates: own?.duplicates ?? 0 };
    else grow.push(index);
  });
  if (grow.length === 0) return out;
  const recorded = ledger.recordedEvents(grow.map((i) => items[i]!.event.fingerprint));
  for (const index of grow) {
    const { event: e, later = [] } = items[index]!;
    const current = recorded.get(e.fingerprint);
    if (!current) {
      out[index] = { write: 'duplicate', tokens: 0, duplicates: 1 + later.length };
      continue;
    }
    const { grown, duplicates } = largestLine(current, [e, ...later]);
    if (!grown) {
      out[index] = { write: 'duplicate', tokens: 0, duplicates };
      continue;
    }
    ledger.replaceAmounts(e.fingerprint, grown);
    // The same response again further on (another file's copy) grows from this line.
    recorded.set(e.fingerprint, { total: grown.total, model: grown.model });
    out[index] = { write: 'grew', tokens: grown.total - current.total, duplicates };
  }
  return out;
}

type Largest = ReturnType<typeof largestLine>;

/** The change in counted tokens when these decisions are applied to these events. */
export function countedChange(events: readonly RunEvent[], decisions: readonly RunDecision[]) {
  const byId = new Map(events.map((e) => [e.id, e]));
  let change = 0;
  for (const d of decisions) {
    const before = byId.get(d.id);
    if (!before) continue;
    const total = d.amounts?.total ?? before.total;
    change += (d.counted ? total : 0) - (before.counted ? before.total : 0);
  }
  return change;
}

/**
 * Counts each of these runs once (runs.ts reconcileRun), inside the caller's transaction, after
 * the runs' events are written: returns the change in counted tokens.
 */
export function reconcileRuns(
  ledger: Pick<TokenLedger, 'settledRuns' | 'runEvents' | 'applyRunDecision'>,
  keys: Iterable<string>,
): number {
  let change = 0;
  const runs = [...keys];
  // Session events counted under their own file's bucket: nothing to decide.
  const settled = runs.length > 0 ? ledger.settledRuns(runs) : new Set<string>();
  for (const key of runs) {
    if (settled.has(key)) continue;
    const events = ledger.runEvents(key);
    const decisions = reconcileRun(events);
    for (const d of decisions) ledger.applyRunDecision(d);
    change += countedChange(events, decisions);
  }
  return change;
}

/**
 * Ties the logged Codex runs that name no session (0.36) to their rollouts where exactly one fits
 * (tie.ts), inside the caller's transaction: returns the run keys to reconcile and the logged
 * runs that fit several rollouts (left counted on their own).
 */
export function tieLoggedRuns(
  ledger: Pick<TokenLedger, 'untiedLogRuns' | 'rolloutStarts' | 'tieLogRun'>,
): { runKeys: string[]; ambiguous: RunHeader[] } {
  const logged = ledger.untiedLogRuns();
  if (logged.length === 0) return { runKeys: [], ambiguous: [] };
  const runs: LoggedRun[] = logged.map((key) => ({ key, ...(JSON.parse(key) as RunHeader) }));
  // Every event of a rollout that carries a header has the same start: one start per rollout.
  const starts = new Map<string, RolloutStart>();
  const counts: RolloutCount[] = [];
  for (const { runKey, header } of ledger.rolloutStarts()) {
    const h = JSON.parse(header) as RunHeader;
    const { version, cwd, model } = h;
    if (!starts.has(runKey))
      starts.set(runKey, { session: runKey, version, cwd, model, startedAt: h.at });
    if (h.usage)
      counts.push({ session: runKey, version, cwd, model, usage: h.usage, at: h.markedAt });
  }
  const { tied, ambiguous } = tieRuns(runs, [...starts.values()], counts);
  for (const [header, runKey] of tied)
    ledger.tieLogRun(header, runKey, runKey.slice(runKey.indexOf(':') + 1));
  return {
    runKeys: [...new Set(tied.values())],
    ambiguous: ambiguous.map((key) => JSON.parse(key) as RunHeader),
  };
}
