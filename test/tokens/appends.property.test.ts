import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { TokenStore } from '../../src/ledger/token-store.js';
import { bucketResolver } from '../../src/tokens/bucket.js';
import { emptySummary, ingestFiles } from '../../src/tokens/ingest.js';
import { freshLedgerAt } from '../helpers/ledger-ingest.js';

/**
 * However a log is written (in arbitrary pieces, cut mid-line, mid-number, between a `tokens used`
 * line and its number), ingesting after every piece counts exactly what one ingest of the whole
 * file counts.
 */

const textRun = (i: number, n: number) =>
  `=== 2026-06-${String(10 + (i % 9)).padStart(2, '0')}T10:00:00Z run ${i} ===\r\nworking\ntokens used\n${n.toLocaleString('en-US')}\n`;
const oldRun = (n: number) => `[2025-07-20T12:34:56] tokens used: ${n}\n`;
// One `codex exec --json` run: its turn.completed carries the thread's total so far.
const execTurn = (i: number, n: number) =>
  `{"type":"thread.started","thread_id":"0199a1b2-0000-7000-8000-${String(i).padStart(12, '0')}"}\n` +
  `{"type":"turn.completed","usage":{"input_tokens":${n},"cached_input_tokens":1,"output_tokens":7}}\n`;
const result = (i: number, n: number) =>
  `{"type":"result","subtype":"success","is_error":false,"session_id":"s${i}","usage":{"input_tokens":${n},"cache_creation_input_tokens":2,"cache_read_input_tokens":3,"output_tokens":4}}\n`;

const piece = fc.oneof(
  fc.tuple(fc.constant('text'), fc.integer({ min: 1, max: 2_000_000 })),
  fc.tuple(fc.constant('old'), fc.integer({ min: 1, max: 99_999 })),
  fc.tuple(fc.constant('exec'), fc.integer({ min: 1, max: 99_999 })),
  fc.tuple(fc.constant('result'), fc.integer({ min: 1, max: 99_999 })),
  fc.tuple(fc.constant('noise'), fc.integer({ min: 0, max: 3 })),
);

function render(pieces: [string, number][]): { text: string; tokens: number } {
  let text = '';
  let tokens = 0;
  pieces.forEach(([kind, n], i) => {
    if (kind === 'text') {
      text += textRun(i, n);
      tokens += n;
    } else if (kind === 'old') {
      text += oldRun(n);
      tokens += n;
    } else if (kind === 'exec') {
      text += execTurn(i, n);
      tokens += n + 7;
    } else if (kind === 'result') {
      text += result(i, n);
      tokens += n + 9;
    } else {
      const noise = [
        'tokens used in this run are reported below\n',
        '\n',
        'x'.repeat(300) + '\n',
        '{"type":"turn.started"}\n',
      ];
      text += noise[n];
    }
  });
  return { text, tokens };
}

async function ingestOnce(ledgerPath: string, file: string): Promise<number> {
  const db = openLedger(ledgerPath);
  const summary = emptySummary();
  await ingestFiles(
    [file],
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
  return summary.newTokens;
}

describe('ingest of a growing log', () => {
  it('counts the same, exactly once, whatever the append boundaries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-appends-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(piece, { minLength: 1, maxLength: 12 }),
          fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 10 }),
          async (pieces, cuts) => {
            const { text, tokens } = render(pieces as [string, number][]);
            const bytes = Buffer.from(text);
            const file = join(dir, `log-${run}.log`);
            const ledger = freshLedgerAt(join(dir, `ledger-${run++}.db`));
            writeFileSync(file, '');
            let total = 0;
            let at = 0;
            for (const step of cuts) {
              const end = Math.min(bytes.length, at + step);
              appendFileSync(file, bytes.subarray(at, end));
              at = end;
              total += await ingestOnce(ledger, file);
            }
            appendFileSync(file, bytes.subarray(at));
            total += await ingestOnce(ledger, file);
            expect(total).toBe(tokens);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000); // 150 ingests of growing logs: minutes on a loaded 2-core machine

  it('counts a growing Codex rollout and Claude transcript exactly, whatever the boundaries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-appends-json-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 10 }),
          fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 10 }),
          async (increments, cuts) => {
            // A rollout: cumulative totals (0 increments are re-emitted totals), turn contexts.
            let input = 0;
            let rollout = `{"timestamp":"2026-06-10T09:00:00.000Z","type":"session_meta","payload":{"id":"r${run}"}}\n`;
            increments.forEach((inc, i) => {
              if (i % 3 === 0)
                rollout += `{"timestamp":"2026-06-10T09:00:0${i % 10}.000Z","type":"turn_context","payload":{"model":"gpt-5.2-codex"}}\n`;
              input += inc;
              rollout += `{"timestamp":"2026-06-10T09:01:${String(i).padStart(2, '0')}.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":${input},"cached_input_tokens":0,"output_tokens":1,"reasoning_output_tokens":0,"total_tokens":${input + 1}}},"rate_limits":null}}\n`;
            });
            // A transcript: each response written twice, the second larger.
            let transcript = '';
            let claude = 0;
            increments.forEach((inc, i) => {
              for (const out of [1, inc + 1])
                transcript += `{"type":"assistant","sessionId":"s${run}","requestId":"q${i}","timestamp":"2026-06-12T08:00:00.000Z","message":{"id":"m${run}-${i}","model":"claude-opus-4-5-20251101","usage":{"input_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":${out}}}}\n`;
              claude += inc + 2;
            });
            const truth = input + 1 + claude;
            const files = [join(dir, `rollout-${run}.jsonl`), join(dir, `t-${run}.jsonl`)];
            const ledger = freshLedgerAt(join(dir, `ledger-${run++}.db`));
            const contents = [Buffer.from(rollout), Buffer.from(transcript)];
            files.forEach((f) => writeFileSync(f, ''));
            const at = [0, 0];
            let total = 0;
            const step = async (n: number | undefined) => {
              contents.forEach((bytes, k) => {
                const end = n === undefined ? bytes.length : Math.min(bytes.length, at[k]! + n);
                appendFileSync(files[k]!, bytes.subarray(at[k], end));
                at[k] = end;
              });
              for (const f of files) total += await ingestOnce(ledger, f);
            };
            for (const n of cuts) await step(n);
            await step(undefined);
            expect(total).toBe(truth);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
