import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/demo/corpus.js';
import { runCli } from '../helpers/cli.js';

/**
 * The shipped executable reads a large first ingest on a worker thread, which it starts from a
 * file beside its own chunks (dist/bin/parse-worker.js): a corpus past the threshold (64 MB)
 * must come out exact through it, and a second run must find every file unchanged.
 */

const dir = mkdtempSync(join(tmpdir(), 'radar-bundle-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('radar ingest of a corpus large enough for worker threads', () => {
  it("counts the generator's truth exactly, then finds every file unchanged", async () => {
    const logs = join(dir, 'logs');
    const truth = await generateCorpus(logs, {
      seed: 3,
      now: new Date('2026-06-15T12:00:00Z'),
      targetBytes: 72_000_000,
    });
    const ledger = join(dir, 'l.db');
    const ingest = async () => {
      const r = await runCli(['--ledger', ledger, '--json', 'ingest', logs], {
        cwd: dir,
        timeoutMs: 120_000,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as {
        filesSeen: number;
        filesRead: number;
        filesUnchanged: number;
        bytesRead: number;
        newEvents: number;
        newTokens: number;
      };
    };
    const first = await ingest();
    expect(first.bytesRead).toBeGreaterThan(64 << 20);
    expect({ events: first.newEvents, tokens: first.newTokens }).toEqual({
      events: truth.events,
      tokens: truth.tokens,
    });
    const again = await ingest();
    expect(again).toMatchObject({ filesRead: 0, filesUnchanged: first.filesRead, newTokens: 0 });
  });
});
