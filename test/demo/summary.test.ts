import { describe, expect, it } from 'vitest';
import { loopSummary, type LoopFigures } from '../../src/demo/summary.js';

const base: LoopFigures = {
  watched: 34,
  repos: 5,
  signals: 13,
  flaggedPrs: 11,
  suppressed: { zombie: 4 },
  sessions: 8,
  reported: 7,
  tokens: 180_827,
  outcomes: 'resolved 1, unresolved 1, not applied 4, pending 2',
  waiting: 4,
  waitingPrs: 4,
  budgets: [
    { provider: 'codex', usedPercent: 86.24 },
    { provider: 'claude', usedPercent: 35.8 },
  ],
  reservation: 40_000,
};

describe('the demo summary', () => {
  it.each<{ name: string; figures: Partial<LoopFigures>; says: string[] }>([
    {
      name: 'the loop in one breath: watched, flagged, sessions, tokens, outcomes, held back',
      figures: {},
      says: [
        'In short: radar watched 34 open PRs in 5 repositories and flagged 11 of them (13 signals; 4 more set aside: zombie 4).',
        '8 agent sessions spent 180,827 tokens (7 of 8 reported usage); what they bought: resolved 1, unresolved 1, not applied 4, pending 2.',
        'Held back: 4 signals on 4 PRs wait for a later scan;',
        'the weekly budgets stand at codex 86.2%, claude 35.8% used, and a session starts only when its 40,000-token reservation fits',
      ],
    },
    {
      name: 'one of each, in the singular',
      figures: {
        watched: 1,
        repos: 1,
        signals: 1,
        flaggedPrs: 1,
        suppressed: { closed_scope: 1 },
        sessions: 1,
        reported: 1,
        waiting: 1,
        waitingPrs: 1,
      },
      says: [
        'watched 1 open PR in 1 repository and flagged 1 of them (1 signal; 1 more set aside: closed scope 1)',
        '1 agent session spent',
        'Held back: 1 signal on 1 PR waits for a later scan',
      ],
    },
    {
      name: 'nothing set aside, no session, nothing held back, a budget not known',
      figures: {
        suppressed: { zombie: 0 },
        sessions: 0,
        waiting: 0,
        waitingPrs: 0,
        budgets: [{ provider: 'codex', usedPercent: null }],
      },
      says: [
        '(13 signals).',
        'No agent session ran. Nothing is held back;',
        'stand at codex ? used',
      ],
    },
  ])('$name', ({ figures, says }) => {
    const text = loopSummary({ ...base, ...figures });
    for (const part of says) expect(text).toContain(part);
    expect(text.endsWith('.\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });
});
