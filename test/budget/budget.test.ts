import { copyFileSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pace } from '../../src/budget/pace.js';
import { ROOT, runRadar, tempTree } from '../helpers/cli.js';

const DAY = 86_400_000;
const start = Date.UTC(2026, 5, 8); // a Monday
const base = {
  windowStart: start,
  windowEnd: start + 7 * DAY,
  band: { min: 80, max: 100 },
  checkpoints: [
    { afterDays: 2, dayName: 'wednesday', below: 30 },
    { afterDays: 4, dayName: 'friday', above: 90 },
  ],
};
const at = (days: number, usedPercent: number) =>
  pace({ ...base, usedPercent, now: start + days * DAY, daysIntoWeek: Math.floor(days) });

describe('budget pacing', () => {
  it('compares used with the elapsed share of the week', () => {
    expect(at(3.5, 50)).toMatchObject({ expectedPercent: 50, verdict: 'on-pace' });
    expect(at(3.5, 70)).toMatchObject({ verdict: 'over' });
    expect(at(3.5, 35)).toMatchObject({ verdict: 'under' });
    expect(at(1, 100)).toMatchObject({ verdict: 'exhausted' });
  });
  it("applies the user's checkpoints from their day on", () => {
    expect(at(1.5, 10).advice ?? '').not.toContain('wednesday');
    expect(at(2.2, 25)).toMatchObject({
      verdict: 'under',
      advice: 'under 30% by wednesday: burn harder',
    });
    expect(at(4.1, 91)).toMatchObject({ verdict: 'over', advice: 'over 90% by friday: slow down' });
  });
});

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('radar budget', () => {
  it('prefers the rollout weekly window, then a usage command, then the ledger against a quota', async () => {
    const t = tempTree({
      'bin/codexbar':
        '#!/bin/sh\necho \'{"provider":"claude","usage":{"primary":{"usedPercent":3},"secondary":{"usedPercent":59,"windowMinutes":10080,"resetsAt":"2100-01-04T00:00:00Z"}}}\'\n',
      'bin/broken': '#!/bin/sh\necho not json\n',
      'config/radar.json': JSON.stringify({
        budget: {
          providers: [
            { name: 'codex', agent: 'codex' },
            {
              name: 'claude',
              agent: 'claude',
              usageCommand: 'codexbar usage --provider claude --format json',
            },
            {
              name: 'claude-work',
              agent: 'claude',
              usageCommand: 'broken',
              weeklyTokens: 1_000_000,
            },
            { name: 'nothing', agent: 'claude' },
          ],
        },
      }),
    });
    cleanups.push(t.cleanup);
    chmodSync(join(t.dir, 'bin/codexbar'), 0o755);
    chmodSync(join(t.dir, 'bin/broken'), 0o755);
    copyFileSync(
      join(ROOT, 'test/fixtures/rollout-z.jsonl.zst'),
      join(t.dir, 'rollout-z.jsonl.zst'),
    );
    writeFileSync(join(t.dir, 'claude.log'), '');
    const env = { PATH: `${join(t.dir, 'bin')}:${process.env.PATH}` };
    expect((await runRadar(['ingest', 'rollout-z.jsonl.zst'], { cwd: t.dir, env })).code).toBe(0);
    const r = await runRadar(['--json', 'budget'], { cwd: t.dir, env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { providers: Record<string, unknown>[] };
    const [codex, claude, work, nothing] = out.providers;
    expect(codex).toMatchObject({ usedPercent: 41.5, source: expect.stringContaining('rollout') });
    expect(claude).toMatchObject({
      usedPercent: 59,
      resetsAt: '2100-01-04T00:00:00.000Z',
      source: expect.stringContaining('usage command'),
    });
    expect(work).toMatchObject({
      usedPercent: 0,
      source: expect.stringContaining('ledger'),
      problems: ['usage command did not print JSON'],
    });
    expect(nothing).toMatchObject({ verdict: 'unknown', usedPercent: null });
    const table = await runRadar(['budget'], { cwd: t.dir, env });
    expect(table.stdout).toMatch(/codex\s+41\.5%/);
    expect(table.stderr).toContain('claude-work: usage command did not print JSON');
  });
});
