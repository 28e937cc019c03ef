import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import type * as Pool from '../../src/tokens/pool.js';
import type * as ParseFile from '../../src/tokens/parse-file.js';
import type * as Wire from '../../src/tokens/wire.js';

// The built modules: worker threads load dist/src/tokens/parse-worker.js (`npm test` builds first).
const dist = (path: string) => join(ROOT, 'dist', path);

/**
 * The parser pool spreads files over its worker threads and the main thread: every job gets the
 * result the inline parse gives, in whatever lane it ran, and one job's failure is its own.
 */

const dir = mkdtempSync(join(tmpdir(), 'radar-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parser pool', () => {
  it.each([1, 2])(
    'gives every job the inline result with %i workers, whether a worker or the main thread parsed it',
    async (workers) => {
      const { workerPool } = (await import(dist('src/tokens/pool.js'))) as typeof Pool;
      const { parseFile } = (await import(dist('src/tokens/parse-file.js'))) as typeof ParseFile;
      const { resultOf } = (await import(dist('src/tokens/wire.js'))) as typeof Wire;
      const jobs = Array.from({ length: 12 }, (_, i) => {
        const path = join(dir, `job-${i}.log`);
        const runs = Array.from(
          { length: i + 1 },
          (_, r) => `[2026-06-1${r % 9}T10:00:00Z] tokens used: ${i * 100 + r + 1}\n`,
        );
        writeFileSync(path, runs.join(''));
        return {
          path,
          from: 0,
          encoding: 'plain' as const,
          lineage: `l${i}`,
          zone: 'UTC',
          mtimeMs: 0,
        };
      });
      const missing = { ...jobs[0]!, path: join(dir, 'gone.log') };
      const pool = workerPool(workers);
      try {
        const settled = await Promise.allSettled([...jobs, missing].map((job) => pool.parse(job)));
        for (const [i, job] of jobs.entries()) {
          const answer = settled[i]!;
          expect(answer.status).toBe('fulfilled');
          const result = answer.status === 'fulfilled' ? resultOf(answer.value) : undefined;
          expect(result).toEqual(await parseFile(job));
        }
        expect(settled[jobs.length]).toMatchObject({ status: 'rejected' });
      } finally {
        await pool.close();
      }
      await expect(pool.parse(jobs[0]!)).rejects.toThrow(/closed/);
    },
  );
});
