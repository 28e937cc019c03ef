import { describe, expect, it } from 'vitest';
import type { VerdictTrail } from '../../src/core/verdict.js';
import { verdictChanges } from '../../src/rules/verdict-changes.js';

const trail = (
  tier: VerdictTrail['tier'],
  route: VerdictTrail['route'],
  ...fingerprints: string[]
): VerdictTrail => ({ tier, route, signals: fingerprints.map((fingerprint) => ({ fingerprint })) });

describe('verdictChanges: which history fields a judgement changed', () => {
  it.each([
    [
      'a first verdict records every field it has',
      undefined,
      trail('escalate', 'codex', 'ci_failing:a'),
      [
        { field: 'tier', from: null, to: 'escalate' },
        { field: 'route', from: null, to: 'codex' },
        { field: 'signals', from: null, to: 'ci_failing:a' },
      ],
    ],
    [
      'a first verdict without signals records no empty signals value',
      undefined,
      trail('watch', 'none'),
      [
        { field: 'tier', from: null, to: 'watch' },
        { field: 'route', from: null, to: 'none' },
        { field: 'signals', from: null, to: null },
      ],
    ],
    [
      'the same verdict changes nothing',
      trail('escalate', 'codex', 'ci_failing:a', 'conflict:b'),
      trail('escalate', 'codex', 'ci_failing:a', 'conflict:b'),
      [],
    ],
    [
      'signals in another order are the same set',
      trail('escalate', 'codex', 'conflict:b', 'ci_failing:a'),
      trail('escalate', 'codex', 'ci_failing:a', 'conflict:b'),
      [],
    ],
    [
      'as many signals as before, one of them another: the sorted sets',
      trail('escalate', 'codex', 'conflict:b', 'ci_failing:a'),
      trail('escalate', 'codex', 'conflict:b', 'behind:c'),
      [{ field: 'signals', from: 'ci_failing:a conflict:b', to: 'behind:c conflict:b' }],
    ],
    [
      'a tier change alone',
      trail('escalate', 'codex', 'ci_failing:a'),
      trail('watch', 'codex', 'ci_failing:a'),
      [{ field: 'tier', from: 'escalate', to: 'watch' }],
    ],
    [
      'a route change alone',
      trail('escalate', 'codex'),
      trail('escalate', 'claude'),
      [{ field: 'route', from: 'codex', to: 'claude' }],
    ],
    [
      'signals that cleared: the new value is null',
      trail('escalate', 'codex', 'ci_failing:a'),
      trail('escalate', 'codex'),
      [{ field: 'signals', from: 'ci_failing:a', to: null }],
    ],
    [
      'a new signal beside an old one: the sorted sets',
      trail('escalate', 'codex', 'conflict:b'),
      trail('escalate', 'codex', 'conflict:b', 'ci_failing:a'),
      [{ field: 'signals', from: 'conflict:b', to: 'ci_failing:a conflict:b' }],
    ],
  ] as const)('%s', (_name, before, after, expected) => {
    expect(verdictChanges(before, after)).toEqual(expected);
  });
});
