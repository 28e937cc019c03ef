import { configDefaults, defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer.js';

/**
 * Folders whose files call functions or run the command layer in-process, and leave nothing
 * behind in the process (no module mock, no PostgreSQL): their files share a worker process one
 * after another, with the modules it has already loaded, instead of starting a process and
 * loading radar again for each file (a third of their CPU time). Every other file keeps a
 * process of its own.
 */
const IN_PROCESS = [
  'budget',
  'cli',
  'config',
  'demo',
  'doctor',
  'fake-github',
  'github',
  'logging',
  'outcomes',
  'render',
  'report',
  'rules',
  'scripts',
  'setup',
  'time',
  'tokens',
].map((folder) => `test/${folder}/**/*.test.ts`);

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
        test: { name: 'in-process', include: IN_PROCESS, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...IN_PROCESS],
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
