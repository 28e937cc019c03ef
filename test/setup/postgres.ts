import type { TestProject } from 'vitest/node';
import { pgServerBinaries, startPgServer } from '../../scripts/pg-server.js';

/**
 * The PostgreSQL server of the suite's ledger tests: `RADAR_TEST_PG_URL` when set (a server of
 * your own; tests create and drop their own schemas in it), else a throwaway server started from
 * Debian's `postgresql` binaries (scripts/pg-server.ts), stopped after the run. Without either,
 * the PostgreSQL tests fail and say how to install it (`.ci/run` does).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
    pgProblem: string | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.RADAR_TEST_PG_URL;
  if (given) {
    project.provide('pgUrl', given);
    project.provide('pgProblem', null);
    return undefined;
  }
  const bin = pgServerBinaries();
  if (!bin) {
    project.provide('pgUrl', null);
    project.provide(
      'pgProblem',
      'PostgreSQL server binaries not found (apt-get install -y postgresql), and RADAR_TEST_PG_URL is not set',
    );
    return undefined;
  }
  const server = await startPgServer(bin, { durable: false, prefix: 'radar-pg-' });
  project.provide('pgUrl', server.url);
  project.provide('pgProblem', null);
  return () => server.stop();
}
