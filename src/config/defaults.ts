import type { RadarConfig } from './schema.js';
import { DEFAULT_AGENT_ARGS } from '../core/agents.js';
import { DEFAULT_WEIGHTS } from './weights.js';

/**
 * The built-in defaults, as `configSchema.parse({})` produces them (a test keeps the two equal).
 * Written out so that running with no config file does not load zod at start-up.
 */
export function defaultConfig(): RadarConfig {
  return {
    weekStart: 'monday',
    machine: {},
    logging: { level: 'warn' },
    ledger: {},
    tokens: { buckets: [], maxEventTokens: 1_000_000_000 },
    budget: {
      providers: [
        {
          name: 'codex',
          agent: 'codex',
          usagePath: 'usage.secondary.usedPercent',
          resetsAtPath: 'usage.secondary.resetsAt',
          rolloutRateLimits: true,
        },
        {
          name: 'claude',
          agent: 'claude',
          usagePath: 'usage.secondary.usedPercent',
          resetsAtPath: 'usage.secondary.resetsAt',
          rolloutRateLimits: true,
        },
      ],
      targetBand: { min: 80, max: 100 },
      checkpoints: [
        { day: 'wednesday', below: 30 },
        { day: 'friday', above: 90 },
      ],
      commandTimeoutMs: 10000,
      reserve: 0,
      sessionTokens: 100_000,
      allowUnknown: false,
    },
    watch: { authors: [], repos: [], ignore: [], includeDrafts: false },
    scan: {
      pageSize: 50,
      rateLimitReserve: 200,
      commentsPerPr: 10,
      reviewsPerPr: 20,
      checksPerPr: 50,
      issuesPerPr: 5,
      labelsPerIssue: 10,
      maxBodyChars: 4000,
    },
    rules: {
      weights: { ...DEFAULT_WEIGHTS },
      threshold: 3,
      routes: {
        ci_failing: 'codex',
        changes_requested: 'codex',
        conflict: 'codex',
        maintainer_comment: 'codex',
        maintainer_question: 'claude',
        stale_body: 'template',
      },
      fallback: ['codex', 'claude'],
      zombie: { afterDays: 21, quietDays: 14 },
      staleBody: { pushesSinceEdit: 3 },
      closedScopeLabels: ['wontfix', "won't fix", 'not planned', 'out of scope', 'invalid'],
      botAllowlist: [],
      lowSignalRepos: [],
      approvalWindowHours: 72,
      stopLoss: { maxTokensPerPr: 3_000_000, maxEscalationsWithoutProgress: 3 },
    },
    agents: {
      codex: {
        command: 'codex',
        args: [...DEFAULT_AGENT_ARGS.codex],
        passGithubToken: false,
        env: {},
      },
      claude: {
        command: 'claude',
        args: [...DEFAULT_AGENT_ARGS.claude],
        passGithubToken: false,
        env: {},
      },
    },
    dispatch: {
      concurrency: 3,
      maxPerScan: 3,
      burn: { maxPerScan: 6, concurrency: 4, watch: true },
      overPace: { maxPerScan: 1, holdAfterCheckpoint: true },
      maxTurns: 30,
      timeoutMs: 3_600_000,
      idleTimeoutMs: 900_000,
      killGraceMs: 10_000,
      leaseMs: 120_000,
      secretEnv: [
        'GITHUB_TOKEN',
        'GH_TOKEN',
        'GITHUB_PAT',
        'GH_ENTERPRISE_TOKEN',
        'GITHUB_ENTERPRISE_TOKEN',
      ],
      runLogMaxBytes: 64 * 1024 * 1024,
      templates: {},
      maxPatch: { files: 20, lines: 800 },
      guardedPaths: ['.github/workflows/**', '.github/actions/**'],
      allowWorkflowChanges: false,
      pushOthersPrs: false,
      autoApply: false,
    },
    repos: {},
  };
}
