import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRadar, tempTree } from '../helpers/cli.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function ledgerWith(files: Record<string, string>) {
  const t = tempTree(files);
  cleanups.push(t.cleanup);
  const ledger = join(t.dir, 'l.db');
  const r = await runRadar(['--ledger', ledger, 'ingest', '.'], { cwd: t.dir });
  expect(r.code).toBe(0);
  const report = async (...args: string[]) =>
    runRadar(['--ledger', ledger, 'report', 'tokens', ...args], { cwd: t.dir });
  return { report };
}

describe('radar report tokens', () => {
  it('groups days in the requested zone, correctly across a DST change', async () => {
    // New York springs forward on 2026-03-08: 04:30Z is 23:30 on the 7th, 05:30Z is 01:30 on the 8th,
    // and 2026-03-09T03:30Z is 23:30 on the 8th (EDT, -4h).
    const { report } = await ledgerWith({
      'a.log':
        '[2026-03-08T04:30:00Z] tokens used: 1\n[2026-03-08T05:30:00Z] tokens used: 10\n[2026-03-09T03:30:00Z] tokens used: 100\n',
    });
    const ny = JSON.parse(
      (await report('--json', '--by', 'day', '--tz', 'America/New_York')).stdout,
    );
    expect(ny.groups).toEqual([
      expect.objectContaining({ key: '2026-03-08', tokens: 110, events: 2 }),
      expect.objectContaining({ key: '2026-03-07', tokens: 1, events: 1 }),
    ]);
    const utc = JSON.parse((await report('--json', '--by', 'day', '--tz', 'UTC')).stdout);
    expect(utc.groups.map((g: { key: string }) => g.key).sort()).toEqual([
      '2026-03-08',
      '2026-03-09',
    ]);
    const week = JSON.parse(
      (await report('--json', '--by', 'week', '--tz', 'America/New_York')).stdout,
    );
    expect(week.groups.map((g: { key: string; tokens: number }) => [g.key, g.tokens])).toEqual([
      ['2026-03-02', 111],
    ]);
  });

  it('filters with --since/--until, prints a headed table, CSV, and sorts JSON groups by tokens', async () => {
    const { report } = await ledgerWith({
      'big-2026-06-01.log': '[2026-06-01T10:00:00Z] tokens used: 6,160,000\n',
      'small.log':
        '[2026-06-02T10:00:00Z] tokens used: 840\n[2026-06-03T10:00:00Z] tokens used: 160\n',
    });
    const json = JSON.parse((await report('--json')).stdout);
    expect(json.total).toMatchObject({ tokens: 6_161_000, events: 3 });
    expect(json.groups.map((g: { key: string }) => g.key)).toEqual(['big', 'small']);
    const table = await report();
    expect(table.stdout.split('\n')[0]).toBe(
      '6,161,000 tokens across 3 marked events; largest bucket: big (6,160,000, 100.0%)',
    );
    const since = JSON.parse(
      (await report('--json', '--since', '2026-06-02', '--until', '2026-06-03', '--tz', 'UTC'))
        .stdout,
    );
    expect(since.total).toMatchObject({ tokens: 840, events: 1 });
    const csv = await report('--csv', '--by', 'day', '--tz', 'UTC');
    expect(csv.stdout.split('\n')[0]).toBe('day,tokens,share,events,est_cost_usd');
    expect(csv.stdout).toContain('2026-06-01,6160000,');
    const bad = await report('--since', 'the day before');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since');
    expect((await report('--tz', 'Mars/Olympus')).code).toBe(2);
  });
});
