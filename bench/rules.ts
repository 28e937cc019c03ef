import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../src/ledger/open.js';
import { PrStore } from '../src/ledger/pr-store.js';
import { RulesStore } from '../src/ledger/rules-store.js';
import { toVerdictRecord } from '../src/rules/candidates.js';
import { judgeAll } from '../src/rules/judge.js';
import { defaultConfig } from '../src/config/defaults.js';
import type { StoredPr } from '../src/core/pr.js';
import type { FieldChange } from '../src/core/pr.js';
import { fmt, median, ratio } from './common.js';

/**
 * `node --expose-gc dist/bench/rules.js [PRS]` (default 10,000): judging a whole queue with its history — the
 * rules engine alone — beside reading that queue and history from the ledger, each the median of
 * several runs. The goal is under 100 ms for 10,000 PRs.
 */

const NOW = Date.parse('2026-06-15T12:00:00Z');
const DAY = 86_400_000;

export function syntheticPr(i: number): StoredPr {
  const at = (days: number) => new Date(NOW - days * DAY).toISOString();
  const roll = i % 10;
  return {
    nodeId: `PR_${i}`,
    repo: `org${i % 13}/repo-${i % 97}`,
    archived: false,
    number: i,
    title: `PR ${i}`,
    url: `https://github.com/org/repo/pull/${i}`,
    author: 'alice',
    state: 'open',
    draft: false,
    headSha: `${i}`.padStart(40, 'a'),
    headCommittedAt: at(3 + (i % 7)),
    baseSha: 'b'.repeat(40),
    mergeable: roll === 1 ? 'conflicting' : roll === 2 ? 'unknown' : 'mergeable',
    mergeState: roll === 1 ? 'DIRTY' : 'CLEAN',
    ci: roll === 3 ? 'failing' : roll === 4 ? 'pending' : 'passing',
    failingChecks: roll === 3 ? ['build', 'lint'] : [],
    review: roll === 5 ? 'changes_requested' : roll === 6 ? 'approved' : 'review_required',
    reviews:
      roll === 5
        ? [
            {
              id: `R${i}`,
              author: 'bob',
              association: 'MEMBER',
              bot: false,
              state: 'CHANGES_REQUESTED',
              at: at(1),
              body: 'Split this.',
            },
          ]
        : [],
    comments: Array.from({ length: i % 4 }, (_, k) => ({
      id: `C${i}_${k}`,
      author: k % 2 ? 'alice' : 'maint',
      association: k % 2 ? 'OWNER' : 'MEMBER',
      bot: false,
      at: at(2 - k * 0.3),
      body: k % 3 ? 'Why is this needed?' : 'Please rename it.',
    })),
    commentCount: i % 4,
    closingIssues:
      roll === 7
        ? [
            {
              repo: 'org/repo',
              number: i,
              state: 'closed',
              stateReason: i % 2 ? 'NOT_PLANNED' : 'COMPLETED',
            },
          ]
        : [],
    additions: 80,
    deletions: 10,
    changedFiles: 3,
    createdAt: at(5 + (i % 120)),
    updatedAt: at(1),
    lastEditedAt: null,
    closedAt: null,
    mergedAt: null,
    watched: true,
    mergeableKnown: roll === 2 ? 'conflicting' : null,
    detailsAt: NOW,
    firstSeenAt: NOW - 30 * DAY,
    lastChangedAt: NOW - DAY,
  };
}

function main(): void {
  const count = Number(process.argv[2] ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'radar-bench-rules-'));
  try {
    const db = openLedger(join(dir, 'radar.db'));
    const prs = Array.from({ length: count }, (_, i) => syntheticPr(i + 1));
    // History: a few pushes per PR, and the candidates a first judgement records.
    const changes = new Map<string, FieldChange[]>(
      prs.map((p, i) => [
        p.nodeId,
        Array.from({ length: 1 + (i % 5) }, (_, k) => ({
          field: 'headSha',
          from: `x${k}`,
          to: `y${k}`,
        })),
      ]),
    );
    const store = new PrStore(db);
    const rules = new RulesStore(db);
    const config = defaultConfig();
    store.recordScan(
      {
        startedAt: NOW,
        finishedAt: NOW,
        status: 'ok',
        requests: 0,
        points: 0,
        remaining: null,
        resetAt: null,
        prsSeen: count,
        changes: 0,
        errors: [],
      },
      prs,
      changes,
    );
    const judge = (histories: ReturnType<RulesStore['histories']>, list: StoredPr[]) =>
      judgeAll({
        prs: list,
        histories,
        permissions: [],
        previousTier: () => undefined,
        budget: new Map(),
        rules: config.rules,
        now: NOW,
      });
    rules.recordVerdicts(
      null,
      NOW,
      judge(rules.histories(), prs).judged.map((j) => toVerdictRecord(j, undefined)),
    );

    const reads: number[] = [];
    // Each part of the read on its own, to see where the time goes.
    const parts = { prs: [] as number[], histories: [] as number[], verdicts: [] as number[] };
    let read = {
      list: [] as StoredPr[],
      histories: new Map() as ReturnType<RulesStore['histories']>,
    };
    for (let run = 0; run < 5; run++) {
      const t = performance.now();
      const list = store.all();
      const t1 = performance.now();
      const histories = rules.histories();
      const t2 = performance.now();
      rules.trails();
      rules.permissions();
      const t3 = performance.now();
      read = { list, histories };
      reads.push(t3 - t);
      parts.prs.push(t1 - t);
      parts.histories.push(t2 - t1);
      parts.verdicts.push(t3 - t2);
    }
    // The same read judged again and again: the first run is a cold process's (a cron scan
    // judges once), the median the engine's own speed.
    const evaluations: number[] = [];
    let tiers: Record<string, number> = {};
    for (let run = 0; run < 9; run++) {
      // The reader's garbage is not the rules' cost: collect it first when allowed (--expose-gc).
      (globalThis as { gc?: () => void }).gc?.();
      const t = performance.now();
      tiers = judge(read.histories, read.list).tiers;
      evaluations.push(performance.now() - t);
    }
    db.close();
    const readMs = median(reads);
    const evaluate = median(evaluations);
    const cold = evaluations[0]!;
    process.stdout.write(
      `${count.toLocaleString('en-US')} PRs with history (tiers: ${Object.entries(tiers)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')})\n` +
        `  read from the ledger  ${fmt(readMs).padStart(8)}   (PRs ${fmt(median(parts.prs))}, histories ${fmt(median(parts.histories))}, verdicts ${fmt(median(parts.verdicts))})\n` +
        `  evaluate (rules)      ${fmt(evaluate).padStart(8)}   ${ratio(evaluate, readMs)} of the read; goal < 100 ms: ${evaluate < 100 ? 'met' : 'NOT met'}\n` +
        `  first evaluation      ${fmt(cold).padStart(8)}   (a cold process, as one cron scan)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, '/dist/')))
  main();
