import { describe, expect, it } from 'vitest';
import { tieRuns, type LoggedRun, type RolloutStart } from '../../src/tokens/tie.js';

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
