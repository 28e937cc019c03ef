import { readdirSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer.js';

/**
 * Files that leave nothing behind in their process (no module mock, no PostgreSQL connection):
 * they share worker processes one after another, with the modules a worker has already loaded,
 * instead of starting a process and loading radar again for each file (a third of the CPU time
 * of a small file). The child processes some of them start are theirs to end, as before. Every
 * other file keeps a process of its own.
 */
const SHARED_FOLDERS = [
  'budget',
  'cli',
  'config',
  'demo',
  'doctor',
  'fake-github',
  'github',
  'html',
  'logging',
  'outcomes',
  'render',
  'report',
  'rules',
  'scan',
  'scripts',
  'setup',
  'time',
  'tokens',
];
const SHARED = [
  ...SHARED_FOLDERS.map((folder) => `test/${folder}/**/*.test.ts`),
  // test/dispatch but the team on one PostgreSQL ledger (team-helpers.ts).
  ...readdirSync(new URL('./test/dispatch', import.meta.url))
    .filter((file) => file.endsWith('.test.ts') && !file.startsWith('team'))
    .map((file) => `test/dispatch/${file}`),
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child processes: radar installs signal handlers and spawns process groups, which worker
    // threads cannot do.
    pool: 'forks',
    // vitest's default on a 2-core machine is one worker, so files ran one after another while
    // most of them wait on child processes, SQLite locks and timers, not on the CPU. Three forks
    // took 0.62x the wall time of one on the same files in the same session (docs/testing.md).
    maxWorkers: 3,
    // The longest files first, whether or not vitest has durations cached (test/setup/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    env: { TZ: 'UTC', NO_COLOR: '1' },
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: SHARED, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SHARED],
          // A throwaway PostgreSQL server for the ledger's second engine (or RADAR_TEST_PG_URL).
          globalSetup: ['test/setup/postgres.ts'],
          // Each file keeps its own process: module mocks (test/process/signal-order.test.ts),
          // signal handlers and PostgreSQL connections stay per file.
          isolate: true,
        },
      },
    ],
  },
});
