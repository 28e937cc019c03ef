import type { Ledger } from '../ledger/ports.js';
import type { Candidate } from './plan.js';

/**
 * Every watched open PR with the verdict the last scan recorded: what a dispatch chooses from when
 * it did not judge them itself (the demo's separate scan and dispatch).
 */
export function storedCandidates(ledger: Pick<Ledger, 'prs' | 'rules'>): Candidate[] {
  const verdicts = ledger.rules.verdicts();
  return ledger.prs
    .all()
    .filter((pr) => pr.state === 'open' && pr.watched)
    .flatMap((pr) => {
      const verdict = verdicts.get(pr.nodeId);
      return verdict ? [{ pr, verdict }] : [];
    });
}
