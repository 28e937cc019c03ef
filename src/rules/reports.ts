import type { StoredPr } from '../core/pr.js';
import type { CandidateRecord } from '../core/history.js';
import { TIERS, type Escalation, type SuppressionReason, type Tier } from '../core/verdict.js';

/** Pure aggregations behind `radar report queue` and `radar report funnel`. */

export interface QueueReport {
  openPrs: number;
  byTier: Record<Tier | 'unjudged', number>;
  changedFiles: number;
  additions: number;
  deletions: number;
  additionsPerPr: number;
  filesPerPr: number;
  oldest: { pr: string; createdAt: string; days: number } | null;
  zombies: { pr: string; title: string; days: number }[];
  repos: number;
}

const DAY = 86_400_000;
const ref = (p: StoredPr) => `${p.repo}#${p.number}`;

export function queueReport(
  prs: readonly StoredPr[],
  tierOf: (nodeId: string) => Tier | undefined,
  now: number,
): QueueReport {
  const open = prs.filter((p) => p.state === 'open' && p.watched);
  const byTier = Object.fromEntries(
    [...TIERS, 'unjudged'].map((t) => [t, 0]),
  ) as QueueReport['byTier'];
  for (const p of open) byTier[tierOf(p.nodeId) ?? 'unjudged']++;
  const sum = (f: (p: StoredPr) => number) => open.reduce((s, p) => s + f(p), 0);
  const days = (p: StoredPr) => Math.floor((now - Date.parse(p.createdAt)) / DAY);
  const oldest = [...open].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))[0];
  return {
    openPrs: open.length,
    byTier,
    changedFiles: sum((p) => p.changedFiles),
    additions: sum((p) => p.additions),
    deletions: sum((p) => p.deletions),
    additionsPerPr: open.length ? sum((p) => p.additions) / open.length : 0,
    filesPerPr: open.length ? sum((p) => p.changedFiles) / open.length : 0,
    oldest: oldest ? { pr: ref(oldest), createdAt: oldest.createdAt, days: days(oldest) } : null,
    zombies: open
      .filter((p) => tierOf(p.nodeId) === 'zombie')
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
      .map((p) => ({ pr: ref(p), title: p.title, days: days(p) })),
    repos: new Set(open.map((p) => p.repo)).size,
  };
}

export interface FunnelStage {
  kind: string;
  observations: number;
  candidates: number;
  suppressed: number;
  waiting: number;
  actedOn: number;
}

export interface FunnelReport {
  observations: number;
  candidates: number;
  suppressed: Partial<Record<SuppressionReason, number>>;
  /** Not acted on and not held back: flagged, waiting for dispatch. */
  waiting: number;
  actedOn: number;
  byKind: FunnelStage[];
  cost: {
    sessions: number;
    sessionsWithUsage: number;
    tokens: number;
    mergedPrs: number;
    /** Every token spent, over the PRs that merged: the honest cost of a merge. */
    perMergedPr: number | null;
    tokensOnMerged: number;
    tokensOnClosedUnmerged: number;
    tokensOnOpen: number;
    byKind: { kind: string; sessions: number; tokens: number }[];
    byTier: { tier: string; prs: number; sessions: number; tokens: number }[];
  };
}

const kindOf = (fingerprint: string) => fingerprint.slice(0, fingerprint.indexOf(':'));

export function funnelReport(
  candidates: readonly (CandidateRecord & { nodeId: string })[],
  escalations: readonly Escalation[],
  prOf: (nodeId: string) => Pick<StoredPr, 'state'> | undefined,
  tierOf: (nodeId: string) => Tier | undefined,
): FunnelReport {
  const suppressed: FunnelReport['suppressed'] = {};
  const kinds = new Map<string, FunnelStage>();
  let observations = 0;
  let waiting = 0;
  let actedOn = 0;
  for (const c of candidates) {
    const stage =
      kinds.get(c.kind) ??
      kinds
        .set(c.kind, {
          kind: c.kind,
          observations: 0,
          candidates: 0,
          suppressed: 0,
          waiting: 0,
          actedOn: 0,
        })
        .get(c.kind)!;
    observations += c.seenCount;
    stage.observations += c.seenCount;
    stage.candidates++;
    if (c.actedAt !== null) {
      actedOn++;
      stage.actedOn++;
    } else if (c.suppressed) {
      suppressed[c.suppressed] = (suppressed[c.suppressed] ?? 0) + 1;
      stage.suppressed++;
    } else {
      waiting++;
      stage.waiting++;
    }
  }
  // Sessions that ran (a dry run or a refusal spends nothing).
  const sessions = escalations.filter((e) => e.outcome !== 'dry_run' && e.outcome !== 'refused');
  const tokens = (list: readonly Escalation[]) => list.reduce((s, e) => s + (e.tokens ?? 0), 0);
  const byState = (state: string) => sessions.filter((e) => prOf(e.nodeId)?.state === state);
  const merged = new Set(
    [...new Set(candidates.map((c) => c.nodeId)), ...sessions.map((e) => e.nodeId)].filter(
      (id) => prOf(id)?.state === 'merged',
    ),
  );
  const group = <K extends string>(key: (e: Escalation) => K) => {
    const map = new Map<K, Escalation[]>();
    for (const e of sessions) map.set(key(e), [...(map.get(key(e)) ?? []), e]);
    return [...map.entries()].sort((a, b) => tokens(b[1]) - tokens(a[1]) || (a[0] < b[0] ? -1 : 1));
  };
  const total = tokens(sessions);
  return {
    observations,
    candidates: candidates.length,
    suppressed,
    waiting,
    actedOn,
    byKind: [...kinds.values()].sort(
      (a, b) => b.candidates - a.candidates || (a.kind < b.kind ? -1 : 1),
    ),
    cost: {
      sessions: sessions.length,
      sessionsWithUsage: sessions.filter((e) => e.tokens !== null).length,
      tokens: total,
      mergedPrs: merged.size,
      perMergedPr: merged.size ? Math.round(total / merged.size) : null,
      tokensOnMerged: tokens(byState('merged')),
      tokensOnClosedUnmerged: tokens(byState('closed')),
      tokensOnOpen: tokens(byState('open')),
      // An escalation is filed under the kind of its leading signal (its first fingerprint).
      byKind: group((e) => (e.fingerprints[0] ? kindOf(e.fingerprints[0]) : 'manual')).map(
        ([kind, list]) => ({ kind, sessions: list.length, tokens: tokens(list) }),
      ),
      byTier: group((e) => tierOf(e.nodeId) ?? 'unjudged').map(([tier, list]) => ({
        tier,
        prs: new Set(list.map((e) => e.nodeId)).size,
        sessions: list.length,
        tokens: tokens(list),
      })),
    },
  };
}
