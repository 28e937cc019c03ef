import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configSchema, type ConfigInput, type RadarConfig } from '../../src/config/schema.js';
import type { BudgetState } from '../../src/core/budget.js';
import type { StoredPr } from '../../src/core/pr.js';
import type { Signal, Verdict } from '../../src/core/verdict.js';
import { DispatchStore } from '../../src/ledger/dispatch-store.js';
import { openLedger, type Db } from '../../src/ledger/open.js';
import { ROOT } from '../helpers/cli.js';

/** The fake `codex` and `claude` executables. */
export const FAKE_BIN = resolve(ROOT, 'test/fixtures/agents');

export function makePr(overrides: Partial<StoredPr> = {}): StoredPr {
  const number = overrides.number ?? 1;
  const repo = overrides.repo ?? 'acme/widget';
  return {
    nodeId: `PR_${repo}#${number}`,
    repo,
    archived: false,
    number,
    title: `fix: thing ${number}`,
    url: `https://github.com/${repo}/pull/${number}`,
    author: 'me',
    state: 'open',
    draft: false,
    headSha: 'a'.repeat(40),
    headCommittedAt: null,
    baseSha: null,
    mergeable: 'mergeable',
    mergeState: 'CLEAN',
    ci: 'failing',
    failingChecks: ['build'],
    review: 'none',
    reviews: [],
    comments: [],
    commentCount: 0,
    closingIssues: [],
    additions: 12,
    deletions: 3,
    changedFiles: 2,
    createdAt: '2026-05-20T08:00:00Z',
    updatedAt: '2026-06-02T09:30:00Z',
    lastEditedAt: null,
    closedAt: null,
    mergedAt: null,
    watched: true,
    mergeableKnown: 'mergeable',
    detailsAt: null,
    firstSeenAt: 0,
    lastChangedAt: 0,
    ...overrides,
  };
}

export function signal(kind: Signal['kind'], id = '1'): Signal {
  return { kind, fingerprint: `${kind}:${id}`, detail: `${kind} detail`, evidence: {} };
}

export function makeVerdict(overrides: Partial<Verdict> = {}): Verdict {
  const signals = overrides.signals ?? [signal('ci_failing')];
  return {
    tier: 'escalate',
    score: 50,
    route: 'codex',
    signals,
    pending: signals.map((s) => s.fingerprint),
    reasons: ['CI fails'],
    suppressed: null,
    recommendation: null,
    ...overrides,
  };
}

/** A provider's budget as `radar budget` reads it: `used` percent of its week. */
export function budgetState(
  agent: 'codex' | 'claude',
  used: number | null,
  provider: string = agent,
): BudgetState {
  return {
    provider,
    agent,
    usedPercent: used,
    expectedPercent: used === null ? null : 50,
    verdict: used === null ? 'unknown' : used >= 100 ? 'exhausted' : 'on-pace',
    resetsAt: null,
    source: used === null ? null : 'test',
    problems: [],
  };
}

export function config(input: ConfigInput = {}): RadarConfig {
  return configSchema.parse(input);
}

export interface TempLedger {
  dir: string;
  path: string;
  db: Db;
  cleanup(): void;
}

export function tempLedger(): TempLedger {
  const dir = mkdtempSync(join(tmpdir(), 'radar-dispatch-'));
  const path = join(dir, 'ledgers', 'radar.db');
  const db = openLedger(path);
  return {
    dir,
    path,
    db,
    cleanup: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An environment with the fake agents first on PATH and their homes inside `dir`. */
export function agentEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${FAKE_BIN}:${process.env.PATH ?? ''}`,
    HOME: dir,
    CODEX_HOME: join(dir, 'codex-home'),
    CLAUDE_CONFIG_DIR: join(dir, 'claude-home'),
    ...extra,
  };
}

/** The environment of a CLI run against a fake GitHub with the fake agents on PATH. */
export function cliEnv(
  dir: string,
  github: { url: string; token: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: github.token,
    PATH: `${FAKE_BIN}:${process.env.PATH ?? ''}`,
    CODEX_HOME: join(dir, 'codex'),
    CLAUDE_CONFIG_DIR: join(dir, 'claude'),
    FAKE_AGENT_DUMP_DIR: join(dir, 'dump'),
    ...extra,
  };
}

/** Most sessions alive at one instant, from the fake agents' start and end times. */
export function maxOverlap(runs: readonly { started: number; ended?: number }[]): number {
  const points = runs.flatMap((r) => [
    [r.started, 1],
    [r.ended ?? Number.MAX_SAFE_INTEGER, -1],
  ]);
  points.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (now += d!));
  return max;
}

/** The newest escalation recorded for `owner/name#number`. */
export const escalationFor = (db: Db, ref: string) =>
  new DispatchStore(db).escalations().find((e) => `${e.repo}#${e.number}` === ref);
