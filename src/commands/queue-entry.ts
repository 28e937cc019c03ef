import type { StoredPr } from '../core/pr.js';
import type { Route, Tier } from '../core/verdict.js';

/** One PR as `radar queue --json` prints it (its own module: the JSON field lists read it too). */
export interface QueueEntry {
  repo: string;
  number: number;
  title: string;
  url: string;
  author: string;
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  watched: boolean;
  headSha: string;
  mergeable: 'mergeable' | 'conflicting' | 'unknown';
  mergeableLastKnown: 'mergeable' | 'conflicting' | null;
  mergeState: string | null;
  ci: string;
  failingChecks: string[];
  review: string;
  reviews: StoredPr['reviews'];
  comments: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  lastChangedAt: string;
  /** The verdict of the last scan (null before the first scan that judged this PR). */
  tier: Tier | null;
  score: number | null;
  route: Route | null;
  signals: { kind: string; fingerprint: string; detail: string }[];
  recommendation: string | null;
  /** The newest escalation not settled yet, and where it stands (`push waiting`…), or null. */
  escalation: { id: number; state: string } | null;
}
