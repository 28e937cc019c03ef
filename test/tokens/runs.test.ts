import { describe, expect, it } from 'vitest';
import { reconcileRun } from '../../src/tokens/runs.js';
import type { MarkerFormat, RunDecision, RunEvent, ThreadTotal } from '../../src/core/tokens.js';

/**
 * reconcileRun over the events of one run key. Each row gives the events as the ledger holds
 * them, the decisions expected (only changes), and the run's total once they are applied. Every
 * row is checked in every input order, and applying its decisions must leave nothing to change.
 */

interface EventSpec {
  id: number;
  format: MarkerFormat;
  at: number;
  bucket: string;
  ownBucket?: string;
  counted?: boolean;
  threadTotal?: ThreadTotal;
  input?: number | null;
  cachedInput?: number | null;
  output?: number | null;
  reasoning?: number | null;
  total: number;
}

/** An event as stored; by default counted, under the bucket its own file gives it. */
const ev = (e: EventSpec): RunEvent => ({
  input: null,
  cachedInput: null,
  output: null,
  reasoning: null,
  ...e,
  ownBucket: e.ownBucket ?? e.bucket,
  counted: e.counted ?? true,
});

/** A Codex `tokens used` thread total (blended only), as the text parser records it. */
const blended = (total: number): ThreadTotal => ({
  input: 0,
  cached: 0,
  output: 0,
  reasoning: 0,
  total,
  blendedOnly: true,
});

/** A `codex exec --json` thread total (split), as the JSON parser records it. */
const split = (input: number, cached: number, output: number, reasoning: number): ThreadTotal => ({
  input,
  cached,
  output,
  reasoning,
  total: input + output,
});

/** A `codex exec --json` marker stored with the thread total it printed as its amounts. */
const execJson = (id: number, at: number, t: ThreadTotal): RunEvent =>
  ev({
    id,
    format: 'codex-exec-json',
    at,
    bucket: 'cron:nightly',
    threadTotal: t,
    input: t.input,
    cachedInput: t.cached,
    output: t.output,
    reasoning: t.reasoning,
    total: t.total,
  });

const blendedAmounts = (total: number): RunDecision['amounts'] => ({
  input: null,
  cachedInput: null,
  output: null,
  reasoning: null,
  total,
});

/** The events as the ledger holds them once the decisions are written. */
function apply(events: readonly RunEvent[], decisions: readonly RunDecision[]): RunEvent[] {
  const byId = new Map(decisions.map((d) => [d.id, d]));
  return events.map((e) => {
    const d = byId.get(e.id);
    return d ? { ...e, counted: d.counted, bucket: d.bucket, ...(d.amounts ?? {}) } : e;
  });
}

const countedTotal = (events: readonly RunEvent[]) =>
  events.filter((e) => e.counted).reduce((sum, e) => sum + e.total, 0);

const byId = (decisions: readonly RunDecision[]) => [...decisions].sort((a, b) => a.id - b.id);

/** Every order of `items` (the rows have at most six events). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

interface Row {
  name: string;
  events: RunEvent[];
  /** The decisions, sorted by id. */
  expected: RunDecision[];
  /** Sum of counted totals once the decisions are applied. */
  runTotal: number;
}

const rows: Row[] = [
  // Launchers only.
  {
    name: 'a counted codex-text launcher alone needs no change',
    events: [ev({ id: 1, format: 'codex-text', at: 100, bucket: 'cron:nightly', total: 1200 })],
    expected: [],
    runTotal: 1200,
  },
  {
    name: 'a counted claude-result launcher alone needs no change',
    events: [ev({ id: 1, format: 'claude-result', at: 100, bucket: 'ci:review', total: 900 })],
    expected: [],
    runTotal: 900,
  },
  {
    name: 'counted launchers of both kinds, each in its own bucket, need no change',
    events: [
      ev({ id: 1, format: 'codex-text', at: 100, bucket: 'cron:nightly', total: 1200 }),
      ev({ id: 2, format: 'claude-result', at: 200, bucket: 'ci:review', total: 900 }),
    ],
    expected: [],
    runTotal: 2100,
  },
  {
    name: 'a launcher stored under another bucket goes back to its own',
    events: [
      ev({
        id: 1,
        format: 'claude-result',
        at: 100,
        bucket: 'cron:old',
        ownBucket: 'ci:review',
        total: 900,
      }),
    ],
    expected: [{ id: 1, counted: true, bucket: 'ci:review' }],
    runTotal: 900,
  },
  {
    name: 'a previously uncounted launcher is counted again when there is no session event',
    events: [
      ev({
        id: 1,
        format: 'codex-text',
        at: 100,
        bucket: 'cron:nightly',
        counted: false,
        total: 1200,
      }),
    ],
    expected: [{ id: 1, counted: true, bucket: 'cron:nightly' }],
    runTotal: 1200,
  },
  {
    name: 'previously uncounted launchers of both kinds are counted again',
    events: [
      ev({ id: 1, format: 'codex-text', at: 100, bucket: 'a', counted: false, total: 1200 }),
      ev({ id: 2, format: 'claude-result', at: 200, bucket: 'b', counted: false, total: 900 }),
    ],
    expected: [
      { id: 1, counted: true, bucket: 'a' },
      { id: 2, counted: true, bucket: 'b' },
    ],
    runTotal: 2100,
  },
  // Session file and launcher.
  {
    name: 'a rollout and its cron launcher: the rollout counts under the cron bucket',
    events: [
      ev({ id: 1, format: 'codex-rollout', at: 110, bucket: 'sessions', total: 400 }),
      ev({ id: 2, format: 'codex-rollout', at: 120, bucket: 'sessions', total: 300 }),
      ev({ id: 3, format: 'codex-rollout', at: 130, bucket: 'sessions', total: 500 }),
      ev({ id: 4, format: 'codex-text', at: 100, bucket: 'cron:nightly', total: 1150 }),
    ],
    expected: [
      { id: 1, counted: true, bucket: 'cron:nightly' },
      { id: 2, counted: true, bucket: 'cron:nightly' },
      { id: 3, counted: true, bucket: 'cron:nightly' },
      { id: 4, counted: false, bucket: 'cron:nightly' },
    ],
    runTotal: 1200,
  },
  {
    name: 'a launcher stamped at the run end still gives the rollout its bucket',
    events: [
      ev({ id: 1, format: 'codex-rollout', at: 110, bucket: 'sessions', total: 400 }),
      ev({ id: 2, format: 'codex-rollout', at: 120, bucket: 'sessions', total: 300 }),
      ev({ id: 3, format: 'codex-text', at: 200, bucket: 'cron:nightly', total: 700 }),
    ],
    expected: [
      { id: 1, counted: true, bucket: 'cron:nightly' },
      { id: 2, counted: true, bucket: 'cron:nightly' },
      { id: 3, counted: false, bucket: 'cron:nightly' },
    ],
    runTotal: 700,
  },
  {
    name: 'a transcript and its claude -p result: the transcript counts under the result bucket',
    events: [
      ev({ id: 1, format: 'claude-transcript', at: 110, bucket: 'sessions', total: 600 }),
      ev({ id: 2, format: 'claude-transcript', at: 120, bucket: 'sessions', total: 300 }),
      ev({ id: 3, format: 'claude-result', at: 130, bucket: 'ci:review', total: 900 }),
    ],
    expected: [
      { id: 1, counted: true, bucket: 'ci:review' },
      { id: 2, counted: true, bucket: 'ci:review' },
      { id: 3, counted: false, bucket: 'ci:review' },
    ],
    runTotal: 900,
  },
  {
    name: 'a rollout and launcher already reconciled need no change',
    events: [
      ev({
        id: 1,
        format: 'codex-rollout',
        at: 110,
        bucket: 'cron:nightly',
        ownBucket: 'sessions',
        total: 400,
      }),
      ev({
        id: 2,
        format: 'codex-text',
        at: 100,
        bucket: 'cron:nightly',
        counted: false,
        total: 400,
      }),
    ],
    expected: [],
    runTotal: 400,
  },
  {
    name: 'a launcher with a thread total is uncounted, its amounts untouched, when a rollout is there',
    events: [
      ev({ id: 1, format: 'codex-rollout', at: 110, bucket: 'sessions', total: 500 }),
      ev({
        id: 2,
        format: 'codex-text',
        at: 100,
        bucket: 'cron:nightly',
        threadTotal: blended(1500),
        total: 1500,
      }),
    ],
    expected: [
      { id: 1, counted: true, bucket: 'cron:nightly' },
      { id: 2, counted: false, bucket: 'cron:nightly' },
    ],
    runTotal: 500,
  },
  // Session events only.
  {
    name: 'rollout events alone count under their own bucket (no change)',
    events: [
      ev({ id: 1, format: 'codex-rollout', at: 110, bucket: 'sessions', total: 400 }),
      ev({ id: 2, format: 'codex-rollout', at: 120, bucket: 'sessions', total: 300 }),
    ],
    expected: [],
    runTotal: 700,
  },
  {
    name: 'session events left uncounted under a launcher bucket go back to their own',
    events: [
      ev({
        id: 1,
        format: 'claude-transcript',
        at: 110,
        bucket: 'cron:gone',
        ownBucket: 'sessions',
        counted: false,
        total: 400,
      }),
      ev({
        id: 2,
        format: 'claude-transcript',
        at: 120,
        bucket: 'cron:gone',
        ownBucket: 'sessions',
        total: 300,
      }),
    ],
    expected: [
      { id: 1, counted: true, bucket: 'sessions' },
      { id: 2, counted: true, bucket: 'sessions' },
    ],
    runTotal: 700,
  },
  // Two runs of one thread.
  {
    name: 'a resumed thread launched from two logs, each timed by its mtime: each run’s events take its log’s bucket',
    // Codex 0.77 and earlier: each launcher prints its own run's usage.
    events: [
      ev({ id: 1, format: 'codex-exec-json', at: 160, bucket: 'cron:morning', total: 600 }),
      ev({ id: 2, format: 'codex-exec-json', at: 260, bucket: 'cron:evening', total: 900 }),
      ev({ id: 3, format: 'codex-rollout', at: 50, bucket: 'sessions', total: 100 }),
      ev({ id: 4, format: 'codex-rollout', at: 100, bucket: 'sessions', total: 200 }),
      ev({ id: 5, format: 'codex-rollout', at: 150, bucket: 'sessions', total: 300 }),
      ev({ id: 6, format: 'codex-rollout', at: 200, bucket: 'sessions', total: 400 }),
      ev({ id: 7, format: 'codex-rollout', at: 250, bucket: 'sessions', total: 500 }),
    ],
    expected: [
      { id: 1, counted: false, bucket: 'cron:morning' },
      { id: 2, counted: false, bucket: 'cron:evening' },
      { id: 3, counted: true, bucket: 'cron:morning' },
      { id: 4, counted: true, bucket: 'cron:morning' },
      { id: 5, counted: true, bucket: 'cron:morning' },
      { id: 6, counted: true, bucket: 'cron:evening' },
      { id: 7, counted: true, bucket: 'cron:evening' },
    ],
    runTotal: 1500,
  },
  {
    name: 'a resumed thread whose launchers print thread totals and carry no useful time: ordered by the totals',
    // Codex 0.79 and later `--json` logs with the same mtime, the later run read first.
    events: [
      ev({
        id: 1,
        format: 'codex-exec-json',
        at: 300,
        bucket: 'cron:evening',
        threadTotal: split(1400, 0, 100, 0),
        total: 1500,
      }),
      ev({
        id: 2,
        format: 'codex-exec-json',
        at: 300,
        bucket: 'cron:morning',
        threadTotal: split(500, 0, 100, 0),
        total: 600,
      }),
      ev({
        id: 3,
        format: 'codex-rollout',
        at: 50,
        bucket: 'sessions',
        input: 500,
        output: 100,
        total: 600,
      }),
      ev({
        id: 4,
        format: 'codex-rollout',
        at: 150,
        bucket: 'sessions',
        input: 900,
        output: 0,
        total: 900,
      }),
    ],
    expected: [
      { id: 1, counted: false, bucket: 'cron:evening' },
      { id: 2, counted: false, bucket: 'cron:morning' },
      { id: 3, counted: true, bucket: 'cron:morning' },
      { id: 4, counted: true, bucket: 'cron:evening' },
    ],
    runTotal: 1500,
  },
  {
    name: 'blended thread totals (0.79 and later text logs, stamped at their run’s start) bound each run’s events',
    events: [
      ev({
        id: 1,
        format: 'codex-text',
        at: 100,
        bucket: 'cron:morning',
        threadTotal: blended(550),
        total: 550,
      }),
      ev({
        id: 2,
        format: 'codex-text',
        at: 200,
        bucket: 'cron:evening',
        threadTotal: blended(1000),
        total: 1000,
      }),
      // input − cached + output: 300 − 50 + 100 = 350, then 250 − 50 + 0 = 200, then 450.
      ev({
        id: 3,
        format: 'codex-rollout',
        at: 110,
        bucket: 'sessions',
        input: 300,
        cachedInput: 50,
        output: 100,
        total: 400,
      }),
      ev({
        id: 4,
        format: 'codex-rollout',
        at: 150,
        bucket: 'sessions',
        input: 250,
        cachedInput: 50,
        output: 0,
        total: 250,
      }),
      ev({
        id: 5,
        format: 'codex-rollout',
        at: 210,
        bucket: 'sessions',
        input: 400,
        cachedInput: 0,
        output: 50,
        total: 450,
      }),
    ],
    expected: [
      { id: 1, counted: false, bucket: 'cron:morning' },
      { id: 2, counted: false, bucket: 'cron:evening' },
      { id: 3, counted: true, bucket: 'cron:morning' },
      { id: 4, counted: true, bucket: 'cron:morning' },
      { id: 5, counted: true, bucket: 'cron:evening' },
    ],
    runTotal: 1100,
  },
  {
    name: 'a text log and a --json log of one thread (measures differ): each covers its own run’s events',
    events: [
      ev({ id: 1, format: 'codex-text', at: 100, bucket: 'cron:morning', total: 400 }),
      ev({ id: 2, format: 'codex-exec-json', at: 200, bucket: 'cron:evening', total: 500 }),
      ev({ id: 3, format: 'codex-rollout', at: 50, bucket: 'sessions', total: 100 }),
      ev({ id: 4, format: 'codex-rollout', at: 150, bucket: 'sessions', total: 300 }),
      ev({ id: 5, format: 'codex-rollout', at: 250, bucket: 'sessions', total: 500 }),
    ],
    expected: [
      { id: 1, counted: false, bucket: 'cron:morning' },
      { id: 2, counted: false, bucket: 'cron:evening' },
      { id: 3, counted: true, bucket: 'cron:morning' },
      { id: 4, counted: true, bucket: 'cron:morning' },
      { id: 5, counted: true, bucket: 'cron:evening' },
    ],
    runTotal: 900,
  },
  // Resumed threads: launchers that print the thread's total so far.
  {
    name: 'codex-text thread totals 1000 then 1500 count 1000 and 500',
    events: [
      ev({
        id: 1,
        format: 'codex-text',
        at: 100,
        bucket: 'cron:nightly',
        threadTotal: blended(1000),
        total: 1000,
      }),
      ev({
        id: 2,
        format: 'codex-text',
        at: 200,
        bucket: 'cron:nightly',
        threadTotal: blended(1500),
        total: 1500,
      }),
    ],
    expected: [{ id: 2, counted: true, bucket: 'cron:nightly', amounts: blendedAmounts(500) }],
    runTotal: 1500,
  },
  {
    name: 'codex-text thread totals count their increase even when the timestamps disagree',
    events: [
      ev({
        id: 1,
        format: 'codex-text',
        at: 200,
        bucket: 'cron:nightly',
        threadTotal: blended(1000),
        total: 1000,
      }),
      ev({
        id: 2,
        format: 'codex-text',
        at: 100,
        bucket: 'cron:nightly',
        threadTotal: blended(1500),
        total: 1500,
      }),
    ],
    expected: [{ id: 2, counted: true, bucket: 'cron:nightly', amounts: blendedAmounts(500) }],
    runTotal: 1500,
  },
  {
    name: 'codex-text thread totals already stored as increases need no change',
    events: [
      ev({
        id: 1,
        format: 'codex-text',
        at: 100,
        bucket: 'cron:nightly',
        threadTotal: blended(1000),
        total: 1000,
      }),
      ev({
        id: 2,
        format: 'codex-text',
        at: 200,
        bucket: 'cron:nightly',
        threadTotal: blended(1500),
        total: 500,
      }),
    ],
    expected: [],
    runTotal: 1500,
  },
  {
    name: 'codex-exec-json split thread totals count their per-field increases',
    events: [
      execJson(1, 100, split(800, 200, 100, 50)),
      execJson(2, 200, split(2000, 700, 300, 120)),
    ],
    expected: [
      {
        id: 2,
        counted: true,
        bucket: 'cron:nightly',
        amounts: { input: 1200, cachedInput: 500, output: 200, reasoning: 70, total: 1400 },
      },
    ],
    runTotal: 2300,
  },
  {
    name: 'three codex-exec-json thread totals, uncounted before, count their increases',
    events: [
      { ...execJson(1, 100, split(800, 200, 100, 50)), counted: false },
      { ...execJson(2, 200, split(2000, 700, 300, 120)), counted: false },
      { ...execJson(3, 300, split(2600, 900, 450, 150)), counted: false },
    ],
    expected: [
      {
        id: 1,
        counted: true,
        bucket: 'cron:nightly',
        amounts: { input: 800, cachedInput: 200, output: 100, reasoning: 50, total: 900 },
      },
      {
        id: 2,
        counted: true,
        bucket: 'cron:nightly',
        amounts: { input: 1200, cachedInput: 500, output: 200, reasoning: 70, total: 1400 },
      },
      {
        id: 3,
        counted: true,
        bucket: 'cron:nightly',
        amounts: { input: 600, cachedInput: 200, output: 150, reasoning: 30, total: 750 },
      },
    ],
    runTotal: 3050,
  },
];

describe('reconcileRun', () => {
  it.each(rows)('$name', ({ events, expected, runTotal }) => {
    const orders = permutations(events);
    for (const order of orders) {
      const decisions = reconcileRun(order);
      expect(byId(decisions)).toEqual(expected);
      // Invariant: the decisions applied, the run counts its total once, and nothing is left
      // to change.
      const after = apply(order, decisions);
      expect(countedTotal(after)).toBe(runTotal);
      expect(reconcileRun(after)).toEqual([]);
    }
  });
});
