import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import type { DispatchResult } from '../../src/dispatch/dispatch.js';
import { heldBackReport } from '../../src/dispatch/held-back.js';
import type { Suppression } from '../../src/dispatch/plan.js';

const NO_AGENT = 'no agent installed (codex, claude)';
const EXHAUSTED = 'budget exhausted for codex, claude';
const HOLD =
  'codex: over pace (used 93%, expected 64%) since the friday checkpoint: keep the rest for the weekend (at most 0 this scan)';
const PATH_LINE =
  'no agent command was found on PATH (/usr/bin:/bin): set PATH in the crontab or agents.<name>.command to a full path (radar doctor shows where they are)';

const skipped = (n: number, suppressed: Suppression, reason: string): DispatchResult => ({
  nodeId: `PR_${n}`,
  pr: `acme/app#${n}`,
  score: 5,
  status: 'skipped',
  suppressed,
  reason,
});
const ran = (n: number): DispatchResult => ({
  nodeId: `PR_${n}`,
  pr: `acme/app#${n}`,
  score: 5,
  status: 'succeeded',
  agent: 'codex',
  escalationId: n,
  reason: null,
});

describe('heldBackReport: what scan --dispatch says on stderr, and its exit code', () => {
  it.each<[string, DispatchResult[], number, string[], number]>([
    ['nothing flagged', [], ExitCode.ok, [], ExitCode.ok],
    ['every flagged PR dispatched', [ran(1), ran(2)], ExitCode.ok, [], ExitCode.ok],
    [
      'no agent on PATH: which PRs, why, where radar looked; exit 4',
      [skipped(1, 'no-agent', NO_AGENT), skipped(2, 'no-agent', NO_AGENT)],
      ExitCode.ok,
      [`2 flagged PRs not dispatched: ${NO_AGENT}: acme/app#1, acme/app#2`, PATH_LINE],
      ExitCode.notDispatched,
    ],
    [
      'no agent for some while others ran: still said, still exit 4',
      [ran(1), skipped(2, 'no-agent', 'no agent installed (claude)')],
      ExitCode.ok,
      ['1 flagged PR not dispatched: no agent installed (claude): acme/app#2', PATH_LINE],
      ExitCode.notDispatched,
    ],
    [
      'no agent beats --fail-on-flag',
      [skipped(1, 'no-agent', NO_AGENT)],
      ExitCode.flagged,
      [`1 flagged PR not dispatched: ${NO_AGENT}: acme/app#1`, PATH_LINE],
      ExitCode.notDispatched,
    ],
    [
      'a failed scan keeps its own code',
      [skipped(1, 'no-agent', NO_AGENT)],
      ExitCode.failure,
      [`1 flagged PR not dispatched: ${NO_AGENT}: acme/app#1`, PATH_LINE],
      ExitCode.failure,
    ],
    [
      'every budget exhausted, nothing ran: said, exit unchanged',
      [skipped(1, 'budget', EXHAUSTED), skipped(2, 'budget', EXHAUSTED)],
      ExitCode.ok,
      [`2 flagged PRs not dispatched: ${EXHAUSTED}: acme/app#1, acme/app#2`],
      ExitCode.ok,
    ],
    [
      'the pace holds every PR (over after the Friday checkpoint): said, exit unchanged',
      [skipped(1, 'pace', HOLD), skipped(2, 'pace', HOLD)],
      ExitCode.ok,
      [`2 flagged PRs not dispatched: ${HOLD}: acme/app#1, acme/app#2`],
      ExitCode.ok,
    ],
    [
      'the pace held some back after others ran: quiet',
      [ran(1), skipped(2, 'pace', HOLD)],
      ExitCode.ok,
      [],
      ExitCode.ok,
    ],
    [
      'budget held some back after others ran: quiet (the results say it)',
      [ran(1), skipped(2, 'budget', EXHAUSTED)],
      ExitCode.ok,
      [],
      ExitCode.ok,
    ],
    [
      'policy (max, concurrency, acted, busy, stopped) is never a failure',
      [
        skipped(1, 'max', 'at most 0 sessions per run'),
        skipped(2, 'concurrency', '3 sessions running (dispatch.concurrency)'),
        skipped(3, 'acted', 'every signal was acted on already'),
        skipped(4, 'busy', 'escalation 9 is working on it'),
        skipped(5, 'stopped', 'the PR is stopped'),
      ],
      ExitCode.ok,
      [],
      ExitCode.ok,
    ],
    [
      'two reasons, one line each',
      [skipped(1, 'budget', EXHAUSTED), skipped(2, 'no-agent', 'no agent installed (claude)')],
      ExitCode.ok,
      [
        `1 flagged PR not dispatched: ${EXHAUSTED}: acme/app#1`,
        '1 flagged PR not dispatched: no agent installed (claude): acme/app#2',
        PATH_LINE,
      ],
      ExitCode.notDispatched,
    ],
  ])('%s', (_name, results, scanCode, lines, code) => {
    expect(heldBackReport(results, scanCode, '/usr/bin:/bin')).toEqual({ lines, code });
  });

  const MODEL =
    'codex ran gpt-4o, outside agents.codex.models (gpt-5*): held back until `radar resume --model codex`';
  it.each<[string, DispatchResult[], number, string[], number]>([
    [
      'every PR held back by a model hold: said once with the reason; exit 4 (it waits for the user)',
      [skipped(1, 'model', MODEL), skipped(2, 'model', MODEL)],
      ExitCode.ok,
      [
        '2 flagged PRs not dispatched: agent held back (model outside its allowlist): acme/app#1, acme/app#2',
        `codex held back: ${MODEL}`,
      ],
      ExitCode.notDispatched,
    ],
    [
      "the PRs went to the fallback agent: the hold is still said, the exit code is the scan's",
      [ran(1)],
      ExitCode.ok,
      [`codex held back: ${MODEL}`],
      ExitCode.ok,
    ],
    [
      'a failed scan keeps its own code',
      [skipped(1, 'model', MODEL)],
      ExitCode.failure,
      [
        '1 flagged PR not dispatched: agent held back (model outside its allowlist): acme/app#1',
        `codex held back: ${MODEL}`,
      ],
      ExitCode.failure,
    ],
  ])('model hold: %s', (_name, results, scanCode, lines, code) => {
    expect(
      heldBackReport(results, scanCode, '/usr/bin', [{ agent: 'codex', reason: MODEL }]),
    ).toEqual({ lines, code });
  });

  it('a model read from a log is inert on the terminal', () => {
    const [line] = heldBackReport([], ExitCode.ok, '/usr/bin', [
      { agent: 'codex', reason: 'codex ran \u001b]0;pwned\u0007gpt' },
    ]).lines;
    expect(line).toBe('codex held back: codex ran \\x1b]0;pwned\\x07gpt');
  });

  it('lists ten PRs, then counts the rest', () => {
    const many = Array.from({ length: 13 }, (_, i) => skipped(i + 1, 'budget', EXHAUSTED));
    const [line] = heldBackReport(many, ExitCode.ok, '/usr/bin').lines;
    expect(line).toBe(
      `13 flagged PRs not dispatched: ${EXHAUSTED}: ${many
        .slice(0, 10)
        .map((r) => r.pr)
        .join(', ')}, and 3 more (radar queue)`,
    );
  });

  it('says an empty PATH is empty', () => {
    const { lines } = heldBackReport([skipped(1, 'no-agent', NO_AGENT)], ExitCode.ok, undefined);
    expect(lines.at(-1)).toContain('on PATH (empty)');
  });
});
