import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/render/table.js';
import { runRadar, tempTree } from '../helpers/cli.js';

/**
 * A 60-column terminal, names in CJK (two cells a character): every command's table fits, the
 * compact set of columns under 80, and what a cut cell left out is said in full below.
 */
const NARROW = { COLUMNS: '60' };
const MODEL = '通義千問-最大モデル-二〇二六年版';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function temp(files: Record<string, string>) {
  const t = tempTree(files);
  cleanups.push(t.cleanup);
  return t.dir;
}

const wider = (text: string, width: number) =>
  text.split('\n').filter((line) => displayWidth(line) > width);
const headerOf = (text: string, first: string) =>
  text
    .split('\n')
    .find((l) => l.startsWith(first))!
    .trim()
    .split(/\s{2,}/);

/** A Claude Code transcript with one response of `model`. */
const transcript = (id: string, model: string, output: number) =>
  JSON.stringify({
    type: 'assistant',
    sessionId: `s-${id}`,
    requestId: `req-${id}`,
    timestamp: '2026-06-12T08:01:01.500Z',
    message: {
      id: `msg-${id}`,
      model,
      role: 'assistant',
      usage: { input_tokens: 2, cache_read_input_tokens: 1000, output_tokens: output },
    },
  }) + '\n';

describe('radar in a 60-column terminal', () => {
  it('report tokens --by model fits, a CJK model name cut by cells', async () => {
    const dir = temp({
      'projects/-home-dev/a.jsonl': transcript('a', MODEL, 50_000),
      'projects/-home-dev/b.jsonl': transcript('b', 'claude-opus-4-5-20251101', 20_000),
    });
    const ledger = join(dir, 'l.db');
    expect((await runRadar(['--ledger', ledger, 'ingest', '.'], { cwd: dir })).code).toBe(0);
    const r = await runRadar(['--ledger', ledger, 'report', 'tokens', '--by', 'model'], {
      cwd: dir,
      env: NARROW,
    });
    expect(r.code).toBe(0);
    expect(wider(r.stdout, 60)).toEqual([]);
    expect(headerOf(r.stdout, 'model')).toEqual(['model', 'tokens', 'share', 'est. API cost']);
    expect(r.stdout).toMatch(/^通義千問-最大モデル.* {2}51,002 {2,}\d/m);
    // The same report in a wide terminal has every column.
    const wide = await runRadar(['--ledger', ledger, 'report', 'tokens', '--by', 'model'], {
      cwd: dir,
    });
    expect(headerOf(wide.stdout, 'model')).toEqual([
      'model',
      'tokens',
      'share',
      'events',
      'est. API cost',
    ]);
  });

  it('budget fits, with the compact columns and a CJK provider name whole', async () => {
    const dir = temp({
      'projects/-home-dev/a.jsonl': transcript('a', 'claude-opus-4-5-20251101', 50_000),
      'config/radar.json': JSON.stringify({
        budget: {
          providers: [{ name: 'クロード仕事用', agent: 'claude', weeklyTokens: 1_000_000 }],
        },
      }),
    });
    expect((await runRadar(['ingest', 'projects'], { cwd: dir })).code).toBe(0);
    const r = await runRadar(['budget'], {
      cwd: dir,
      env: { ...NARROW, RADAR_NOW: '2026-06-12T12:00:00Z' },
    });
    expect(r.code).toBe(0);
    expect(wider(r.stdout, 60)).toEqual([]);
    expect(headerOf(r.stdout, 'provider')).toEqual([
      'provider',
      'used',
      'expected',
      'verdict',
      'runs out',
    ]);
    expect(r.stdout).toMatch(/^クロード仕事用 +\d+\.\d%/m);
  });

  it('doctor fits, and says in full below the table what it had to cut', async () => {
    // Repository names are ASCII on GitHub; the folders of their clones need not be.
    const dir = temp({
      'config/radar.json': JSON.stringify({
        watch: { repos: ['acme/app'] },
        repos: { 'acme/app': { clone: '~/ソースコード/アプリケーション' } },
      }),
    });
    const r = await runRadar(['doctor', '--offline'], { cwd: dir, env: NARROW });
    expect(r.code).toBe(1);
    expect(wider(r.stdout, 60)).toEqual([]);
    expect(headerOf(r.stdout, 'check')).toEqual(['check', 'status', 'detail']);
    expect(r.stdout).toMatch(/^clone acme\/app +FAIL +repos\["acme\/app"\]\.clone \S*…$/m);
    // The whole fix, its lines joined again.
    const below = r.stdout.slice(r.stdout.indexOf('\nclone acme/app:\n'));
    expect(below.replace(/\n {2}/g, ' ')).toContain(
      `${join(dir, 'ソースコード/アプリケーション')} does not exist: clone it there`,
    );
  });
});
