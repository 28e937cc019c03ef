import type { Db } from '../ledger/open.js';
import { PrStore } from '../ledger/pr-store.js';
import { RulesStore } from '../ledger/rules-store.js';
import type { Candidate } from './plan.js';

/**
 * Every watched open PR with the verdict the last scan recorded: what a dispatch chooses from when
 * it did not judge them itself (the demo's separate scan and dispatch).
 */
export function storedCandidates(db: Db): Candidate[] {
  const verdicts = new RulesStore(db).verdicts();
  return new PrStore(db)
    .all()
    .filter((pr) => pr.state === 'open' && pr.watched)
    .flatMap((pr) => {
      const verdict = verdicts.get(pr.nodeId);
      return verdict ? [{ pr, verdict }] : [];
    });
}
