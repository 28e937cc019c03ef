import { describe, expect, it } from 'vitest';
import { finalOutcome } from '../../src/dispatch/session.js';
import { sessionRunKeys, type ParsedLog } from '../../src/dispatch/tokens.js';
import type { TokenEvent } from '../../src/core/tokens.js';

const IS_ERROR = 'the agent reported an error result (is_error)';

describe('finalOutcome: the process outcome, then what the agent reported', () => {
  it.each([
    ['a clean exit stays succeeded', 'succeeded', null, false, 'succeeded', null],
    ['a clean exit with an error result fails', 'succeeded', null, true, 'failed', IS_ERROR],
    ['a failed process keeps its own reason', 'failed', 'exit 1', true, 'failed', 'exit 1'],
    ['a timeout stays a timeout', 'timed_out', 'idle', true, 'timed_out', 'idle'],
  ] as const)('%s', (_name, outcome, reason, reportedError, wantOutcome, wantReason) => {
    expect(finalOutcome({ outcome, reason }, reportedError)).toEqual({
      outcome: wantOutcome,
      reason: wantReason,
    });
  });
});

const event = (runKey?: string) => ({ runKey }) as TokenEvent;

describe('sessionRunKeys: the runs a session produced', () => {
  it.each<[string, ParsedLog | undefined, string[], 'codex' | undefined, string[]]>([
    ['nothing parsed, nothing recorded', undefined, [], 'codex', []],
    [
      'the runs of its markers, each once',
      { events: [event('codex:a'), event(), event('codex:a')], sessionId: 'a' },
      [],
      'codex',
      ['codex:a'],
    ],
    [
      'a session named without markers is the agent run its session file will carry',
      { events: [], sessionId: 'b' },
      [],
      'codex',
      ['codex:b'],
    ],
    [
      'a reaped session (agent unknown) keeps only the runs of its markers',
      { events: [event('claude:c')], sessionId: 'c' },
      [],
      undefined,
      ['claude:c'],
    ],
    [
      'a log another ingest read first: the runs the ledger holds of it',
      undefined,
      ['codex:d'],
      'codex',
      ['codex:d'],
    ],
  ])('%s', (_name, parsed, recorded, agent, expected) => {
    expect(sessionRunKeys(parsed, recorded, agent)).toEqual(expected);
  });
});
