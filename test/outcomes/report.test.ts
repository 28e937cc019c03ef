import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { OutcomeStore } from '../../src/ledger/outcome-store.js';
import type { Outcome, OutcomeRow } from '../../src/core/outcome.js';
import type { EscalationOutcome } from '../../src/core/verdict.js';
import { outcomeReport } from '../../src/rules/outcome-report.js';
import { renderOutcomes } from '../../src/commands/report-outcomes.js';
import { tempLedger, type TempLedger } from '../dispatch/helpers.js';

/** The outcome report's figures against counts made by hand on a ledger built here. */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-06-15T12:00:00Z');
let t: TempLedger;

interface Made {
  pr: string;
  kinds: string[];
  agent: 'codex' | 'claude';
  tokens: number;
  at: number;
  session?: Exclude<EscalationOutcome, 'running'>;
  /** Absent: no scan judged it yet. */
  outcome?: Outcome;
  settledAfter?: number;
}

function make(list: readonly Made[]): number[] {
  const dispatch = new DispatchStore(t.db);
  const outcomes = new OutcomeStore(t.db);
  return list.map((m, i) => {
    const c = dispatch.claim({
      nodeId: `PR_${m.pr}`,
      repo: `acme/${m.pr.toLowerCase()}`,
      number: 1,
      headSha: null,
      fingerprints: new Map(m.kinds.map((k) => [`${k}:${i}`, k])),
      agent: m.agent,
      argv: [],
      now: m.at,
      concurrency: 10,
      radarPid: process.pid,
      reason: null,
      live: () => true,
    });
    if (c.kind !== 'claimed') throw new Error(`escalation ${i}: ${c.kind}`);
    dispatch.finish(c.escalationId, {
      endedAt: m.at + 60_000,
      exitCode: 0,
      outcome: m.session ?? 'succeeded',
      sessionId: null,
      tokens: m.tokens,
      runLog: null,
      reason: null,
    });
    if (m.outcome)
      outcomes.recordOutcomes(m.at + (m.settledAfter ?? HOUR), [
        { escalationId: c.escalationId, outcome: m.outcome, reason: 'by hand' },
      ]);
    return c.escalationId;
  });
}

const LEDGER: Made[] = [
  // PR A: CI fixed on the second try.
  {
    pr: 'A',
    kinds: ['ci_failing'],
    agent: 'codex',
    tokens: 100_000,
    at: T0,
    outcome: 'unresolved',
    settledAfter: 2 * HOUR,
  },
  {
    pr: 'A',
    kinds: ['ci_failing'],
    agent: 'codex',
    tokens: 50_000,
    at: T0 + 3 * HOUR,
    outcome: 'resolved',
    settledAfter: 2 * HOUR,
  },
  // PR B: a question answered.
  {
    pr: 'B',
    kinds: ['maintainer_comment'],
    agent: 'claude',
    tokens: 20_000,
    at: T0,
    outcome: 'resolved',
    settledAfter: HOUR,
  },
  // PR C: two signals fixed by one push.
  {
    pr: 'C',
    kinds: ['conflict', 'ci_failing'],
    agent: 'codex',
    tokens: 30_000,
    at: T0,
    outcome: 'resolved',
    settledAfter: 4 * HOUR,
  },
  // PR D: the push was rejected; then a dry run (no session, left out).
  {
    pr: 'D',
    kinds: ['changes_requested'],
    agent: 'codex',
    tokens: 10_000,
    at: T0,
    outcome: 'not_applied',
  },
  {
    pr: 'D',
    kinds: ['stale_body'],
    agent: 'codex',
    tokens: 0,
    at: T0 + HOUR,
    session: 'dry_run',
    outcome: 'not_applied',
  },
  // PR E: not judged yet. PR F: merged before its push was judged.
  { pr: 'E', kinds: ['ci_failing'], agent: 'codex', tokens: 5_000, at: T0 },
  { pr: 'F', kinds: ['conflict'], agent: 'codex', tokens: 8_000, at: T0, outcome: 'merged' },
];

beforeEach(() => {
  t = tempLedger();
});
afterEach(() => t.cleanup());

describe('radar report outcomes: figures', () => {
  it('match hand counts', () => {
    const ids = make(LEDGER);
    const rows = new OutcomeStore(t.db).outcomeRows(0);
    const r = outcomeReport(rows);
    expect(r).toMatchObject({
      sessions: 7,
      byOutcome: {
        resolved: 3,
        unresolved: 1,
        not_applied: 1,
        merged: 1,
        pending: 1,
        closed: 0,
        superseded: 0,
      },
      judged: 5,
      resolutionRate: 3 / 5,
      tokens: 223_000,
      // e2 one signal, e3 one, e4 two: every token over four resolved signals.
      resolvedSignals: 4,
      tokensPerResolvedSignal: 55_750,
      // First attempts judged: A's first (unresolved), B, C, D; resolved: B and C.
      firstTries: 4,
      firstTryResolved: 2,
      firstTryRate: 0.5,
      // 2 h (A's second), 1 h (B), 4 h (C).
      medianToResolutionMs: 2 * HOUR,
      // Settled without resolving: A's first, D's, F's.
      tokensResolvingNothing: 118_000,
    });
    expect(r.escalations.map((e) => [e.id, e.signal, e.outcome, e.tokens])).toEqual([
      [ids[0], 'ci_failing', 'unresolved', 100_000],
      [ids[2], 'maintainer_comment', 'resolved', 20_000],
      [ids[3], 'conflict', 'resolved', 30_000],
      [ids[4], 'changes_requested', 'not_applied', 10_000],
      [ids[6], 'ci_failing', 'pending', 5_000],
      [ids[7], 'conflict', 'merged', 8_000],
      [ids[1], 'ci_failing', 'resolved', 50_000],
    ]);
  });

  it('groups by agent and by signal with the same figures per group', () => {
    make(LEDGER);
    const rows = new OutcomeStore(t.db).outcomeRows(0);
    expect(outcomeReport(rows, 'agent').groups).toMatchObject([
      { key: 'codex', sessions: 6, tokens: 203_000, judged: 4, resolutionRate: 0.5 },
      { key: 'claude', sessions: 1, tokens: 20_000, judged: 1, resolutionRate: 1 },
    ]);
    const bySignal = outcomeReport(rows, 'signal').groups;
    expect(bySignal.map((g) => [g.key, g.sessions, g.byOutcome.resolved, g.tokens])).toEqual([
      ['ci_failing', 3, 1, 155_000],
      ['conflict', 2, 1, 38_000],
      ['maintainer_comment', 1, 1, 20_000],
      ['changes_requested', 1, 0, 10_000],
    ]);
  });

  it('--since leaves out older sessions; the rate is "–" until one is judged', () => {
    make(LEDGER);
    const later = new OutcomeStore(t.db).outcomeRows(T0 + 2 * HOUR);
    expect(later.map((r: OutcomeRow) => r.session)).toEqual(['succeeded']);
    const none = outcomeReport(new OutcomeStore(t.db).outcomeRows(T0 + 10 * HOUR));
    expect(none.resolutionRate).toBeNull();
    const pendingOnly = outcomeReport(
      new OutcomeStore(t.db).outcomeRows(0).filter((r) => r.outcome === 'pending'),
    );
    expect(renderOutcomes(pendingOnly)).toMatch(/resolution rate +– \(none judged yet\)/);
  });

  it('renders within 80 columns', () => {
    make(LEDGER);
    const text = renderOutcomes(outcomeReport(new OutcomeStore(t.db).outcomeRows(0)));
    expect(text).toMatch(/resolution rate +60% \(3 of 5 judged\)/);
    expect(text).toMatch(/per resolved signal +55,750/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});
