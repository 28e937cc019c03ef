import { defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A throwaway PostgreSQL server for the ledger's second engine (or RADAR_TEST_PG_URL).
    globalSetup: ['test/setup/postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child processes: radar installs signal handlers and spawns process groups, which worker
    // threads cannot do; each file keeps its own process (module mocks stay per file).
    pool: 'forks',
    // vitest's default on a 2-core machine is one worker, so files ran one after another while
    // most of them wait on child processes, SQLite locks and timers, not on the CPU. Three forks
    // took 0.62x the wall time of one on the same files in the same session (docs/testing.md).
    maxWorkers: 3,
    // The longest files first, whether or not vitest has durations cached (test/setup/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    env: { TZ: 'UTC', NO_COLOR: '1' },
  },
});
