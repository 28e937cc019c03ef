import {
  appendFileSync,
  symlinkSync,
  copyFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openLedger } from '../../src/ledger/open.js';
import { TokenStore } from '../../src/ledger/token-store.js';
import { bucketResolver } from '../../src/tokens/bucket.js';
import { emptySummary, ingestFiles } from '../../src/tokens/ingest.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runRadar, tempTree } from '../helpers/cli.js';

interface IngestJson {
  filesRead: number;
  filesUnchanged: number;
  newEvents: number;
  newTokens: number;
  linesSkipped: number;
  skipped: Record<string, number>;
  unreadable: { path: string }[];
  bytesRead: number;
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
  const ingest = async (...paths: string[]) => {
    const r = await runRadar(['--ledger', ledger, '--json', 'ingest', ...paths], { cwd: t.dir });
    expect(r.stderr).not.toMatch(/unexpected|Error:/);
    return { code: r.code, json: JSON.parse(r.stdout) as IngestJson, stderr: r.stderr };
  };
  const report = async (...args: string[]) => {
    const r = await runRadar(['--ledger', ledger, '--json', 'report', 'tokens', ...args], {
      cwd: t.dir,
    });
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as ReportJson;
  };
  return { dir: t.dir, path: (rel: string) => join(t.dir, rel), ingest, report };
}

const run = (stamp: string, tokens: string) =>
  `=== ${stamp} nightly ===\nreviewing PRs\nDone.\ntokens used\n${tokens}\n=== exit 0 ===\n`;

describe('radar ingest: a marker timed by its file', () => {
  it('takes the whole milliseconds of the mtime, so its roll-ups have whole slots, hours and days', async () => {
    const w = workspace({ 'logs/bare.log': 'tokens used: 4,321\n' });
    // 2026-06-11T10:07:30.123456Z: Linux keeps the fraction of a millisecond.
    const mtime = 1_781_172_450.123456;
    utimesSync(w.path('logs/bare.log'), mtime, mtime);
    expect((await w.ingest('logs')).json.newTokens).toBe(4321);
    const db = openLedger(join(w.dir, 'ledger.db'));
    try {
      const at = Math.floor(statSync(w.path('logs/bare.log')).mtimeMs);
      expect(db.prepare(`SELECT at, typeof(at) AS type FROM token_events`).get()).toEqual({
        at,
        type: 'integer',
      });
      for (const [table, column, ms] of [
        ['token_rollup_time', 'slot', 900_000],
        ['token_rollup_hour', 'hour', 3_600_000],
        ['token_rollup_day', 'day', 86_400_000],
      ] as const)
        expect(db.prepare(`SELECT ${column} AS k FROM ${table}`).get()).toEqual({
          k: Math.floor(at / ms),
        });
    } finally {
      db.close();
    }
  });
});

describe('radar ingest: text markers', () => {
  it('counts every Codex human-output era and ignores prose', async () => {
    const w = workspace({
      'logs/hourly-doctor-2026-06-11T10.log':
        run('2026-06-11T10:00:00Z', '12,345') +
        '[2025-07-20T12:34:56] tokens used: 2000\n' +
        'tokens used in this run are reported below\n' +
        'Tokens used: 1 234 567\n' +
        '\x1b[2mtokens used\x1b[0m\n\x1b[1m9,999\x1b[0m\n' +
        // a wrapper that stamps every line (ts, date -Is)
        '2026-06-12T09:00:00+02:00 tokens used\n2026-06-12T09:00:01+02:00 40,000\n',
    });
    const { json } = await w.ingest('logs');
    expect(json.newEvents).toBe(5);
    expect(json.newTokens).toBe(12_345 + 2000 + 1_234_567 + 9_999 + 40_000);
    const report = await w.report();
    expect(report.groups).toEqual([
      { key: 'hourly-doctor', tokens: 1_298_911, events: 5, unpricedTokens: 1_298_911 },
    ]);
    const days = await w.report('--by', 'day', '--tz', 'UTC');
    expect(days.groups.find((g) => g.key === '2026-06-12')).toMatchObject({ tokens: 40_000 });
  });

  it('takes time from the line, else the preceding timestamp, in the machine zone when zoneless', async () => {
    const w = workspace({
      'a.log':
        '[2025-07-20T23:30:00] tokens used: 10\n=== 2026-06-11T01:00:00+02:00 ===\ntokens used\n20\n',
    });
    await w.ingest('a.log');
    const byDay = await w.report('--by', 'day', '--tz', 'UTC');
    expect(byDay.groups.map((g) => [g.key, g.tokens]).sort()).toEqual([
      ['2025-07-20', 10],
      ['2026-06-10', 20],
    ]);
  });

  it('reads only new bytes when a file grows, and a marker split across two appends counts once', async () => {
    const w = workspace({ 'cron.log': run('2026-06-11T10:00:00Z', '100') + 'tokens used\n' });
    expect((await w.ingest('cron.log')).json.newTokens).toBe(100);
    appendFileSync(w.path('cron.log'), '250\n' + run('2026-06-11T11:00:00Z', '1,000'));
    const second = await w.ingest('cron.log');
    expect(second.json.newTokens).toBe(1250);
    expect(second.json.bytesRead).toBeLessThan(200);
    const third = await w.ingest('cron.log');
    expect(third.json).toMatchObject({ newEvents: 0, newTokens: 0, filesUnchanged: 1 });
    expect((await w.report()).total).toEqual({ tokens: 1350, events: 3, unpricedTokens: 1350 });
  });

  it('follows logrotate: rename + create, and copytruncate, without double counting', async () => {
    const w = workspace({ 'logs/nightly.log': run('2026-06-11T10:00:00Z', '100') });
    await w.ingest('logs');
    // create mode: the old file is renamed (same inode) and grew before rotation
    appendFileSync(w.path('logs/nightly.log'), run('2026-06-11T11:00:00Z', '200'));
    renameSync(w.path('logs/nightly.log'), w.path('logs/nightly.log.1'));
    writeFileSync(w.path('logs/nightly.log'), run('2026-06-12T10:00:00Z', '400'));
    expect((await w.ingest('logs')).json.newTokens).toBe(600);
    // copytruncate: the copy has a new inode and the original is emptied in place
    appendFileSync(w.path('logs/nightly.log'), run('2026-06-12T11:00:00Z', '800'));
    copyFileSync(w.path('logs/nightly.log'), w.path('logs/nightly.log.2'));
    truncateSync(w.path('logs/nightly.log'), 0);
    appendFileSync(w.path('logs/nightly.log'), run('2026-06-13T10:00:00Z', '1,600'));
    expect((await w.ingest('logs')).json.newTokens).toBe(2400);
    const report = await w.report();
    expect(report.total.tokens).toBe(3100);
    expect(report.groups.map((g) => g.key)).toEqual(['nightly']);
  });

  it('recognises a file moved by copy and delete (a new inode), and still counts its growth', async () => {
    const w = workspace({ 'old/cron.log': run('2026-06-11T10:00:00Z', '300') });
    await w.ingest('old');
    const moved = readFileSync(w.path('old/cron.log'));
    rmSync(w.path('old'), { recursive: true });
    writeFileSync(
      w.path('new-cron.log'),
      Buffer.concat([moved, Buffer.from(run('2026-06-11T11:00:00Z', '40'))]),
    );
    expect((await w.ingest('new-cron.log')).json).toMatchObject({ newTokens: 40, newEvents: 1 });
    // A byte-identical copy beside its original is not new usage.
    copyFileSync(w.path('new-cron.log'), w.path('copy.log'));
    expect((await w.ingest('copy.log')).json.newTokens).toBe(0);
    // It grows on its own: a later run appended to it counts.
    appendFileSync(w.path('copy.log'), run('2026-06-11T12:00:00Z', '5'));
    expect((await w.ingest('copy.log')).json.newTokens).toBe(5);
  });

  it('treats a file truncated and rewritten as new content', async () => {
    const w = workspace({ 'x.log': run('2026-06-11T10:00:00Z', '5,000') });
    await w.ingest('x.log');
    writeFileSync(w.path('x.log'), run('2026-06-12T10:00:00Z', '7'));
    expect((await w.ingest('x.log')).json.newTokens).toBe(7);
    expect((await w.report()).total.tokens).toBe(5007);
  });
});

const rollout = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
const tokenCount = (
  ts: string,
  input: number,
  cached: number,
  output: number,
  limits: object | null = null,
) => ({
  timestamp: ts,
  type: 'event_msg',
  payload: {
    type: 'token_count',
    info: {
      total_token_usage: {
        input_tokens: input,
        cached_input_tokens: cached,
        output_tokens: output,
        reasoning_output_tokens: 0,
        total_tokens: input + output,
      },
      last_token_usage: {
        input_tokens: 1,
        cached_input_tokens: 0,
        output_tokens: 1,
        total_tokens: 2,
      },
    },
    rate_limits: limits,
  },
});

describe('radar ingest: Codex rollouts and JSON streams', () => {
  const parent = [
    { timestamp: '2026-06-10T09:00:00.000Z', type: 'session_meta', payload: { id: 'p1' } },
    {
      timestamp: '2026-06-10T09:00:01.000Z',
      type: 'turn_context',
      payload: { model: 'gpt-5.2-codex' },
    },
    // Tool output that mentions the markers' words is not a marker.
    {
      timestamp: '2026-06-10T09:00:01.500Z',
      type: 'response_item',
      payload: {
        type: 'function_call_output',
        output: 'connection_count=3 token_count "usage" turn_context',
      },
    },
    tokenCount('2026-06-10T09:00:02.000Z', 2500, 500, 300),
    tokenCount('2026-06-10T09:00:03.000Z', 2500, 500, 300), // re-emitted, unchanged
    {
      timestamp: '2026-06-10T09:00:04.000Z',
      type: 'event_msg',
      payload: { type: 'token_count', info: null, rate_limits: null },
    },
    tokenCount('2026-06-10T09:00:05.000Z', 3500, 750, 425),
  ];

  it('counts deltas of the cumulative total once across archived copies, forks and .zst', async () => {
    const fork = [
      { timestamp: '2026-06-10T10:00:00.000Z', type: 'session_meta', payload: { id: 'f1' } },
      ...parent.slice(1),
      tokenCount('2026-06-10T10:00:05.000Z', 5000, 1000, 1000),
    ];
    const w = workspace({
      'codex/sessions/2026/06/10/rollout-a.jsonl': rollout(parent),
      'codex/archived_sessions/rollout-a.jsonl': rollout(parent),
      'codex/sessions/2026/06/10/rollout-fork.jsonl': rollout(fork),
    });
    // A compressed archived copy (a fixture: 1,200 then 4,700 cumulative, weekly window 41.5%).
    copyFileSync(
      join(ROOT, 'test/fixtures/rollout-z.jsonl.zst'),
      w.path('codex/archived_sessions/rollout-z.jsonl.zst'),
    );
    copyFileSync(
      join(ROOT, 'test/fixtures/rollout-z.jsonl.zst'),
      w.path('codex/archived_sessions/rollout-z-copy.jsonl.zst'),
    );
    const { json } = await w.ingest('codex');
    expect(json.newTokens).toBe(6000 + 4700);
    expect(json.newEvents).toBe(5);
    const byModel = await w.report('--by', 'model');
    expect(byModel.groups).toMatchObject([
      { key: 'gpt-5.2-codex', tokens: 6000, events: 3 },
      { key: 'gpt-5.1-codex-max', tokens: 4700, events: 2 },
    ]);
    expect((await w.report()).groups.map((g) => g.key)).toEqual(['codex-session']);
    expect((await w.ingest('codex')).json).toMatchObject({ newTokens: 0, filesRead: 0 });
  });

  it('skips malformed lines, counts them, and keeps everything else', async () => {
    const w = workspace({
      'exec.jsonl':
        '{"type":"thread.started","thread_id":"t"}\n' +
        '{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10}}\n' +
        '{"type":"turn.completed","usage":{"input_tokens":\n' +
        // turn.completed carries the thread's total so far: this turn adds 10
        '{"type":"turn.completed","usage":{"input_tokens":107,"cached_input_tokens":40,"output_tokens":13}}\n',
    });
    const { json } = await w.ingest('exec.jsonl');
    expect(json).toMatchObject({
      newEvents: 2,
      newTokens: 120,
      linesSkipped: 1,
      skipped: { 'malformed-json': 1 },
    });
  });

  it('survives a single line far larger than memory should hold', async () => {
    const w = workspace({ 'big.jsonl': '' });
    const huge = '{"type":"response_item","payload":{"text":"' + 'x'.repeat(20 << 20) + '"}}\n';
    writeFileSync(
      w.path('big.jsonl'),
      huge + '{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":5}}\n',
    );
    const { json } = await w.ingest('big.jsonl');
    expect(json).toMatchObject({ newTokens: 10, skipped: { 'oversized-line': 1 } });
  });

  it('reports an unreadable file or folder and still ingests the rest', async () => {
    // Unreadable even for root (CI runs as root): a link to a deleted log, a link loop, a path
    // that is not there.
    const w = workspace({ 'ok.log': 'tokens used: 42\n', 'gone.log': 'tokens used: 1\n' });
    symlinkSync(w.path('gone.log'), w.path('latest.log'));
    rmSync(w.path('gone.log'));
    symlinkSync(w.path('loop'), w.path('loop'));
    const r = await runRadar(['--ledger', w.path('l.db'), '--json', 'ingest', '.', 'missing.log'], {
      cwd: w.dir,
    });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as IngestJson;
    expect(json.newTokens).toBe(42);
    expect(json.unreadable.map((u) => u.path.replace(/.*\//, '')).sort()).toEqual([
      'latest.log',
      'loop',
      'missing.log',
    ]);
    expect(r.stderr).toMatch(/cannot read .*latest\.log: broken link/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('names a file that vanished between listing and reading, and commits the rest', async () => {
    const w = workspace({ 'a.log': 'tokens used: 5\n', 'b.gz': gzipSync('tokens used: 6\n') });
    const db = openLedger(w.path('l.db'));
    const summary = emptySummary();
    await ingestFiles(
      [w.path('a.log'), w.path('b.gz'), w.path('vanished.log')],
      {
        store: new TokenStore(db),
        machine: 'test-machine',
        bucketFor: bucketResolver([], '/'),
        zone: 'UTC',
        now: () => 0,
      },
      summary,
    );
    db.close();
    expect(summary.newTokens).toBe(11);
    expect(summary.unreadable).toEqual([
      { path: w.path('vanished.log'), error: 'the file disappeared before it could be read' },
    ]);
  });
});

describe('radar ingest: Claude', () => {
  const line = (id: string, req: string, output: number, model = 'claude-opus-4-5-20251101') =>
    JSON.stringify({
      type: 'assistant',
      sessionId: 's',
      requestId: req,
      timestamp: '2026-06-12T08:01:01.500Z',
      message: {
        id,
        model,
        role: 'assistant',
        usage: {
          input_tokens: 2,
          cache_creation_input_tokens: 100,
          cache_read_input_tokens: 1000,
          output_tokens: output,
        },
      },
    }) + '\n';

  it('keeps the largest of a response written several times, skips synthetic lines, counts subagents', async () => {
    const w = workspace({
      'claude/projects/-home-dev/s.jsonl':
        line('m1', 'r1', 5) + line('m1', 'r1', 159) + line('m2', 'r2', 9, '<synthetic>'),
      'claude/projects/-home-dev/s/subagents/agent-1.jsonl': line('m3', 'r3', 8),
    });
    const { json } = await w.ingest('claude');
    expect(json.newTokens).toBe(1102 + 159 + 1102 + 8);
    // A partial line re-read after the full one never lowers or double counts.
    appendFileSync(w.path('claude/projects/-home-dev/s.jsonl'), line('m1', 'r1', 20));
    expect((await w.ingest('claude')).json.newTokens).toBe(0);
    expect((await w.report()).groups).toMatchObject([{ key: 'claude-session', events: 2 }]);
  });

  it('counts claude -p results and only the result of a stream-json run', async () => {
    const result = {
      type: 'result',
      subtype: 'success',
      is_error: false,
      num_turns: 6,
      session_id: 'abc',
      total_cost_usd: 0.41,
      usage: {
        input_tokens: 41,
        cache_creation_input_tokens: 18220,
        cache_read_input_tokens: 96115,
        output_tokens: 2318,
      },
      modelUsage: { 'claude-opus-4-5-20251101': { inputTokens: 41, outputTokens: 2318 } },
    };
    const w = workspace({
      'claude-fixer.log': `=== 2026-06-11T10:00:00Z ===\n${JSON.stringify(result)}\n`,
      'stream.jsonl':
        '{"type":"system","subtype":"init","session_id":"x"}\n' +
        JSON.stringify({
          type: 'assistant',
          session_id: 'x',
          message: { id: 'm', usage: { input_tokens: 5, output_tokens: 5 } },
        }) +
        '\n' +
        JSON.stringify({ ...result, session_id: 'x' }) +
        '\n',
    });
    const { json } = await w.ingest('.');
    expect(json.newEvents).toBe(2);
    expect(json.newTokens).toBe(2 * 116_694);
    // --output-format json --verbose: the whole run as one array; the same run printed as a
    // plain result elsewhere is one run.
    const array = JSON.stringify([
      { type: 'system', subtype: 'init', session_id: 'v' },
      {
        type: 'assistant',
        session_id: 'v',
        message: { id: 'm', usage: { input_tokens: 5, output_tokens: 5 } },
      },
      { ...result, session_id: 'v' },
    ]);
    writeFileSync(w.path('verbose.json'), `${array}\n`);
    writeFileSync(w.path('same-run.log'), `${JSON.stringify({ ...result, session_id: 'v' })}\n`);
    expect((await w.ingest('verbose.json', 'same-run.log')).json).toMatchObject({
      newEvents: 1,
      newTokens: 116_694,
    });
  });
});

describe('radar ingest: buckets', () => {
  it('applies config rules first, --bucket over everything, and default stems otherwise', async () => {
    const w = workspace({
      'config/radar.json': JSON.stringify({
        tokens: { buckets: [{ match: 'triage-*.log', bucket: 'triage' }] },
      }),
      'logs/triage-2026-06-11.log': 'tokens used: 1\n',
      'logs/daily-macro-doctor.log': 'tokens used: 2\n',
      'other/x.log': 'tokens used: 4\n',
    });
    await w.ingest('logs');
    const r = await runRadar(
      ['--ledger', w.path('ledger.db'), 'ingest', '--bucket', 'manual', 'other'],
      { cwd: w.dir },
    );
    expect(r.code).toBe(0);
    const groups = (await w.report()).groups.map((g) => [g.key, g.tokens]);
    expect(groups).toEqual([
      ['manual', 4],
      ['daily-macro-doctor', 2],
      ['triage', 1],
    ]);
  });

  it('exits 2 when no given path exists', async () => {
    const w = workspace();
    const r = await runRadar(['--ledger', w.path('l.db'), 'ingest', 'nope'], { cwd: w.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope');
  });
});
