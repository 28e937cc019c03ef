import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { TokenStore } from '../../src/ledger/token-store.js';
import { bucketResolver } from '../../src/tokens/bucket.js';
import { emptySummary, ingestFiles, type IngestSummary } from '../../src/tokens/ingest.js';

/**
 * The real Codex 0.36 `exec` fixture (a human log and its rollout) ingested into a real ledger:
 * tied, the run counts once; with a second rollout that fits the log's header as well, the tie is
 * ambiguous, the log keeps counting as before and the summary says so.
 */

const FIXTURE = join(import.meta.dirname, '../fixtures/real/codex-0.36.0/exec');
const ROLLOUT =
  'codex-home/sessions/2026/12/06/rollout-2026-12-06T19-14-07-2125365a-6435-4f40-bd0b-054f1994b397.jsonl';
let work = '';

afterEach(() => rmSync(work, { recursive: true, force: true }));

async function ingest(files: string[]): Promise<{ summary: IngestSummary; counted: number }> {
  const db = openLedger(join(work, 'ledger.db'));
  try {
    const summary = emptySummary();
    const store = new TokenStore(db);
    await ingestFiles(
      files.map((f) => join(work, f)),
      {
        store,
        machine: 'test-machine',
        bucketFor: bucketResolver([], work),
        zone: 'UTC',
        now: () => 0,
        threads: 'never',
      },
      summary,
    );
    const row = db
      .prepare(`SELECT coalesce(sum(total), 0) AS n FROM token_events WHERE counted = 1`)
      .get() as { n: number };
    return { summary, counted: row.n };
  } finally {
    db.close();
  }
}

describe('tying a Codex 0.36 log to its rollout in the ledger', () => {
  it('counts the run once when one rollout fits', async () => {
    work = mkdtempSync(join(tmpdir(), 'radar-tie-'));
    cpSync(FIXTURE, work, { recursive: true });
    const { summary, counted } = await ingest(['logs/exec.log', ROLLOUT]);
    expect(counted).toBe(6752);
    expect(summary.ambiguousTies).toEqual([]);
  });

  it('leaves an ambiguous tie alone and reports it', async () => {
    work = mkdtempSync(join(tmpdir(), 'radar-tie-'));
    cpSync(FIXTURE, work, { recursive: true });
    // Another session started at the same moment in the same folder (its lines a millisecond
    // later, so its markers are its own).
    const twin = ROLLOUT.replace('2125365a', '3125365a');
    writeFileSync(
      join(work, twin),
      readFileSync(join(work, ROLLOUT), 'utf8')
        .replaceAll('2125365a', '3125365a')
        .replace(
          /\.(\d{3})Z/g,
          (_m, ms: string) => `.${String((Number(ms) + 1) % 1000).padStart(3, '0')}Z`,
        ),
    );
    const { summary, counted } = await ingest(['logs/exec.log', ROLLOUT, twin]);
    // The log's 3,680 and each rollout's 6,752: nothing tied, as before ties existed.
    expect(counted).toBe(3680 + 2 * 6752);
    // Each of the log's markers (running totals 2,240 and 3,680) fits a count of both rollouts.
    const marker = (total: number) => ({
      version: '0.36.0',
      cwd: '/tmp/radar-agents/exec/work',
      model: 'gpt-5',
      at: Date.parse('2026-12-06T19:14:06Z'),
      usage: { input: 0, cached: 0, output: 0, reasoning: 0, total, blendedOnly: true },
      markedAt: Date.parse('2026-12-06T19:14:07Z'),
    });
    expect(summary.ambiguousTies).toEqual([marker(2240), marker(3680)]);
  });
});
