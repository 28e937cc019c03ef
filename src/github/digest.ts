import * as crypto from 'node:crypto';
import { PR_FIELDS } from '../core/pr-fields.js';
import type { PrSnapshot } from '../core/pr.js';
import { toSnapshot } from './normalize.js';
import type { KnownSnapshots } from './port.js';
import { PR_FRAGMENT } from './queries.js';
import { isPullRequestNode } from './guards.js';
import type { PullRequestNode } from './schema.js';

/**
 * A PR node GitHub sends exactly as it sent it to the scan before need not be checked, normalised
 * and merged again: its digest, kept on the PR's row, tells. Why reusing the stored PR is exact:
 * docs/benchmarks.md ("Fourth round").
 */

/**
 * Bump when a node of the same text would be recorded differently: a change to `toSnapshot`, to
 * the node's schema (schema.ts), or to how the scan merges a snapshot into the PR it stored
 * (scan/diff.ts, scan/plan.ts `reconcile`). The query's text and the stored columns are part of
 * every digest already: changing either invalidates them all too.
 */
export const NORMALISER_VERSION = 1;

/** SHA-1 as base64 (one call on Node ≥ 20.12; a hash object before that). */
const sha1 = (text: string): string =>
  typeof crypto.hash === 'function'
    ? crypto.hash('sha1', text, 'base64')
    : crypto.createHash('sha1').update(text).digest('base64');

const salts = new Map<number, string>();

/** What every node's digest starts from: the normaliser's version, the query, the columns. */
function saltOf(version: number): string {
  let salt = salts.get(version);
  if (salt === undefined) {
    salt = sha1(`${version}\n${PR_FRAGMENT}\n${PR_FIELDS.map((f) => f.column).join(' ')}`);
    salts.set(version, salt);
  }
  return salt;
}

/**
 * The digest of one node as JSON.parse gave it. Its JSON text again is the cheapest faithful
 * input: the parsed value is all the check and `toSnapshot` see, and node's own JSON.stringify
 * costs less than a scan of the answer's text for where each node starts and ends.
 */
export function nodeDigest(node: unknown, version = NORMALISER_VERSION): string {
  return sha1(saltOf(version) + JSON.stringify(node));
}

/** The ledger does not keep `archived` (it only decides watching): the node's is compared. */
const isArchived = (node: unknown): boolean =>
  (node as { repository?: { isArchived?: unknown } | null }).repository?.isArchived === true;

/**
 * An answer's PR nodes as snapshots, in order (null: not a PR, or dropped by its check). A node
 * whose digest is the one its known snapshot was read from is answered with that snapshot itself;
 * every other node is checked (`check`: schema.ts's, with the PR node's schema) and normalised,
 * its digest kept on its snapshot. `check` is called only when a node is left to check: an answer
 * that holds no new node is read without loading zod.
 */
export async function readPullRequests(
  nodes: unknown,
  known: KnownSnapshots | undefined,
  check: (
    nodes: unknown[],
    dropped: string[],
  ) => (PullRequestNode | null)[] | Promise<(PullRequestNode | null)[]>,
  dropped: string[],
  version = NORMALISER_VERSION,
): Promise<(PrSnapshot | null)[]> {
  const list: readonly unknown[] = Array.isArray(nodes) ? nodes : [];
  const out: (PrSnapshot | null)[] = list.map(() => null);
  const fresh: unknown[] = [];
  const digests: string[] = [];
  const places: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const node = list[i];
    if (!isPullRequestNode(node)) continue;
    const digest = nodeDigest(node, version);
    const id = (node as { id?: unknown }).id;
    const before = known && typeof id === 'string' ? known.get(id) : undefined;
    if (before && before.nodeDigest === digest && before.archived === isArchived(node)) {
      out[i] = before;
      continue;
    }
    fresh.push(node);
    digests.push(digest);
    places.push(i);
  }
  if (fresh.length === 0) return out;
  (await check(fresh, dropped)).forEach((n, j) => {
    if (n) out[places[j]!] = toSnapshot(n, digests[j]!);
  });
  return out;
}
