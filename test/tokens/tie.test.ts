import { describe, expect, it } from 'vitest';
import {
  tieRuns,
  type LoggedRun,
  type RolloutCount,
  type RolloutStart,
} from '../../src/tokens/tie.js';

const T = Date.parse('2026-12-06T19:14:06Z');
const run = (over: Partial<LoggedRun> = {}): LoggedRun => ({
  key: 'log',
  version: '0.36.0',
  cwd: '/work',
  model: 'gpt-5',
  at: T,
  ...over,
});
const rollout = (session: string, over: Partial<RolloutStart> = {}): RolloutStart => ({
  session,
  version: '0.36.0',
  cwd: '/work',
  model: 'gpt-5',
  startedAt: T + 1461,
  ...over,
});

describe('tieRuns', () => {
  it.each<[string, LoggedRun[], RolloutStart[], Record<string, string>, string[]]>([
    ['exact: one rollout started just after the header', [run()], [rollout('a')], { log: 'a' }, []],
    ['no candidate', [run()], [], {}, []],
    [
      'two candidates: ambiguous, left alone',
      [run()],
      [rollout('a'), rollout('b', { startedAt: T + 300 })],
      {},
      ['log'],
    ],
    [
      'clock skew: rollout a little before the header',
      [run()],
      [rollout('a', { startedAt: T - 400 })],
      { log: 'a' },
      [],
    ],
    ['too far before the header', [run()], [rollout('a', { startedAt: T - 900 })], {}, []],
    ['too long after the header', [run()], [rollout('a', { startedAt: T + 2500 })], {}, []],
    ['different cwd', [run()], [rollout('a', { cwd: '/elsewhere' })], {}, []],
    ['different model', [run()], [rollout('a', { model: 'o3' })], {}, []],
    ['different version', [run()], [rollout('a', { version: '0.37.0' })], {}, []],
    [
      'rollout without a model yet',
      [run()],
      [rollout('a', { model: undefined })],
      { log: 'a' },
      [],
    ],
    [
      'two runs a second apart, each its own rollout',
      [run({ key: 'n1', at: T }), run({ key: 'n2', at: T + 2000 })],
      [rollout('r1', { startedAt: T + 1154 }), rollout('r2', { startedAt: T + 2663 })],
      { n1: 'r1', n2: 'r2' },
      [],
    ],
    [
      'a resumed run writing into the same rollout',
      [run({ key: 'first', at: T }), run({ key: 'resumed', at: T + 1000 })],
      [rollout('s', { startedAt: T + 670 })],
      { first: 's', resumed: 's' },
      [],
    ],
  ])('%s', (_name, runs, rollouts, tied, ambiguous) => {
    const got = tieRuns(runs, rollouts);
    expect(Object.fromEntries(got.tied)).toEqual(tied);
    expect(got.ambiguous).toEqual(ambiguous);
  });
});

/** Cumulative usage as Codex 0.36 records it in a rollout token count (and prints it). */
const usage = (input: number, cached: number, output: number, reasoning: number) => ({
  input,
  cached,
  output,
  reasoning,
  total: input + output,
});
const blended = (total: number) => ({
  input: 0,
  cached: 0,
  output: 0,
  reasoning: 0,
  total,
  blendedOnly: true,
});
const count = (session: string, over: Partial<RolloutCount> = {}): RolloutCount => ({
  session,
  version: '0.36.0',
  cwd: '/work',
  model: 'gpt-5',
  usage: usage(4266, 0, 118, 16),
  at: T + 7064,
  ...over,
});

describe('tieRuns by the cumulative usage a marker printed (Codex 0.36)', () => {
  // A resumed run: its header is printed seven seconds after its rollout started.
  const resumed = run({ key: 'resumed', at: T + 5000, usage: blended(4384), markedAt: T + 7000 });
  const json = (over: Partial<LoggedRun> = {}): LoggedRun => ({
    key: 'json',
    at: T + 9000,
    usage: usage(4477, 1024, 131, 24),
    ...over,
  });
  it.each<[string, LoggedRun[], RolloutCount[], Record<string, string>, string[]]>([
    [
      'a resumed human run: its blended running total',
      [resumed],
      [count('s')],
      { resumed: 's' },
      [],
    ],
    [
      'the same blended total recorded too long after the marker',
      [resumed],
      [count('s', { at: T + 9500 })],
      {},
      [],
    ],
    [
      'the blended total of another run',
      [resumed],
      [count('s', { usage: usage(4266, 0, 119, 16) })],
      {},
      [],
    ],
    [
      'exec --json (no version, workdir or time): the whole split',
      [json()],
      [count('s', { usage: usage(4477, 1024, 131, 24) })],
      { json: 's' },
      [],
    ],
    [
      'exec --json: one count differs',
      [json()],
      [count('s', { usage: usage(4477, 1024, 131, 25) })],
      {},
      [],
    ],
    [
      'two rollouts with the same count: ambiguous, left alone',
      [json()],
      [
        count('a', { usage: usage(4477, 1024, 131, 24) }),
        count('b', { usage: usage(4477, 1024, 131, 24) }),
      ],
      {},
      ['json'],
    ],
    [
      'two counts of one rollout: one tie',
      [resumed],
      [count('s'), count('s', { at: T + 7100 })],
      { resumed: 's' },
      [],
    ],
    ['another workdir', [resumed], [count('s', { cwd: '/elsewhere' })], {}, []],
  ])('%s', (_name, runs, counts, tied, ambiguous) => {
    const got = tieRuns(runs, [], counts);
    expect(Object.fromEntries(got.tied)).toEqual(tied);
    expect(got.ambiguous).toEqual(ambiguous);
  });

  it('falls back to the start when no count fits', () => {
    const first = run({ key: 'first', usage: blended(2112), markedAt: T + 1000 });
    const got = tieRuns([first], [rollout('s')], [count('s')]);
    expect(Object.fromEntries(got.tied)).toEqual({ first: 's' });
  });
});
