import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgLedger } from '../../../src/ledger/pg/pg-ledger.js';
import { PgSyncClient } from '../../../src/ledger/pg/sync-client.js';
import { ingestFiles } from '../../../src/tokens/ingest.js';
import { emptySummary } from '../../../src/tokens/ingest-summary.js';
import { CLI, tempTree } from '../../helpers/cli.js';
import { freshPgSchema } from '../../helpers/pg.js';

/**
 * Two machines plan the same new log (synced to both) at the same moment: A has planned it (no
 * source knew it), then B ingests it whole, then A writes what it read. The log counts once.
 */
let tree: ReturnType<typeof tempTree>;
let pg: ReturnType<typeof freshPgSchema>;
beforeAll(() => {
  tree = tempTree();
  pg = freshPgSchema();
  openPgLedger(pg.url).close();
});
afterAll(() => {
  tree.cleanup();
  pg.drop();
});

function total(): number {
  const c = new PgSyncClient(pg.url);
  try {
    return c.query<{ n: number }>(`SELECT coalesce(sum(total), 0) AS n FROM token_events`).rows[0]!
      .n;
  } finally {
    c.close();
  }
}

async function race(name: string, content: string): Promise<void> {
  const [a, b] = [join(tree.dir, 'a', name), join(tree.dir, 'b', name)];
  for (const p of [a, b]) {
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content);
  }
  const ledger = openPgLedger(pg.url);
  try {
    ledger.tokens.registerMachine({ id: 'id-a', name: 'a' }, Date.now());
    let raced = false;
    await ingestFiles(
      [a],
      {
        store: ledger.tokens,
        machine: 'id-a',
        bucketFor: () => 'default',
        zone: 'UTC',
        now: () => Date.now(),
        threads: 'never',
        // A has planned the file; B ingests its copy before A writes.
        onFile: () => {
          if (raced) return;
          raced = true;
          const r = spawnSync(process.execPath, [CLI, 'ingest', b], {
            env: {
              PATH: process.env.PATH,
              HOME: tree.dir,
              RADAR_LEDGER: pg.url,
              RADAR_MACHINE_ID: 'id-b',
              TZ: 'UTC',
            },
            encoding: 'utf8',
          });
          expect(r.stderr).toBe('');
          expect(r.status).toBe(0);
        },
      },
      emptySummary(),
    );
    expect(raced).toBe(true);
  } finally {
    ledger.close();
  }
}

describe('two machines planning the same new log at once', () => {
  it('count a text log that names no session once', async () => {
    const before = total();
    await race(
      'nightly.log',
      '[2025-07-20T12:34:56] tokens used: 1234\n[2025-07-20T13:00:00] tokens used: 2000\n',
    );
    expect(total() - before).toBe(3234);
  });

  it('count a Claude transcript whose responses carry no message id once', async () => {
    const line = (n: number) =>
      JSON.stringify({
        type: 'assistant',
        timestamp: `2025-07-20T12:0${n}:00Z`,
        sessionId: '6f1f7c8e-0000-4000-8000-00000000000a',
        message: { model: 'claude-sonnet-4', usage: { input_tokens: 100 * n, output_tokens: 10 } },
      });
    const before = total();
    await race('session.jsonl', `${line(1)}\n${line(2)}\n`);
    expect(total() - before).toBe(100 + 10 + 200 + 10);
  });
});
