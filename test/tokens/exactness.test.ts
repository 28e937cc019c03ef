import {
  appendFileSync,
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { runRadar, tempTree, type CliResult } from '../helpers/cli.js';

/**
 * Every token counted exactly once on real-shaped logs: the cases found when radar was tried on
 * real Codex and Claude Code logs, logrotate with compression, and concurrent runs.
 */

interface IngestJson {
  newEvents: number;
  newTokens: number;
  linesSkipped: number;
  skipped: Record<string, number>;
  unreadable: { path: string; error: string }[];
  damaged: { path: string; error: string; keptEvents: number }[];
  sameFile: number;
}
interface ReportJson {
  total: { tokens: number; events: number };
  groups: { key: string; tokens: number; events: number }[];
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function workspace(files: Record<string, string | Buffer> = {}) {
  const t = tempTree(files);
  cleanups.push(t.cleanup);
  const ledger = join(t.dir, 'ledger.db');
  const cli = (args: string[]) => runRadar(['--ledger', ledger, '--json', ...args], { cwd: t.dir });
  const ingest = async (...paths: string[]) => {
    const r = await cli(['ingest', ...paths]);
    // One clear line per problem, never a stack trace.
    expect(r.stderr).not.toMatch(/^\s+at |TypeError|RangeError|unexpected error/m);
    expect(r.code).toBe(0);
    return { json: JSON.parse(r.stdout) as IngestJson, stderr: r.stderr };
  };
  const report = async (...args: string[]) => {
    const r = await cli(['report', 'tokens', ...args]);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as ReportJson;
  };
  const total = async () => (await report()).total.tokens;
  const path = (rel: string) => join(t.dir, rel);
  const write = (rel: string, content: string | Buffer) => writeFileSync(path(rel), content);
  return { dir: t.dir, path, write, cli, ingest, report, total };
}

const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

function tokenCount(ts: string, total: number, extra: Record<string, unknown> = {}) {
  const input = Math.round(total * 0.9);
  return {
    timestamp: ts,
    type: 'event_msg',
    ...extra,
    payload: {
      type: 'token_count',
      info: {
        total_token_usage: {
          input_tokens: input,
          cached_input_tokens: Math.round(input / 2),
          output_tokens: total - input,
          reasoning_output_tokens: 0,
          total_tokens: total,
        },
      },
    },
  };
}

const at = (base: string, ms: number) => new Date(Date.parse(base) + ms).toISOString();

describe('Codex forks and sub-agents replay their parent', () => {
  const PARENT = '019a0000-0000-7000-8000-000000000001';
  const CHILD = '019a0000-0000-7000-8000-000000000002';
  // The parent's history: cumulative totals rising to 1,800 over many responses.
  const parentTotals = Array.from({ length: 3000 }, (_, i) => Math.round(((i + 1) * 1800) / 3000));
  const parentLines = (stamp: (i: number) => string) => [
    {
      timestamp: stamp(-1),
      type: 'session_meta',
      payload: { id: PARENT, cli_version: '0.60.0' },
    },
    { timestamp: stamp(-1), type: 'turn_context', payload: { model: 'gpt-5.2-codex' } },
    ...parentTotals.map((t, i) => tokenCount(stamp(i), t)),
  ];
  const created = '2026-06-10T10:00:00.000Z';
  const childMeta = (payload: Record<string, unknown> = {}) => ({
    timestamp: created,
    type: 'session_meta',
    payload: {
      id: CHILD,
      source: { subagent: { thread_spawn: { parent_thread_id: PARENT, depth: 1 } } },
      ...payload,
    },
  });

  it.each([
    {
      name: 'replay re-stamped over three seconds, own counter from zero',
      replayStamp: (i: number) => at(created, Math.max(0, i)),
      own: [120, 180],
      expected: 180,
    },
    {
      name: 'replay keeping the parent times, own counter from zero',
      replayStamp: (i: number) => at('2026-06-10T08:00:00.000Z', Math.max(0, i) * 1000),
      own: [120, 180],
      expected: 180,
    },
    {
      name: 'replay re-stamped, own counter continuing from the parent total',
      replayStamp: (i: number) => at(created, Math.max(0, i)),
      own: [1920, 1980],
      expected: 180,
    },
  ])('counts only the child’s own work: $name', async ({ replayStamp, own, expected }) => {
    const child = [
      childMeta(),
      ...parentLines(replayStamp),
      { timestamp: at(created, 20_000), type: 'turn_context', payload: { model: 'gpt-5.2' } },
      ...own.map((t, i) => tokenCount(at(created, 30_000 + i * 10_000), t)),
    ];
    const w = workspace({ 'sessions/rollout-child.jsonl': jsonl(child) });
    expect((await w.ingest('sessions')).json.newTokens).toBe(expected);
    // With the parent's own rollout too: its 1,800 once, plus the child's own work.
    w.write(
      'sessions/rollout-parent.jsonl',
      jsonl(parentLines((i) => at('2026-06-10T08:00:00.000Z', Math.max(0, i) * 1000))),
    );
    await w.ingest('sessions');
    expect(await w.total()).toBe(1800 + expected);
  });

  it('uses the line ordinals newer Codex writes to find where the thread’s own lines start', async () => {
    const replay = parentLines((i) => at(created, Math.max(0, i))).map((l, i) => ({
      ...l,
      ordinal: i + 1,
    }));
    const start = replay.length + 1;
    const child = [
      { ...childMeta({ subagent_history_start_ordinal: start }), ordinal: 0 },
      ...replay,
      // The thread's own first response lands within the same second as the replay.
      { ...tokenCount(at(created, 3000), 1920), ordinal: start },
      { ...tokenCount(at(created, 3100), 1980), ordinal: start + 1 },
    ];
    const w = workspace({ 'rollout-child.jsonl': jsonl(child) });
    expect((await w.ingest('.')).json.newTokens).toBe(180);
  });
});

describe('compressed rotations', () => {
  const marker = (n: number) => `=== run ===\ntokens used: ${n}\n`;

  it('reads several compressed files at once, exactly and the same way every time', async () => {
    const w = workspace({
      'logs/x.log': `=== live ===\n${marker(5)}`,
      'logs/x.log.1.gz': gzipSync(`=== one ===\n${marker(100)}`),
      'logs/x.log.2.gz': gzipSync(`=== two ===\n${marker(1000)}`),
      'logs/x.log.3.gz': gzipSync(`=== three ===\n${marker(20_000)}`),
    });
    expect((await w.ingest('logs')).json.newTokens).toBe(21_105);
    expect(await w.total()).toBe(21_105);
  });

  it('reports a truncated .gz or .zst as damaged and commits everything else', async () => {
    const whole = gzipSync(`${marker(7)}${'filler line\n'.repeat(20_000)}${marker(9)}`);
    const w = workspace({
      'logs/a.log': marker(11),
      'logs/b.log.1.gz': whole.subarray(0, Math.floor(whole.length / 2)),
      'logs/c.log.2.gz': gzipSync(marker(13)),
      'logs/d.jsonl.zst': Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x10, 0x81, 0x00]),
    });
    const r = await w.ingest('logs');
    // The marker before the damage is kept; the one after it is lost with the bytes.
    expect(r.json.newTokens).toBe(11 + 7 + 13);
    expect(r.json.damaged.map((d) => d.path.replace(/.*\//, '')).sort()).toEqual([
      'b.log.1.gz',
      'd.jsonl.zst',
    ]);
    expect(r.json.damaged.find((d) => d.path.endsWith('b.log.1.gz'))?.keptEvents).toBe(1);
    expect(r.stderr).toMatch(/damaged file .*b\.log\.1\.gz/);
    // The next cron run is not stuck on it.
    expect((await w.ingest('logs')).json.newTokens).toBe(0);
    expect(await w.total()).toBe(31);
  });

  it.each([
    { name: 'compress + delaycompress', delay: true },
    { name: 'compress', delay: false },
  ])('follows a week of logrotate with $name exactly, ingesting daily', async ({ delay }) => {
    const w = workspace({ 'logs/x.log': '' });
    const log = (n: number) => w.path(n === 0 ? 'logs/x.log' : `logs/x.log.${n}`);
    let truth = 0;
    const rotate = () => {
      // Shift the compressed generations, then compress or rename the newest ones.
      for (let n = 8; n >= 1; n--)
        try {
          renameSync(`${log(n)}.gz`, `${log(n + 1)}.gz`);
        } catch {
          // not there yet
        }
      if (delay) {
        try {
          writeFileSync(`${log(2)}.gz`, gzipSync(readFileSync(log(1))));
          rmSync(log(1));
        } catch {
          // no .1 yet
        }
        renameSync(log(0), log(1));
      } else {
        writeFileSync(`${log(1)}.gz`, gzipSync(readFileSync(log(0))));
        rmSync(log(0));
      }
      writeFileSync(log(0), '');
    };
    const append = (day: number, run: number) => {
      const n = day * 1000 + run * 10 + 1;
      appendFileSync(log(0), `=== 2026-06-0${day}T0${run}:00:00Z ===\nworking\n${marker(n)}`);
      truth += n;
    };
    for (let day = 1; day <= 7; day++) {
      append(day, 0);
      append(day, 1);
      expect((await w.ingest('logs')).json.unreadable).toEqual([]);
      // This marker lands after the day's ingest, before the rotation.
      append(day, 2);
      rotate();
      await w.ingest('logs');
      expect(await w.total()).toBe(truth);
    }
  });
});

describe('one run, several sources', () => {
  const S = '019d87a8-b75a-78d2-b3bb-6bc15dc88fbe';
  const cronLog = (session: string, printed: string) =>
    [
      '=== 2026-06-10T09:00:00Z nightly ===',
      'OpenAI Codex v0.104.0 (research preview)',
      '--------',
      'workdir: /srv/bot',
      'model: gpt-5.4',
      `session id: ${session}`,
      '--------',
      'user',
      'fix the build',
      'tokens used',
      printed,
      '=== exit 0 ===',
      '',
    ].join('\n');
  const rolloutOf = (session: string, totals: number[]) =>
    jsonl([
      { timestamp: '2026-06-10T09:00:01.000Z', type: 'session_meta', payload: { id: session } },
      {
        timestamp: '2026-06-10T09:00:01.000Z',
        type: 'turn_context',
        payload: { model: 'gpt-5.4' },
      },
      ...totals.map((t, i) => tokenCount(at('2026-06-10T09:00:05.000Z', i * 5000), t)),
    ]);

  it.each([{ order: ['cron', 'codex'] }, { order: ['codex', 'cron'] }, { order: ['both'] }])(
    'counts a codex exec run once, in the launching log’s bucket, ingested as $order',
    async ({ order }) => {
      const w = workspace({
        'cron/nightly.log': cronLog(S, '8,123'),
        [`codex/sessions/2026/06/10/rollout-2026-06-10T09-00-01-${S}.jsonl`]: rolloutOf(
          S,
          [4000, 9000],
        ),
      });
      for (const step of order)
        if (step === 'both') await w.ingest('cron', 'codex');
        else await w.ingest(step);
      // The rollout's split (input + output) is the richest: 9,000, under the cron bucket.
      const r = await w.report();
      expect(r.groups).toEqual([expect.objectContaining({ key: 'nightly', tokens: 9000 })]);
      expect(r.total.tokens).toBe(9000);
    },
  );

  it('counts a claude -p run once whether its result or its transcript comes first', async () => {
    const sid = '2b9d0000-1111-2222-3333-444455556666';
    const result = {
      type: 'result',
      subtype: 'success',
      is_error: false,
      duration_ms: 4000,
      num_turns: 2,
      session_id: sid,
      total_cost_usd: 0.1,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 1000,
        output_tokens: 50,
      },
    };
    const message = (id: string, output: number) => ({
      type: 'assistant',
      sessionId: sid,
      requestId: `req_${id}`,
      timestamp: '2026-06-12T08:01:01.500Z',
      message: {
        id,
        model: 'claude-opus-4-5-20251101',
        usage: {
          input_tokens: 5,
          cache_creation_input_tokens: 50,
          cache_read_input_tokens: 500,
          output_tokens: output,
        },
      },
    });
    for (const first of ['cron', 'projects']) {
      const w = workspace({
        'cron/review.log': `${JSON.stringify(result)}\n`,
        [`projects/-srv-bot/${sid}.jsonl`]: jsonl([message('msg_1', 20), message('msg_2', 30)]),
      });
      await w.ingest(first);
      await w.ingest(first === 'cron' ? 'projects' : 'cron');
      const r = await w.report();
      expect(r.total.tokens).toBe(2 * 555 + 50);
      expect(r.groups.map((g) => g.key)).toEqual(['review']);
    }
  });

  it('adds only each resumed run’s own increase, whatever order the logs come in', async () => {
    const w = workspace({
      'cron/b-second.log': cronLog(S, '1,500'),
      'cron/a-first.log': cronLog(S, '1,000'),
      'json/run2.jsonl': jsonl([
        { type: 'thread.started', thread_id: '0199a1b2-0000-7000-8000-00000000000a' },
        {
          type: 'turn.completed',
          usage: { input_tokens: 3000, cached_input_tokens: 1000, output_tokens: 300 },
        },
      ]),
      'json/run1.jsonl': jsonl([
        { type: 'thread.started', thread_id: '0199a1b2-0000-7000-8000-00000000000a' },
        {
          type: 'turn.completed',
          usage: { input_tokens: 1000, cached_input_tokens: 500, output_tokens: 100 },
        },
      ]),
    });
    await w.ingest('cron/b-second.log', 'json/run2.jsonl');
    await w.ingest('cron', 'json');
    expect(await w.total()).toBe(1500 + 3300);
  });
});

describe('what `tokens used` means in each Codex era', () => {
  it.each([
    {
      era: 'up to 0.29: one line per response, a run is their sum',
      lines: [
        '[2025-07-20T12:34:50] OpenAI Codex v0.2.0 (research preview)',
        '[2025-07-20T12:34:56] tokens used: 1200',
        '[2025-07-20T12:35:56] tokens used: 800',
      ],
      expected: 2000,
    },
    {
      era: '0.3x–0.4x: a running total after every response, sometimes twice; a run is its last',
      lines: [
        '[2025-08-20T12:34:50] OpenAI Codex v0.36.0 (research preview)',
        '[2025-08-20T12:34:56] tokens used: 6,863',
        '[2025-08-20T12:34:56] tokens used: 6,863',
        '[2025-08-20T12:35:56] tokens used: 21,500',
        '[2025-08-20T12:36:56] tokens used: 40,809',
        '[2025-08-21T12:34:50] OpenAI Codex v0.36.0 (research preview)',
        '[2025-08-21T12:34:56] tokens used: 1,000',
      ],
      expected: 40_809 + 1000,
    },
    {
      era: 'later: once, at the end of the run',
      lines: ['OpenAI Codex v0.134.0 (research preview)', 'tokens used', '12,345'],
      expected: 12_345,
    },
  ])('$era', async ({ lines, expected }) => {
    const w = workspace({ 'codex.log': `${lines.join('\n')}\n` });
    expect((await w.ingest('codex.log')).json.newTokens).toBe(expected);
  });

  it.each([
    ['12’345', 12_345],
    ["12'345", 12_345],
    ['2,79,562', 279_562],
    ['12\u00a0345', 12_345],
    ['1\u202f234\u202f567', 1_234_567],
    ['12.345', 12_345],
  ])('reads the locale digit grouping %s', async (printed, expected) => {
    const w = workspace({ 'run.log': `tokens used\n${printed}\n` });
    expect((await w.ingest('run.log')).json.newTokens).toBe(expected);
  });

  it('counts a number it cannot read as bad-number, never silently', async () => {
    const w = workspace({ 'run.log': 'tokens used\n12,34\ntokens used: 1.2.3\n' });
    const { json } = await w.ingest('run.log');
    expect(json.newTokens).toBe(0);
    expect(json.skipped['bad-number']).toBe(2);
  });
});

describe('logs that are not plain UTF-8', () => {
  it('reads a log that starts with NUL padding (truncated under a running writer)', async () => {
    const w = workspace({
      'cron.log': Buffer.concat([
        Buffer.alloc(4604),
        Buffer.from('OpenAI Codex v0.104.0 (research preview)\ntokens used\n3,210\n'),
      ]),
    });
    expect((await w.ingest('cron.log')).json.newTokens).toBe(3210);
  });

  it('reads a Windows PowerShell capture: UTF-16LE with a BOM and CRLF', async () => {
    const text =
      'node.exe : OpenAI Codex v0.134.0 (research preview)\r\n--------\r\ntokens used\r\n45,678\r\n';
    const w = workspace({
      'win.log': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    });
    expect((await w.ingest('win.log')).json.newTokens).toBe(45_678);
    // Unchanged: nothing more; appended: only the new run.
    expect((await w.ingest('win.log')).json.newTokens).toBe(0);
    appendFileSync(w.path('win.log'), Buffer.from('tokens used\r\n1,000\r\n', 'utf16le'));
    expect((await w.ingest('win.log')).json.newTokens).toBe(1000);
  });

  it('still skips a real binary file', async () => {
    const w = workspace({ 'core.bin': Buffer.from([1, 0, 2, 0, 3, 0, 116, 111, 107]) });
    const r = await w.cli(['ingest', 'core.bin']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { filesSkipped: unknown[] }).filesSkipped).toEqual([
      { path: w.path('core.bin'), reason: 'binary file' },
    ]);
  });
});

describe('Claude and links', () => {
  it('counts a message retried under a new request id once', async () => {
    const line = (requestId: string, output: number) => ({
      type: 'assistant',
      sessionId: 's',
      requestId,
      timestamp: '2026-06-12T08:01:01.500Z',
      message: {
        id: 'msg_1',
        model: 'claude-x',
        usage: { input_tokens: 10, output_tokens: output },
      },
    });
    const w = workspace({ 't.jsonl': jsonl([line('req_a', 5), line('req_b', 40)]) });
    expect((await w.ingest('t.jsonl')).json.newTokens).toBe(50);
  });

  it('reads one file under several names once (symlink, hard link, a re-pointed latest.log)', async () => {
    const w = workspace({ 'logs/run-1.log': 'tokens used: 100\n' });
    symlinkSync(w.path('logs/run-1.log'), w.path('logs/latest.log'));
    linkSync(w.path('logs/run-1.log'), w.path('logs/hard.log'));
    const first = await w.ingest('logs');
    expect(first.json.newTokens).toBe(100);
    // The next day the link points at the newest run.
    w.write('logs/run-2.log', 'tokens used: 20\n');
    rmSync(w.path('logs/latest.log'));
    symlinkSync(w.path('logs/run-2.log'), w.path('logs/latest.log'));
    await w.ingest('logs');
    await w.ingest('logs/latest.log');
    expect(await w.total()).toBe(120);
  });
});

describe('impossible numbers and hostile lines', () => {
  it('skips counts that are not safe integers or are implausibly large; reports never overflow', async () => {
    const exec = (input: number | string, output: number) =>
      `{"type":"thread.started","thread_id":"t${input}"}\n{"type":"turn.completed","usage":{"input_tokens":${input},"output_tokens":${output}}}\n`;
    const w = workspace({
      'a.jsonl':
        exec('1e30', 1) +
        exec(1014.75, 1) +
        exec('4611686018427387904', 0) +
        exec('4611686018427387904', 1) +
        exec(-5, 1) +
        exec(100, 1),
      'b.log': 'tokens used: 99999999999999999999\n',
    });
    const { json } = await w.ingest('.');
    expect(json.newTokens).toBe(101);
    expect(json.skipped['implausible-number']).toBe(6);
    for (const by of ['day', 'file', 'month'])
      expect((await w.report('--by', by)).total.tokens).toBe(101);
  });

  it('honours a configured ceiling per event', async () => {
    const w = workspace({
      'radar.json': JSON.stringify({ tokens: { maxEventTokens: 1000 } }),
      'a.log': 'tokens used: 999\ntokens used: 1001\n',
    });
    const r = await w.cli(['--config', w.path('radar.json'), 'ingest', 'a.log']);
    const json = JSON.parse(r.stdout) as IngestJson;
    expect(json.newTokens).toBe(999);
    expect(json.skipped['implausible-number']).toBe(1);
  });

  it('skips one pathological line and keeps the rest of its file', async () => {
    const deep = `{"type":"result","usage":{"input_tokens":1,"output_tokens":1},"session_id":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const w = workspace({
      'runs.log': `tokens used: 10\n${deep}\n[${deep}]\ntokens used: 20\n`,
    });
    const { json } = await w.ingest('runs.log');
    expect(json.newTokens).toBe(30);
    expect(json.linesSkipped).toBeGreaterThan(0);
  });
});

describe('concurrent ingests', () => {
  it('never double-count: the second waits its turn or exits 75', async () => {
    const files: Record<string, string> = {};
    let truth = 0;
    for (let f = 0; f < 40; f++) {
      let text = '';
      for (let r = 0; r < 200; r++) {
        const n = f * 1000 + r + 1;
        truth += n;
        text += `=== run ${r} ===\n${'output line\n'.repeat(20)}tokens used: ${n}\n`;
      }
      files[`logs/job-${f}.log`] = text;
    }
    const w = workspace(files);
    for (let trial = 0; trial < 3; trial++) {
      const runs: CliResult[] = await Promise.all([
        w.cli(['ingest', 'logs']),
        w.cli(['ingest', 'logs']),
      ]);
      for (const r of runs) expect([0, 75]).toContain(r.code);
      expect(runs.some((r) => r.code === 0)).toBe(true);
      for (const r of runs.filter((x) => x.code === 75))
        expect(r.stderr).toMatch(/another radar ingest is running/);
      expect(await w.total()).toBe(truth);
    }
  });
});
