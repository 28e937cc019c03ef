import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { UsageStore } from '../../src/ledger/usage-store.js';
import { tempLedger, type TempLedger } from '../dispatch/helpers.js';

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
    `INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total, source_path, escalation_id, counted)
     VALUES (?, 10, 'event', 'claude', 'b', 'f', ?, 'p', ?, 1)`,
  );
  ev.run('e1', 100, 1);
  ev.run('e2', 200, 2);
  ev.run('e3', 40, null);
});
afterEach(() => t.cleanup());

describe('account scope', () => {
  it.each<[string, { name: string; first: boolean } | undefined, number, number]>([
    ['the agent as a whole', undefined, 340, 700],
    ['the first account: its sessions and untied tokens', { name: 'main', first: true }, 140, 0],
    ['the second account: its sessions only', { name: 'backup', first: false }, 200, 700],
  ])('%s', async (_name, scope, counted, reserved) => {
    expect(await new UsageStore(t.db).countedTokens('claude', 0, 100, scope)).toBe(counted);
    expect(new DispatchStore(t.db).committed('claude', 0, 100, scope)).toEqual({
      counted,
      reserved,
    });
  });
});
