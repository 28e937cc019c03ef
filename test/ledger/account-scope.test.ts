import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { UsageStore } from '../../src/ledger/usage-store.js';
import { tempLedger, type TempLedger } from '../dispatch/helpers.js';
import type { AccountScope } from '../../src/core/dispatch.js';

/**
 * An agent's week split by account: a session's tokens count for its recorded account, tokens
 * of no recorded account for the first; no scope is the agent's whole.
 */

let t: TempLedger;
beforeEach(() => {
  t = tempLedger();
  const esc = t.db.prepare(
    `INSERT INTO escalations (id, node_id, repo, number, agent, started_at, outcome, account, reserved)
     VALUES (?, 'n', 'a/b', 1, 'claude', 10, ?, ?, ?)`,
  );
  esc.run(1, 'succeeded', 'main', null);
  esc.run(2, 'succeeded', 'backup', null);
  esc.run(3, 'running', 'backup', 700);
  const ev = t.db.prepare(
    `INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total, escalation_id, counted)
     VALUES (?, 10, 'event', 'claude', 'b', 'f', ?, ?, 1)`,
  );
  ev.run('e1', 100, 1);
  ev.run('e2', 200, 2);
  ev.run('e3', 40, null);
  // Read from the backup account's own folder (its source's path), no session tied.
  t.db
    .prepare(
      `INSERT INTO token_sources (id, lineage, path, head_hash, head_len, size, offset, first_seen, last_ingested)
       VALUES (7, 'l', '/h/.claude-backup/projects/x.jsonl', 'h', 0, 0, 0, 1, 1)`,
    )
    .run();
  t.db
    .prepare(
      `INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total, source_id, counted)
       VALUES ('e4', 10, 'event', 'claude', 'b', 'f', 8, 7, 1)`,
    )
    .run();
  const sample = t.db.prepare(
    `INSERT INTO rate_limit_samples (provider, window_minutes, used_percent, resets_at, at, source_path)
     VALUES ('codex', 10080, ?, 999, ?, ?)`,
  );
  sample.run(30, 4, '/h/.codex/sessions/a.jsonl');
  sample.run(70, 5, '/h/.codex-backup/sessions/b.jsonl');
});
afterEach(() => t.cleanup());

describe('account scope', () => {
  const folders = [{ agent: 'claude', account: 'backup', prefix: '/h/.claude-backup/' }];
  it.each<[string, AccountScope | undefined, number, number]>([
    ['the agent as a whole', undefined, 348, 700],
    ['the first account: its sessions and untied tokens', { name: 'main', first: true }, 148, 0],
    ['the second account: its sessions only', { name: 'backup', first: false }, 200, 700],
    [
      "the first account, the backup's folder known: not the backup's own events",
      { name: 'main', first: true, folders },
      140,
      0,
    ],
    [
      'the second account, its folder known: its sessions and its own events',
      { name: 'backup', first: false, folders },
      208,
      700,
    ],
  ])('%s', async (_name, scope, counted, reserved) => {
    expect(await new UsageStore(t.db).countedTokens('claude', 0, 100, scope)).toBe(counted);
    expect(new DispatchStore(t.db).committed('claude', 0, 100, scope)).toEqual({
      counted,
      reserved,
    });
  });

  const codexFolders = [{ agent: 'codex', account: 'codex-backup', prefix: '/h/.codex-backup/' }];
  it.each<[string, AccountScope | undefined, number]>([
    ['no scope: the latest sample of any folder', undefined, 70],
    [
      'the first account: samples of no account folder',
      { name: 'codex', first: true, folders: codexFolders },
      30,
    ],
    [
      "the second account: its own folder's",
      { name: 'codex-backup', first: false, folders: codexFolders },
      70,
    ],
  ])('rate limits: %s', async (_name, scope, used) => {
    expect((await new UsageStore(t.db).latestRateLimit('codex', 10080, scope))?.usedPercent).toBe(
      used,
    );
  });
});
