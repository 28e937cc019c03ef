import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { MIGRATIONS } from '../../src/ledger/migrations.js';
import { PrStore } from '../../src/ledger/pr-store.js';
import { resolvePr } from '../../src/commands/pr-arg.js';
import { UsageError } from '../../src/core/errors.js';
import { runCli, runRadar, tempTree } from '../helpers/cli.js';
import { pr } from './fixtures.js';
import { displayWidth } from '../../src/render/table.js';

/** The rules' commands on a ledger without GitHub: bad arguments, ambiguity, the pinned clock. */

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function ledgerWith(prs: ReturnType<typeof pr>[]): string {
  const t = tempTree();
  cleanups.push(t.cleanup);
  const path = join(t.dir, 'radar.db');
  const db = openLedger(path);
  new PrStore(db).recordScan(
    {
      startedAt: 1,
      finishedAt: 2,
      status: 'ok',
      requests: 1,
      points: 1,
      remaining: null,
      resetAt: null,
      prsSeen: prs.length,
      changes: 0,
      errors: [],
    },
    prs,
    new Map(),
  );
  db.close();
  return path;
}

const two = () =>
  ledgerWith([
    pr({ nodeId: 'A', repo: 'acme/app', number: 7, ci: 'failing', failingChecks: ['build'] }),
    pr({ nodeId: 'B', repo: 'acme/lib', number: 7 }),
    pr({ nodeId: 'C', repo: 'acme/lib', number: 8 }),
  ]);
const NOW = { RADAR_NOW: '2026-06-15T12:00:00Z' };

describe('the PR a command argument names', () => {
  it.each([
    { text: 'acme/app#7', expected: /^A$/ },
    { text: 'https://github.com/acme/lib/pull/7', expected: /^B$/ },
    { text: '#8', expected: /^C$/ },
    { text: 'acme/app', expected: /^not a PR: "acme\/app"/ },
    { text: 'acme/app#99', expected: /^acme\/app#99 is not in the ledger/ },
    { text: '#99', expected: /^#99 is not in the ledger/ },
    { text: '#7', expected: /^#7 is ambiguous: say which one$/ },
  ])('$text', ({ text, expected }) => {
    const db = openLedger(two(), { readonly: true });
    try {
      const outcome = (() => {
        try {
          return resolvePr(new PrStore(db), text).nodeId;
        } catch (e) {
          return e instanceof UsageError ? e.message : e;
        }
      })();
      expect(outcome).toMatch(expected);
    } finally {
      db.close();
    }
  });
});

describe('radar explain, stop and resume: arguments', () => {
  it.each([
    [['stop', '#7'], /#7 is ambiguous: say which one/],
    [['resume'], /say which PR to resume/],
  ])('%j exits 2 with one clear message', async (args, message) => {
    const r = await runRadar(['--ledger', two(), ...args], { env: NOW });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('lists the candidates of an ambiguous number', async () => {
    const r = await runRadar(['--ledger', two(), 'explain', '#7'], { env: NOW });
    expect(r.stderr).toContain('acme/app#7');
    expect(r.stderr).toContain('acme/lib#7');
  });

  it('takes a PR URL and an unambiguous #N', async () => {
    const ledger = two();
    const byUrl = await runRadar(
      ['--ledger', ledger, '--json', 'explain', 'https://github.com/acme/app/pull/7'],
      { env: NOW },
    );
    expect(JSON.parse(byUrl.stdout)).toMatchObject({
      pr: 'acme/app#7',
      tier: 'escalate',
      route: 'codex',
    });
    const byNumber = await runRadar(['--ledger', ledger, '--json', 'explain', '#8'], { env: NOW });
    expect(JSON.parse(byNumber.stdout)).toMatchObject({ pr: 'acme/lib#8', tier: 'watch' });
  });

  it('fits `radar queue` to a 60-column terminal, CJK titles measured in cells', async () => {
    const ledger = ledgerWith([
      pr({
        nodeId: 'J',
        number: 3,
        title: '修正：日本語のタイトルが長すぎて端末の幅を超える問題 🚀',
      }),
      pr({ nodeId: 'K', repo: 'acme/lib', number: 4, title: '中文标题也应该按显示宽度截断' }),
    ]);
    const r = await runCli(['--ledger', ledger, 'queue'], { env: { ...NOW, COLUMNS: '60' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(lines[0]).toMatch(/^PR +tier +title +age +CI$/);
    expect(r.stdout).toContain('acme/app#3');
    expect(r.stdout).toContain('修正：日本語');
    expect(r.stdout).not.toContain('J');
  });

  it('refuses a RADAR_NOW that is not a time', async () => {
    const r = await runRadar(['--ledger', two(), 'report', 'queue'], {
      env: { RADAR_NOW: 'yesterday' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/RADAR_NOW is not a time: "yesterday"/);
  });

  it('judges age against the pinned clock: the same PR is a zombie a month later', async () => {
    const ledger = ledgerWith([
      pr({ nodeId: 'Z', mergeable: 'conflicting', createdAt: '2026-06-01T00:00:00Z' }),
    ]);
    const now = await runRadar(['--ledger', ledger, '--json', 'explain', 'acme/app#1'], {
      env: NOW,
    });
    expect(JSON.parse(now.stdout).tier).toBe('escalate');
    const later = await runRadar(['--ledger', ledger, '--json', 'explain', 'acme/app#1'], {
      env: { RADAR_NOW: '2026-07-15T12:00:00Z' },
    });
    expect(JSON.parse(later.stdout).tier).toBe('zombie');
  });

  it('resume --permissions forgets the writes GitHub denied in a repository', async () => {
    const ledger = two();
    const db = new Database(ledger);
    db.prepare(
      `INSERT INTO permission_boundaries VALUES ('acme/app', 'comment', 1, 403, 'Resource not accessible')`,
    ).run();
    db.close();
    const r = await runRadar(['--ledger', ledger, 'resume', '--permissions', 'acme/app'], {
      env: NOW,
    });
    expect(r.stdout).toMatch(/acme\/app: forgot 1 denied write/);
    const again = await runRadar(['--ledger', ledger, 'resume', '--permissions', 'acme/app'], {
      env: NOW,
    });
    expect(again.stdout).toMatch(/no denied writes were recorded/);
  });
});

describe('migration 6 on a ledger written by the previous radar', () => {
  it('keeps every history row and lets a change be recorded outside a scan', () => {
    const t = tempTree();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'old.db');
    const old = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 5)) old.exec(sql);
    old.pragma('user_version = 5');
    old.prepare(`INSERT INTO scan_runs (started_at, status) VALUES (1, 'ok')`).run();
    old
      .prepare(
        `INSERT INTO pr_changes (scan_id, node_id, at, field, old_value, new_value) VALUES (1, 'PR_1', 5, 'ci', 'passing', 'failing')`,
      )
      .run();
    old.close();
    const db = openLedger(path);
    expect(db.prepare(`SELECT scan_id, field, new_value FROM pr_changes`).all()).toEqual([
      { scan_id: 1, field: 'ci', new_value: 'failing' },
    ]);
    db.prepare(
      `INSERT INTO pr_changes (scan_id, node_id, at, field) VALUES (NULL, 'PR_1', 6, 'tier')`,
    ).run();
    expect(db.prepare(`PRAGMA index_list(pr_changes)`).all().length).toBe(2);
    db.close();
  });
});
