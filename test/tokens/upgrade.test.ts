import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { TokenStore } from '../../src/ledger/token-store.js';
import { bucketResolver } from '../../src/tokens/bucket.js';
import {
  collectFiles,
  emptySummary,
  ingestFiles,
  type IngestSummary,
} from '../../src/tokens/ingest.js';

/**
 * A ledger written by a radar from before launcher markers were fingerprinted by their content
 * (`codex-text` and `codex-exec-json` markers, and Claude responses without a message id, were
 * known by lineage and offset), then a compressed
 * rotation of the log it read: the rotation is read whole under the log's lineage, and its
 * markers must not count again.
 */

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const TEXT_LOG = [
  '[2026-11-02T03:00:01] OpenAI Codex v0.50.0 (research preview)',
  'session id: 0b3f6c1e-1111-4222-8333-944455556666',
  'tokens used',
  '12,400',
  '[2026-11-03T03:00:01] OpenAI Codex v0.50.0 (research preview)',
  'session id: 0b3f6c1e-7777-4888-8999-aaaabbbbcccc',
  'tokens used',
  '3,100',
  '',
].join('\n');

const JSON_LOG = [
  '{"type":"thread.started","thread_id":"0b3f6c1e-dddd-4eee-8fff-000011112222"}',
  '{"type":"turn.completed","usage":{"input_tokens":5000,"cached_input_tokens":1000,"output_tokens":300}}',
  '',
].join('\n');

/** A Claude transcript whose responses carry no message id (known by where they stand). */
const CLAUDE_LOG = [1, 2]
  .map((n) =>
    JSON.stringify({
      type: 'assistant',
      timestamp: `2026-11-02T04:0${n}:00Z`,
      sessionId: '0b3f6c1e-eeee-4fff-8000-111122223333',
      message: { model: 'claude-sonnet-4', usage: { input_tokens: 700 * n, output_tokens: 40 } },
    }),
  )
  .concat('')
  .join('\n');

/** Ingests the logs folder in-process into the ledger; returns the summary and the counted total. */
async function ingest(ledger: string, root: string) {
  const db = openLedger(ledger);
  try {
    const summary: IngestSummary = emptySummary();
    await ingestFiles(
      await collectFiles([join(root, 'logs')], summary.unreadable),
      {
        store: new TokenStore(db),
        machine: 'test-machine',
        bucketFor: bucketResolver([], root),
        zone: 'UTC',
        now: () => 0,
        threads: 'never',
      },
      summary,
    );
    const { total } = db
      .prepare(`SELECT coalesce(sum(total), 0) AS total FROM token_events WHERE counted = 1`)
      .get() as { total: number };
    return { summary, total };
  } finally {
    db.close();
  }
}

/** Gives the launcher markers the fingerprints the older radar gave them: format, lineage, offset. */
function asOlderRadarWroteIt(ledger: string): number {
  const db = openLedger(ledger);
  try {
    return db
      .prepare(
        `UPDATE token_events SET fingerprint = format || ':' ||
           (SELECT lineage FROM token_sources s WHERE s.id = token_events.source_id) || ':' || source_offset
         WHERE format IN ('codex-text', 'codex-exec-json')
           OR (format = 'claude-transcript' AND fingerprint NOT LIKE 'claude-msg:%')`,
      )
      .run().changes;
  } finally {
    db.close();
  }
}

describe('a compressed rotation after the upgrade', () => {
  it.each([
    ['compressed and the original removed (logrotate compress)', false],
    ['compressed beside the original (a copy kept)', true],
  ])('%s: its markers count once', async (_name, keepOriginal) => {
    const root = mkdtempSync(join(tmpdir(), 'radar-upgrade-'));
    dirs.push(root);
    const ledger = join(root, 'ledger.db');
    const logs = join(root, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'nightly.log'), TEXT_LOG);
    writeFileSync(join(logs, 'nightly-json.jsonl'), JSON_LOG);
    writeFileSync(join(logs, 'transcript.jsonl'), CLAUDE_LOG);
    const first = await ingest(ledger, root);
    expect(first.total).toBe(12_400 + 3_100 + 5_300 + 740 + 1_440);
    expect(asOlderRadarWroteIt(ledger)).toBe(5);

    for (const log of ['nightly.log', 'nightly-json.jsonl', 'transcript.jsonl']) {
      writeFileSync(join(logs, `${log}.1.gz`), gzipSync(readFileSync(join(logs, log))));
      if (!keepOriginal) rmSync(join(logs, log));
    }
    const after = await ingest(ledger, root);
    expect(after.summary.unreadable).toEqual([]);
    expect(after.summary.filesRead).toBe(3);
    expect(after.summary.newTokens).toBe(0);
    expect(after.total).toBe(first.total);
    // And the next run finds nothing new either.
    expect((await ingest(ledger, root)).total).toBe(first.total);
  });
});
