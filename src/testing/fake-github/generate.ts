import type { FakeCheck, FakePullRequest, FakeScenario } from './scenario.js';

/**
 * Deterministic PR queues for the demo, tests and benchmarks: a mix of healthy, failing,
 * conflicting, reviewed and drafted PRs spread over many repositories.
 */

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'fix',
  'add',
  'docs',
  'typo',
  'retry',
  'cache',
  'parser',
  'flaky',
  'test',
  'bump',
  'lint',
  'timeout',
  'config',
  'api',
  'cli',
];

export interface QueueOptions {
  author: string;
  prs: number;
  repos: number;
  seed?: number;
  now?: Date;
  token?: string;
}

export function generateQueue(options: QueueOptions): FakeScenario {
  const rand = mulberry32(options.seed ?? 7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const now = (options.now ?? new Date('2026-06-15T12:00:00Z')).getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const repos = Array.from({ length: options.repos }, (_, i) => `org${i % 7}/project-${i}`);
  const pullRequests: FakePullRequest[] = [];
  for (let i = 0; i < options.prs; i++) {
    const repo = repos[i % repos.length]!;
    const created = now - Math.floor(rand() * 60 * 86_400_000);
    const roll = rand();
    const checks: FakeCheck[] = [
      {
        kind: 'check_run',
        name: 'build',
        status: 'COMPLETED',
        conclusion: roll < 0.15 ? 'FAILURE' : 'SUCCESS',
      },
      {
        kind: 'check_run',
        name: 'test',
        status: roll > 0.9 ? 'IN_PROGRESS' : 'COMPLETED',
        conclusion: roll > 0.9 ? null : 'SUCCESS',
      },
      {
        kind: 'status',
        context: 'ci/legacy',
        state: roll > 0.12 && roll < 0.2 ? 'ERROR' : 'SUCCESS',
      },
    ];
    const reviewRoll = rand();
    const maintainer =
      reviewRoll < 0.2 ? 'CHANGES_REQUESTED' : reviewRoll < 0.5 ? 'APPROVED' : undefined;
    pullRequests.push({
      repo,
      number: 100 + i,
      title: `${pick(WORDS)}: ${pick(WORDS)} ${pick(WORDS)} in ${repo.split('/')[1]}`,
      author: options.author,
      state: 'OPEN',
      isDraft: rand() < 0.05,
      headSha: (i * 2654435761).toString(16).padStart(40, 'a').slice(0, 40),
      mergeable: rand() < 0.1 ? 'CONFLICTING' : rand() < 0.05 ? 'UNKNOWN' : 'MERGEABLE',
      reviewDecision: maintainer ?? (rand() < 0.5 ? 'REVIEW_REQUIRED' : null),
      checks: rand() < 0.05 ? [] : checks,
      reviews: maintainer
        ? [
            {
              author: `maint${i % 5}`,
              authorAssociation: 'MEMBER',
              state: maintainer,
              submittedAt: iso(created + 86_400_000),
            },
          ]
        : [],
      comments:
        rand() < 0.3
          ? [
              {
                author: `maint${i % 5}`,
                authorAssociation: 'OWNER',
                body: 'please rebase',
                createdAt: iso(created + 2 * 86_400_000),
              },
            ]
          : [],
      additions: 1 + Math.floor(rand() * 400),
      deletions: Math.floor(rand() * 120),
      changedFiles: 1 + Math.floor(rand() * 12),
      createdAt: iso(created),
      updatedAt: iso(created + 3 * 86_400_000),
    });
  }
  return {
    viewer: options.author,
    tokens: [options.token ?? 'ghp_demo_token'],
    scopes: ['repo', 'read:org'],
    repositories: repos.map((nameWithOwner) => ({ nameWithOwner })),
    pullRequests,
  };
}
