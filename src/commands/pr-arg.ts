import { formatPrRef, parsePrRef, type StoredPr } from '../core/pr.js';
import { UsageError } from '../core/errors.js';
import type { PrLedger } from '../ledger/ports.js';

/**
 * The PR a command argument names: `owner/name#123`, a PR URL, or `#123` when only one PR in the
 * ledger has that number. Unknown or ambiguous is a usage error that says what to type instead.
 */
export function resolvePr(prs: PrLedger, text: string): StoredPr {
  const ref = parsePrRef(text);
  if (!ref)
    throw new UsageError(`not a PR: "${text}" (expected owner/name#123, a PR URL, or #123)`);
  const found = prs.byNumber(ref.number, ref.repo);
  if (found.length === 1) return found[0]!;
  if (found.length === 0)
    throw new UsageError(
      `${ref.repo ? formatPrRef({ repo: ref.repo, number: ref.number }) : `#${ref.number}`} is not in the ledger (run \`radar scan\` first, or check the number)`,
    );
  throw new UsageError(
    `#${ref.number} is ambiguous: say which one`,
    found.map((p) => formatPrRef(p)),
  );
}
