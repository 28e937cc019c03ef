import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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
 * `node --expose-gc dist/bench/rules.js [PRS]` (default 10,000): reading a whole queue with its
 * history from the ledger, and judging it — the rules engine alone — each the median of several
 * runs, in wall and CPU time. The goals for 10,000 PRs: the read ≤ 200 ms, the judging < 100 ms.
 * With RADAR_BASELINE_CLI=<another build>/dist/bin/cli.js, that build's reader and engine run in
 * turns with this one's on the same ledger, and the ratios are printed.
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

type Judge = typeof judgeAll;
type Histories = ReturnType<RulesStore['judgedHistories']>;

/** One build's ledger reader and rules engine: this one, or the baseline's. */
interface Build {
  label: string;
  PrStore: typeof PrStore;
  RulesStore: typeof RulesStore;
  judgeAll: Judge;
}

/**
 * The baseline build beside this one, when RADAR_BASELINE_CLI names its dist/bin/cli.js (the
 * variable bench/scan.js reads): its ledger stores and rules engine, loaded from its dist/src,
 * read the same ledger in this same process, turn about with this build's.
 */
async function baselineBuild(): Promise<Build | undefined> {
  const cli = process.env.RADAR_BASELINE_CLI;
  if (!cli) return undefined;
  const src = resolve(dirname(cli), '../src');
  const load = async <T>(path: string) => (await import(pathToFileURL(join(src, path)).href)) as T;
  return {
    label: 'baseline',
    PrStore: (await load<{ PrStore: typeof PrStore }>('ledger/pr-store.js')).PrStore,
    RulesStore: (await load<{ RulesStore: typeof RulesStore }>('ledger/rules-store.js')).RulesStore,
    judgeAll: (await load<{ judgeAll: Judge }>('rules/judge.js')).judgeAll,
  };
}

/** Wall and CPU time (this process's, in ms) of one call. */
function timed<T>(f: () => T): { value: T; ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = f();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

/** The reader's and the engine's garbage are their own cost: collect the others' first when allowed. */
const collect = () => (globalThis as { gc?: () => void }).gc?.();

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  const builds: Build[] = [{ label: 'radar', PrStore, RulesStore, judgeAll }];
  const baseline = await baselineBuild();
  if (baseline) builds.push(baseline);
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
    const judge = (engine: Judge, histories: Histories, list: StoredPr[]) =>
      engine({
        prs: list,
        histories,
        permissions: [],
        previousTier: () => undefined,
        budget: new Map(),
        rules: config.rules,
        now: NOW,
      });
    // Judged from the histories a scan reads: the engine meets the same objects it is timed on.
    rules.recordVerdicts(
      null,
      NOW,
      judge(judgeAll, rules.judgedHistories(), prs).judged.map((j) =>
        toVerdictRecord(j, undefined),
      ),
    );

    // Each build reads the queue as a scan does (PRs, histories, the verdicts before), in turns
    // (the order swapped every round), each part timed on its own to see where the time goes.
    const stats = builds.map(() => ({
      wall: [] as number[],
      cpu: [] as number[],
      prs: [] as number[],
      histories: [] as number[],
      verdicts: [] as number[],
      evaluate: [] as number[],
      evaluateCpu: [] as number[],
    }));
    const reads = builds.map(() => ({ list: [] as StoredPr[], histories: new Map() as Histories }));
    const order = (round: number) =>
      builds.map((_, i) => i).sort((a, b) => (round % 2 ? b - a : a - b));
    for (let round = 0; round < 7; round++)
      for (const i of order(round)) {
        const build = builds[i]!;
        const prStore = new build.PrStore(db);
        const rulesStore = new build.RulesStore(db);
        collect();
        // CPU time of each part: on a shared machine it varies less than wall time.
        const parts = { prs: 0, histories: 0, verdicts: 0 };
        const whole = timed(() => {
          const a = timed(() => prStore.all());
          // What a scan reads: the histories narrowed to what judging reads (a baseline build
          // from before that read has only the full one).
          const narrow = (rulesStore as Partial<Pick<RulesStore, 'judgedHistories'>>)
            .judgedHistories;
          const b = timed(() => (narrow ? narrow.call(rulesStore) : rulesStore.histories()));
          const c = timed(() => (rulesStore.trails(), rulesStore.permissions()));
          parts.prs = a.cpuMs;
          parts.histories = b.cpuMs;
          parts.verdicts = c.cpuMs;
          return { list: a.value, histories: b.value };
        });
        reads[i] = whole.value;
        const s = stats[i]!;
        s.wall.push(whole.ms);
        s.cpu.push(whole.cpuMs);
        s.prs.push(parts.prs);
        s.histories.push(parts.histories);
        s.verdicts.push(parts.verdicts);
      }
    // Each build judges its own read again and again: the first run is a cold process's (a cron
    // scan judges once), the median the engine's own speed.
    let tiers: Record<string, number> = {};
    const cold: number[] = [];
    for (let round = 0; round < 9; round++)
      for (const i of order(round)) {
        collect();
        const run = timed(() => judge(builds[i]!.judgeAll, reads[i]!.histories, reads[i]!.list));
        if (round === 0) cold[i] = run.ms;
        if (i === 0) tiers = run.value.tiers;
        stats[i]!.evaluate.push(run.ms);
        stats[i]!.evaluateCpu.push(run.cpuMs);
      }
    db.close();
    let out = `${count.toLocaleString('en-US')} PRs with history (tiers: ${Object.entries(tiers)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')})\n`;
    builds.forEach((build, i) => {
      const s = stats[i]!;
      out +=
        `${build.label.padEnd(8)} read from the ledger ${fmt(median(s.wall)).padStart(8)} (CPU ${fmt(median(s.cpu))}: PRs ${fmt(median(s.prs))}, histories ${fmt(median(s.histories))}, verdicts ${fmt(median(s.verdicts))})` +
        `${i === 0 ? `; goal ≤ 200 ms: ${median(s.wall) <= 200 ? 'met' : 'NOT met'}` : ''}\n` +
        `${build.label.padEnd(8)} evaluate (rules)     ${fmt(median(s.evaluate)).padStart(8)} (CPU ${fmt(median(s.evaluateCpu))}), ${ratio(median(s.evaluate), median(s.wall))} of the read; first evaluation ${fmt(cold[i]!)} (a cold process, as one cron scan)\n`;
    });
    if (builds.length > 1) {
      const [a, b] = stats as [(typeof stats)[0], (typeof stats)[0]];
      out +=
        `radar/baseline: read ${ratio(median(a.wall), median(b.wall))} (CPU ${ratio(median(a.cpu), median(b.cpu))}), ` +
        `evaluate ${ratio(median(a.evaluate), median(b.evaluate))} (CPU ${ratio(median(a.evaluateCpu), median(b.evaluateCpu))})\n`;
    }
    process.stdout.write(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, '/dist/')))
  await main();
