import { copyFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempTree } from '../helpers/cli.js';
import { ingestGroups, permutations } from '../helpers/ledger-ingest.js';

/**
 * Real ledgers, in-process ingests: the Codex eras' resumed runs, 0.29/0.36 `exec --json`, a
 * resumed run's bucket and a byte-identical copy of a cron log, each in every order the files
 * can be ingested in (one file per ingest, and all at once).
 */

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

const S = '019d87a8-b75a-78d2-b3bb-6bc15dc88fbe';
const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
const usage = (input: number, output: number) => ({
  input_tokens: input,
  cached_input_tokens: 0,
  output_tokens: output,
  reasoning_output_tokens: 0,
  total_tokens: input + output,
});
const at = (iso: string) => Date.parse(iso) / 1000;

/** One file per ingest in every order, then all files in one ingest. */
const ingestOrders = (files: readonly string[]) => [
  ...permutations(files).map((order) => order.map((f) => [f])),
  [[...files]],
];

type Files = Record<string, { content: string; mtime?: string }>;
/** A row's files, typed as one record whatever names each row uses. */
const tree = (f: Files): Files => f;

/**
 * Writes the files (with their mtimes), ingests them in `order`, and returns the counted
 * tokens per bucket.
 */
async function ingestInOrder(
  files: Files,
  order: string[][],
  prepare?: (path: (rel: string) => string) => void,
): Promise<Record<string, number>> {
  const t = tempTree(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.content])));
  cleanups.push(t.cleanup);
  const path = (rel: string) => join(t.dir, rel);
  for (const [rel, { mtime }] of Object.entries(files))
    if (mtime) utimesSync(path(rel), at(mtime), at(mtime));
  prepare?.(path);
  return ingestGroups(t.dir, order);
}

const header = (version: string, session?: string) => [
  `OpenAI Codex v${version} (research preview)`,
  '--------',
  'workdir: /srv/bot',
  'model: gpt-5',
  ...(session ? [`session id: ${session}`] : []),
  '--------',
];
const textRun = (version: string, printed: string) =>
  [...header(version, S), 'user', 'fix the build', 'tokens used', printed, ''].join('\n');

/** A rollout of two runs of one thread; `restart`: the resumed run's counter starts again. */
function rolloutOfTwoRuns(version: string, restart: boolean) {
  const count = (ts: string, total: [number, number], last: [number, number]) => ({
    timestamp: ts,
    type: 'event_msg',
    payload: {
      type: 'token_count',
      info: { total_token_usage: usage(...total), last_token_usage: usage(...last) },
    },
  });
  // Run 1: 9,497 tokens. Run 2: 9,630, its first response larger than all of run 1.
  const run2 = restart
    ? [
        count('2026-06-10T10:00:10.000Z', [9000, 600], [9000, 600]),
        count('2026-06-10T10:00:20.000Z', [9000, 630], [0, 30]),
      ]
    : [
        count('2026-06-10T10:00:10.000Z', [18497, 600], [9000, 600]),
        count('2026-06-10T10:00:20.000Z', [18497, 630], [0, 30]),
      ];
  return jsonl([
    {
      timestamp: '2026-06-10T09:00:00.000Z',
      type: 'session_meta',
      payload: { id: S, cwd: '/srv/bot', cli_version: version },
    },
    { timestamp: '2026-06-10T09:00:00.000Z', type: 'turn_context', payload: { model: 'gpt-5' } },
    count('2026-06-10T09:00:10.000Z', [5000, 300], [5000, 300]),
    count('2026-06-10T09:00:20.000Z', [9000, 497], [4000, 197]),
    ...run2,
  ]);
}

describe('a resumed run, by Codex era (issue: 0.60 printed 9,497 then 9,630, truth 19,127)', () => {
  const rollout = 'sessions/rollout-2026-06-10T09-00-00.jsonl';
  it.each([
    {
      era: '0.60 text logs alone: each prints its run’s own usage',
      files: tree({
        'cron/first.log': { content: textRun('0.60.0', '9,497'), mtime: '2026-06-10T09:00:30Z' },
        'cron/second.log': { content: textRun('0.60.0', '9,630'), mtime: '2026-06-10T10:00:30Z' },
      }),
      buckets: { first: 9497, second: 9630 },
    },
    {
      era: '0.60 text logs and the rollout both runs wrote into',
      files: tree({
        'cron/first.log': { content: textRun('0.60.0', '9,497'), mtime: '2026-06-10T09:00:30Z' },
        'cron/second.log': { content: textRun('0.60.0', '9,630'), mtime: '2026-06-10T10:00:30Z' },
        [rollout]: { content: rolloutOfTwoRuns('0.60.0', true), mtime: '2026-06-10T10:00:30Z' },
      }),
      buckets: { first: 9497, second: 9630 },
    },
    {
      era: '0.80 text logs and the rollout: the resumed run prints the thread total',
      files: tree({
        'cron/first.log': { content: textRun('0.80.0', '9,497'), mtime: '2026-06-10T09:00:30Z' },
        'cron/second.log': { content: textRun('0.80.0', '19,127'), mtime: '2026-06-10T10:00:30Z' },
        [rollout]: { content: rolloutOfTwoRuns('0.80.0', false), mtime: '2026-06-10T10:00:30Z' },
      }),
      buckets: { first: 9497, second: 9630 },
    },
    {
      era: '0.80 --json logs and the rollout, the logs timed by their mtimes',
      files: tree({
        'cron/first.jsonl': {
          content: jsonl([
            { type: 'thread.started', thread_id: S },
            { type: 'turn.completed', usage: usage(9000, 497) },
          ]),
          mtime: '2026-06-10T09:00:30Z',
        },
        'cron/second.jsonl': {
          content: jsonl([
            { type: 'thread.started', thread_id: S },
            { type: 'turn.completed', usage: usage(18497, 630) },
          ]),
          mtime: '2026-06-10T10:00:30Z',
        },
        [rollout]: { content: rolloutOfTwoRuns('0.80.0', false), mtime: '2026-06-10T10:00:30Z' },
      }),
      buckets: { first: 9497, second: 9630 },
    },
  ])(
    '$era: every run counted once, in its launcher’s bucket, in every order',
    async ({ files, buckets }) => {
      for (const order of ingestOrders(Object.keys(files)))
        expect(await ingestInOrder(files, order), JSON.stringify(order)).toEqual(buckets);
    },
  );
});

describe('codex exec --json of 0.29 and 0.36', () => {
  const log = jsonl([
    { model: 'gpt-5', sandbox: 'read-only', workdir: '/srv/bot' },
    { prompt: 'fix the build' },
    { id: '0', msg: { type: 'session_configured', session_id: S, model: 'gpt-5' } },
    { id: '0', msg: { type: 'task_started' } },
    {
      id: '0',
      msg: {
        type: 'token_count',
        info: { total_token_usage: usage(3000, 200), last_token_usage: usage(3000, 200) },
      },
    },
    { id: '0', msg: { type: 'agent_message', message: 'done' } },
    {
      id: '0',
      msg: {
        type: 'token_count',
        info: { total_token_usage: usage(7000, 500), last_token_usage: usage(4000, 300) },
      },
    },
    { id: '0', msg: { type: 'task_complete' } },
  ]);
  const rollout = jsonl([
    {
      timestamp: '2026-06-10T09:00:00.000Z',
      type: 'session_meta',
      payload: { id: S, cli_version: '0.36.0' },
    },
    {
      timestamp: '2026-06-10T09:00:10.000Z',
      type: 'event_msg',
      payload: { type: 'token_count', info: { total_token_usage: usage(3000, 200) } },
    },
    {
      timestamp: '2026-06-10T09:00:20.000Z',
      type: 'event_msg',
      payload: { type: 'token_count', info: { total_token_usage: usage(7000, 500) } },
    },
  ]);
  it.each([
    { name: 'the log alone', files: tree({ 'cron/nightly.jsonl': { content: log } }) },
    {
      name: 'the log and its rollout',
      files: tree({
        'cron/nightly.jsonl': { content: log },
        'sessions/rollout-2026-06-10T09-00-00.jsonl': { content: rollout },
      }),
    },
  ])('counts $name once, under the log’s bucket', async ({ files }) => {
    for (const order of ingestOrders(Object.keys(files)))
      expect(await ingestInOrder(files, order), JSON.stringify(order)).toEqual({ nightly: 7500 });
  });
});

describe('a byte-identical copy of a cron log (cp nightly.log nightly.log.1)', () => {
  const log = [
    '=== 2026-06-10T09:00:00Z nightly ===',
    '[2025-08-20T12:34:50] OpenAI Codex v0.36.0 (research preview)',
    '[2025-08-20T12:34:56] tokens used: 6,863',
    '[2025-08-20T12:35:56] tokens used: 21,500',
    '=== exit 0 ===',
    '=== 2026-06-11T09:00:00Z nightly ===',
    '[2025-08-21T12:34:50] OpenAI Codex v0.36.0 (research preview)',
    '[2025-08-21T12:34:56] tokens used: 6,863',
    '=== exit 0 ===',
    '',
  ].join('\n');
  it('adds nothing, whether it is ingested before, after or with the original', async () => {
    const files = { 'cron/nightly.log': { content: log } };
    const copy = (path: (rel: string) => string) =>
      copyFileSync(path('cron/nightly.log'), path('cron/nightly.log.1'));
    for (const order of ingestOrders(['cron/nightly.log', 'cron/nightly.log.1']))
      expect(await ingestInOrder(files, order, copy), JSON.stringify(order)).toEqual({
        nightly: 21_500 + 6863,
      });
  });

  it('still counts a real second run that printed the same lines at another time', async () => {
    const other = log.replaceAll('2026-06-1', '2026-07-1').replaceAll('2025-08-2', '2025-09-2');
    const files = {
      'cron/nightly.log': { content: log },
      'cron/nightly-b.log': { content: other },
    };
    expect(await ingestInOrder(files, [Object.keys(files)])).toEqual({
      nightly: 21_500 + 6863,
      'nightly-b': 21_500 + 6863,
    });
  });
});
