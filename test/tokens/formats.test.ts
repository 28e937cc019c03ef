import { describe, expect, it } from 'vitest';
import { MarkerParser } from '../../src/tokens/parse.js';
import { resumePrintsThreadTotal } from '../../src/tokens/formats/codex-text.js';
import type { TokenEvent } from '../../src/core/tokens.js';

/**
 * The format modules through the parser that dispatches to them, line by line: each Codex era's
 * meaning, the protocol events of Codex 0.29/0.36 `exec --json`, and fingerprints that make a
 * byte-identical copy of a log add nothing.
 */

const S = '0199a1b2-0000-7000-8000-00000000000a';

function parse(lines: readonly string[], lineage = 'a'): TokenEvent[] {
  const parser = new MarkerParser({ zone: 'UTC', mtimeMs: 1_781_000_000_000, lineage });
  let offset = 0;
  for (const line of lines) {
    parser.line(line, offset);
    offset += Buffer.byteLength(line) + 1;
  }
  return parser.events;
}

const j = (o: unknown) => JSON.stringify(o);
const usage = (input: number, cached: number, output: number) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_output_tokens: 0,
  total_tokens: input + output,
});
/** A 0.29/0.36 `exec --json` token_count: the process's total and its last response. */
const legacyCount = (total: ReturnType<typeof usage>, last: ReturnType<typeof usage>) =>
  j({
    id: '0',
    msg: { type: 'token_count', info: { total_token_usage: total, last_token_usage: last } },
  });
/** A rollout token_count. */
const rolloutCount = (
  ts: string,
  total: ReturnType<typeof usage>,
  last: ReturnType<typeof usage>,
) =>
  j({
    timestamp: ts,
    type: 'event_msg',
    payload: { type: 'token_count', info: { total_token_usage: total, last_token_usage: last } },
  });
const header = (version: string) => [
  `OpenAI Codex v${version} (research preview)`,
  '--------',
  'workdir: /srv/bot',
  `session id: ${S}`,
  '--------',
];

describe('which Codex versions print the thread total after a resume', () => {
  it.each([
    [undefined, true],
    ['0.50.0', false],
    ['0.72.0', false],
    ['0.77.0', false],
    ['0.79.0', true],
    ['0.80.0', true],
    ['0.171.0', true],
    ['1.2.0', true],
  ])('%s → %s', (version, expected) => {
    expect(resumePrintsThreadTotal(version)).toBe(expected);
  });
});

describe('codex exec human output, by era', () => {
  it.each([
    {
      era: '0.60: a resumed run prints its own usage, so neither marker is a thread total',
      lines: [
        ...header('0.60.0'),
        'tokens used',
        '9,497',
        ...header('0.60.0'),
        'tokens used',
        '9,630',
      ],
      totals: [9497, 9630],
      threadTotals: [undefined, undefined],
    },
    {
      era: '0.80: the resumed run prints the thread total, which the ledger subtracts',
      lines: [
        ...header('0.80.0'),
        'tokens used',
        '9,497',
        ...header('0.80.0'),
        'tokens used',
        '19,127',
      ],
      totals: [9497, 19127],
      threadTotals: [9497, 19127],
    },
    {
      era: 'no header: counted as printed, no thread',
      lines: ['tokens used', '9,497'],
      totals: [9497],
      threadTotals: [undefined],
    },
  ])('$era', ({ lines, totals, threadTotals }) => {
    const events = parse(lines);
    expect(events.map((e) => e.total)).toEqual(totals);
    expect(events.map((e) => e.threadTotal?.total)).toEqual(threadTotals);
  });
});

describe('codex exec --json of 0.29 and 0.36 (protocol events)', () => {
  it.each([
    {
      name: 'cumulative token counts add their increases under the session',
      lines: [
        j({ model: 'gpt-5', sandbox: 'read-only' }),
        j({ id: '0', msg: { type: 'session_configured', session_id: S, model: 'gpt-5' } }),
        j({ id: '1', msg: { type: 'token_count', info: null, rate_limits: null } }),
        legacyCount(usage(1000, 200, 100), usage(1000, 200, 100)),
        legacyCount(usage(1000, 200, 100), usage(1000, 200, 100)),
        legacyCount(usage(2500, 900, 300), usage(1500, 700, 200)),
      ],
      totals: [1100, 1700],
      runKey: `codex:${S}`,
    },
    {
      name: 'a second process in the same log starts its counter again',
      lines: [
        j({ id: '0', msg: { type: 'session_configured', session_id: S } }),
        legacyCount(usage(1000, 0, 100), usage(1000, 0, 100)),
        j({ id: '0', msg: { type: 'session_configured', session_id: S } }),
        legacyCount(usage(1500, 0, 100), usage(1500, 0, 100)),
      ],
      totals: [1100, 1600],
      runKey: `codex:${S}`,
    },
    {
      name: 'the oldest protocol: one response’s usage, flat',
      lines: [j({ id: '0', msg: { type: 'token_count', ...usage(300, 0, 30) } })],
      totals: [330],
      runKey: undefined,
    },
  ])('$name', ({ lines, totals, runKey }) => {
    const events = parse(lines);
    expect(events.map((e) => e.total)).toEqual(totals);
    expect(events.every((e) => e.format === 'codex-exec-json' && e.runKey === runKey)).toBe(true);
    expect(events.every((e) => e.threadTotal === undefined)).toBe(true);
  });

  it('reads turn.completed of a 0.60 log as each run’s own usage (its header says the version)', () => {
    const run = (total: number) => [
      'OpenAI Codex v0.60.0 (research preview)',
      j({ type: 'thread.started', thread_id: S }),
      j({ type: 'turn.completed', usage: usage(total - 100, 0, 100) }),
    ];
    const events = parse([...run(9497), ...run(9630)]);
    expect(events.map((e) => [e.total, e.threadTotal])).toEqual([
      [9497, undefined],
      [9630, undefined],
    ]);
  });
});

describe('a rollout of a resumed run whose Codex starts the counter again (0.77 and earlier)', () => {
  it.each([
    {
      name: 'resumed run larger than the first: its first total equals its last response',
      counts: [
        [usage(4000, 0, 497), usage(4000, 0, 497)],
        [usage(9000, 0, 497), usage(5000, 0, 0)],
        [usage(9000, 0, 630), usage(9000, 0, 630)],
      ],
      totals: [4497, 5000, 9630],
    },
    {
      name: 'a thread that keeps its counter (0.79 and later) adds increases only',
      counts: [
        [usage(4000, 0, 497), usage(4000, 0, 497)],
        [usage(9000, 0, 497), usage(5000, 0, 0)],
        [usage(18000, 0, 630), usage(9000, 0, 133)],
      ],
      totals: [4497, 5000, 9133],
    },
    {
      name: 'a re-emitted unchanged total adds nothing',
      counts: [
        [usage(4000, 0, 497), usage(4000, 0, 497)],
        [usage(4000, 0, 497), usage(4000, 0, 497)],
      ],
      totals: [4497],
    },
  ])('$name', ({ counts, totals }) => {
    const lines = [
      j({ timestamp: '2026-06-10T09:00:00.000Z', type: 'session_meta', payload: { id: S } }),
      ...counts.map(([total, last], i) =>
        rolloutCount(`2026-06-10T09:0${i + 1}:00.000Z`, total!, last!),
      ),
    ];
    expect(parse(lines).map((e) => e.total)).toEqual(totals);
  });
});

describe('fingerprints of markers without an identity of their own', () => {
  const cron = (stamp: string) => [
    `=== ${stamp} nightly ===`,
    'reviewing PRs',
    'tokens used',
    '1,234',
  ];
  it.each([
    {
      name: 'a byte-identical copy under another lineage',
      a: cron('2026-06-10T09:00:00Z'),
      b: cron('2026-06-10T09:00:00Z'),
      same: true,
    },
    {
      name: 'a real second run printing the same lines at another time',
      a: cron('2026-06-10T09:00:00Z'),
      b: cron('2026-06-11T09:00:00Z'),
      same: false,
    },
    {
      name: 'the same --json turn under another session',
      a: [
        j({ type: 'thread.started', thread_id: S }),
        j({ type: 'turn.completed', usage: usage(10, 0, 1) }),
      ],
      b: [
        j({ type: 'thread.started', thread_id: S.replace('a', 'b') }),
        j({ type: 'turn.completed', usage: usage(10, 0, 1) }),
      ],
      same: false,
    },
  ])('$name', ({ a, b, same }) => {
    const fa = parse(a, 'lineage-a').map((e) => e.fingerprint);
    const fb = parse(b, 'lineage-b').map((e) => e.fingerprint);
    expect(fa).toHaveLength(1);
    expect(fa[0] === fb[0]).toBe(same);
  });
});
