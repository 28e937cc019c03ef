import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The suite's longest files, longest first, as measured in a whole run (docs/testing.md): they
 * start first, so that none of them starts last and sets the run's wall time alone while the
 * other workers have nothing left to do. vitest's own order is by the durations it cached in
 * node_modules/.vite, which a fresh checkout (CI) does not have: it then starts the largest
 * files first, and some of the longest files are among the smallest.
 */
export const LONGEST_FIRST = [
  'test/dispatch/team-lease.test.ts',
  'test/scan/kill.test.ts',
  // Seconds with npm's cache warm; minutes when better-sqlite3 has to be compiled.
  'test/package/install.test.ts',
  'test/tokens/appends.property.test.ts',
  'test/dispatch/dispatch.test.ts',
  'test/dispatch/team.test.ts',
  'test/dispatch/scan-dispatch.test.ts',
  'test/ledger/pg/copy.test.ts',
  'test/tokens/real-truth.test.ts',
  'test/html/browser.test.ts',
  'test/ledger/pg-contract.test.ts',
  'test/scan/scan.test.ts',
  'test/dispatch/session-work.test.ts',
  'test/scan/secrets.test.ts',
  'test/cli/demo.test.ts',
  'test/dispatch/session.test.ts',
  'test/ledger/pg/claim-race.test.ts',
  'test/dispatch/pace-journey.test.ts',
  'test/ledger/open.test.ts',
  'test/dispatch/approvals.test.ts',
  'test/dispatch/kill.test.ts',
  'test/scan/rate-limit.test.ts',
  'test/ledger/lock.test.ts',
  'test/github/client.test.ts',
  'test/dispatch/push-journey.test.ts',
  'test/ledger/pg/same-moment.test.ts',
  'test/ledger/pg/same-reports.test.ts',
];

/** The listed files first, in the list's order; every other file in vitest's own order after. */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(relative(f.project.config.root, f.moduleId));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the unlisted files keep the base order among themselves.
    return base.sort((a, b) => rank(a) - rank(b));
  }
}
