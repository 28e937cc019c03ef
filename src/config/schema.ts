import * as z from 'zod';
import { isTimeZone } from '../time/zone.js';
import { DEFAULT_AGENT_ARGS, type AgentName } from '../core/agents.js';
import { SIGNAL_KINDS, type SignalKind } from '../core/verdict.js';
import { DEFAULT_WEIGHTS } from './weights.js';

export { isTimeZone };

/**
 * The whole configuration, with defaults and descriptions. radar works with no config file at
 * all: every field has a default. `config/radar.schema.json` is generated from this schema.
 */

const bucketRule = z
  .object({
    match: z
      .string()
      .min(1)
      .describe(
        'Glob matched against the log file path (a pattern without "/" matches the file name)',
      ),
    bucket: z.string().min(1).describe('Bucket name for token events from matching files'),
  })
  .strict();

const weekday = z.enum([
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
]);

const checkpoint = z
  .object({
    day: weekday.describe('From the start of this weekday on, the checkpoint applies'),
    below: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Used % under this by that day means: burn harder (verdict "under")'),
    above: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Used % over this by that day means: slow down (verdict "over")'),
  })
  .strict();

/** Model names or globs ("gpt-5*", "claude-opus-*"); a run on any other model is flagged. */
const modelAllowlist = z.array(z.string().min(1)).min(1).optional();

const provider = z
  .object({
    name: z.string().min(1).describe('Provider (account) name, e.g. "codex" or "claude-work"'),
    agent: z.enum(['codex', 'claude']).describe('Which agent family this quota belongs to'),
    weeklyTokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Weekly token quota, used when no better source of "used %" is available'),
    usageCommand: z
      .string()
      .optional()
      .describe(
        'External command printing usage JSON, e.g. "codexbar usage --provider codex --format json"',
      ),
    usagePath: z
      .string()
      .default('usage.secondary.usedPercent')
      .describe('Dot-path to the weekly used percent in the usage command output'),
    resetsAtPath: z
      .string()
      .default('usage.secondary.resetsAt')
      .describe('Dot-path to the weekly reset time in the usage command output'),
    rolloutRateLimits: z
      .boolean()
      .default(true)
      .describe('Use rate_limits windows from ingested Codex rollouts (codex providers only)'),
    env: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Variables this account\'s agent runs with (~ expanded), e.g. {"CLAUDE_CONFIG_DIR": "~/.claude-backup"}; entries naming the same agent are its accounts, tried in order',
      ),
    models: modelAllowlist.describe(
      "Models this account's runs may use (globs, case-insensitive); replaces agents.<name>.models for it",
    ),
    monthlyPrice: z
      .number()
      .nonnegative()
      .optional()
      .describe('What the subscription costs a month (USD): radar budget shows the value used'),
    renewsOn: z
      .union([
        z.number().int().min(1).max(31),
        z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day of the month or "YYYY-MM-DD"'),
      ])
      .optional()
      .describe(
        'Day of the month the subscription renews (1-31), or one renewal date "YYYY-MM-DD" (its day is used); default 1',
      ),
  })
  .strict();

/** One agent CLI: an argument array run without a shell, the prompt on stdin. */
function agentSchema(name: AgentName) {
  return z
    .object({
      command: z.string().min(1).default(name).describe('Executable (looked up on PATH)'),
      args: z
        .array(z.string())
        .default([...DEFAULT_AGENT_ARGS[name]])
        .describe('Arguments; {workdir} and {maxTurns} are replaced, the prompt goes to stdin'),
      passGithubToken: z
        .boolean()
        .default(false)
        .describe('Keep GITHUB_TOKEN and GH_TOKEN in the agent environment (default: removed)'),
      env: z
        .record(z.string(), z.string())
        .default({})
        .describe('Extra environment variables for the agent'),
      model: z
        .string()
        .min(1)
        .optional()
        .describe('Model every session runs on, passed as --model (e.g. "gpt-5-codex", "opus")'),
      models: modelAllowlist.describe(
        'Models this agent\'s runs may use (globs, case-insensitive, e.g. ["gpt-5*"]): a run on another is flagged and holds the agent back until `radar resume --model <agent>`',
      ),
    })
    .strict()
    .prefault({});
}

const dispatchSchema = z
  .object({
    concurrency: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Agent sessions running at once, across every radar process'),
    maxPerScan: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('Sessions one `radar scan --dispatch` starts at most (default for --max)'),
    burn: z
      .object({
        maxPerScan: z
          .number()
          .int()
          .min(0)
          .default(6)
          .describe('Sessions one scan starts at most while an agent is under pace'),
        concurrency: z
          .number()
          .int()
          .min(1)
          .default(4)
          .describe('Sessions at once while an agent is under pace'),
        watch: z
          .boolean()
          .default(true)
          .describe(
            'Under pace, watch-tier PRs below the threshold with a dispatchable signal become eligible',
          ),
      })
      .strict()
      .prefault({})
      .describe('Under pace ("burn harder"): more sessions per scan and at once'),
    overPace: z
      .object({
        maxPerScan: z
          .number()
          .int()
          .min(0)
          .default(1)
          .describe('Sessions per scan for an agent over pace (the highest-scoring PRs)'),
        holdAfterCheckpoint: z
          .boolean()
          .default(true)
          .describe(
            'Over pace once a checkpoint with "above" has come (e.g. Friday): no session until the reset',
          ),
      })
      .strict()
      .prefault({})
      .describe('Over pace ("slow down"): fewer sessions, none after the slow-down checkpoint'),
    maxTurns: z.number().int().min(1).default(30).describe('{maxTurns} in agent arguments'),
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(3_600_000)
      .describe('Wall-clock limit of one session'),
    idleTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(900_000)
      .describe('A session silent this long is stopped'),
    killGraceMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Between SIGTERM and SIGKILL to the agent process group'),
    leaseMs: z
      .number()
      .int()
      .min(1000)
      .default(120_000)
      .describe(
        'A running session’s lease, renewed by its radar every third of it: with a ledger shared by several machines, the others take the session for dead once it expires',
      ),
    workdirs: z
      .string()
      .optional()
      .describe('Folder for per-PR worktrees (default: <ledger folder>/worktrees)'),
    secretEnv: z
      .array(z.string().min(1))
      .default([
        'GITHUB_TOKEN',
        'GH_TOKEN',
        'GITHUB_PAT',
        'GH_ENTERPRISE_TOKEN',
        'GITHUB_ENTERPRISE_TOKEN',
      ])
      .describe('Variables removed from every agent environment'),
    runLogMaxBytes: z
      .number()
      .int()
      .min(65_536)
      .default(64 * 1024 * 1024)
      .describe('Beyond this, a run log keeps only lines that carry token markers'),
    templates: z
      .partialRecord(z.enum(SIGNAL_KINDS as [SignalKind, ...SignalKind[]]), z.string().min(1))
      .default({})
      .describe('Prompt task per signal kind; {repo} {number} {url} {head} {checks} are filled'),
    maxPatch: z
      .object({
        files: z.number().int().min(1).default(20).describe('Files a session may change'),
        lines: z
          .number()
          .int()
          .min(1)
          .default(800)
          .describe('Changed lines (additions + deletions) a session may push'),
      })
      .strict()
      .prefault({})
      .describe('A session whose commits are larger is not queued as a push'),
    guardedPaths: z
      .array(z.string().min(1))
      .default(['.github/workflows/**', '.github/actions/**'])
      .describe(
        'Globs of CI and automation files: a session that changes one is not queued as a push',
      ),
    allowWorkflowChanges: z
      .boolean()
      .default(false)
      .describe('Queue pushes that change files matching guardedPaths'),
    pushOthersPrs: z
      .boolean()
      .default(false)
      .describe('Queue pushes to PRs whose author is not one of watch.authors'),
    autoApply: z
      .boolean()
      .default(false)
      .describe("Push a session's commits without `radar approve` (comments always wait)"),
  })
  .strict()
  .prefault({});

const agentRoute = z.enum(['codex', 'claude', 'template', 'none']);
const weight = (value: number) => z.number().min(-100).max(100).default(value);

const rulesSchema = z
  .object({
    weights: z
      .object({
        ci_failing: weight(DEFAULT_WEIGHTS.ci_failing),
        changes_requested: weight(DEFAULT_WEIGHTS.changes_requested),
        maintainer_comment: weight(DEFAULT_WEIGHTS.maintainer_comment),
        conflict: weight(DEFAULT_WEIGHTS.conflict),
        stale_body: weight(DEFAULT_WEIGHTS.stale_body),
        closed_scope: weight(DEFAULT_WEIGHTS.closed_scope),
        ci_pending: weight(DEFAULT_WEIGHTS.ci_pending),
        approved: weight(DEFAULT_WEIGHTS.approved),
        behind: weight(DEFAULT_WEIGHTS.behind),
      })
      .strict()
      .prefault({})
      .describe('Score each kind of signal adds (a PR counts each kind once)'),
    threshold: z
      .number()
      .default(3)
      .describe('A PR escalates when its score reaches this and a signal is not yet acted on'),
    routes: z
      .object({
        ci_failing: agentRoute.default('codex'),
        changes_requested: agentRoute.default('codex'),
        conflict: agentRoute.default('codex'),
        maintainer_comment: agentRoute
          .default('codex')
          .describe('Maintainer feedback that asks for a change'),
        maintainer_question: agentRoute
          .default('claude')
          .describe('A maintainer question that requests no change'),
        stale_body: agentRoute.default('template'),
      })
      .strict()
      .prefault({})
      .describe('Who handles each kind of signal'),
    fallback: z
      .array(z.enum(['codex', 'claude']))
      .default(['codex', 'claude'])
      .describe('Agents tried in order when the routed one is over budget'),
    zombie: z
      .object({
        afterDays: z
          .number()
          .min(0)
          .default(21)
          .describe('A conflicting or failing PR older than this…'),
        quietDays: z
          .number()
          .min(0)
          .default(14)
          .describe('…with no maintainer comment or review for this long is a zombie'),
      })
      .strict()
      .prefault({}),
    staleBody: z
      .object({
        pushesSinceEdit: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('Pushes radar saw since the PR body was last edited that make it stale'),
      })
      .strict()
      .prefault({}),
    closedScopeLabels: z
      .array(z.string().min(1))
      .default(['wontfix', "won't fix", 'not planned', 'out of scope', 'invalid'])
      .describe('Labels on a closing issue that mean the PR lost its scope (case-insensitive)'),
    botAllowlist: z
      .array(z.string().min(1))
      .default([])
      .describe('Bot logins whose reviews and comments count as maintainer feedback'),
    lowSignalRepos: z
      .array(z.string().min(1))
      .default([])
      .describe('Repositories kept watch-only (globs allowed, "some-org/*")'),
    approvalWindowHours: z
      .number()
      .positive()
      .default(72)
      .describe(
        "A session's push, reply or new description not approved within this many hours counts as not applied",
      ),
    stopLoss: z
      .object({
        maxTokensPerPr: z
          .number()
          .int()
          .positive()
          .default(3_000_000)
          .describe('Tokens spent on one PR (since its last resume) that stop it'),
        maxEscalationsWithoutProgress: z
          .number()
          .int()
          .positive()
          .default(3)
          .describe(
            'Escalations with no progress (signal cleared, new push, approval) that stop it',
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type RulesConfig = z.infer<typeof rulesSchema>;

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    timezone: z
      .string()
      .refine(isTimeZone, 'not a known IANA time zone (e.g. "Europe/Berlin")')
      .optional()
      .describe('IANA time zone for days and weeks (default: the machine zone)'),
    weekStart: weekday.default('monday').describe('First day of a reporting and budget week'),
    machine: z
      .object({
        name: z
          .string()
          .min(1)
          .max(100)
          .optional()
          .describe(
            'Name of this machine in reports by machine (default: the hostname); its id is kept in the state folder',
          ),
      })
      .strict()
      .prefault({}),
    logging: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('warn')
          .describe('Log level on stderr'),
        file: z.string().optional().describe('Also write JSON logs to this file'),
      })
      .strict()
      .prefault({}),
    ledger: z
      .object({
        url: z
          .string()
          .regex(
            /^postgres(?:ql)?:\/\//i,
            'a PostgreSQL connection string (postgres://user@host:5432/db)',
          )
          .optional()
          .describe(
            'A PostgreSQL ledger shared by several machines (postgres://user@host:5432/db; the password is best kept in PGPASSWORD or ~/.pgpass); --ledger and RADAR_LEDGER take precedence (default: the SQLite file in the state folder)',
          ),
      })
      .strict()
      .prefault({}),
    tokens: z
      .object({
        paths: z
          .array(z.string())
          .optional()
          .describe(
            'Default paths for `radar ingest` (default: Codex sessions and archived_sessions, Claude projects)',
          ),
        buckets: z
          .array(bucketRule)
          .default([])
          .describe('Bucket rules, first match wins; default bucket is the file name stem'),
        maxEventTokens: z
          .number()
          .int()
          .positive()
          .max(Number.MAX_SAFE_INTEGER)
          .default(1_000_000_000)
          .describe(
            'Largest token count one marker may hold; larger counts are skipped as implausible-number',
          ),
      })
      .strict()
      .prefault({}),
    budget: z
      .object({
        providers: z
          .array(provider)
          .prefault([
            { name: 'codex', agent: 'codex' },
            { name: 'claude', agent: 'claude' },
          ])
          .describe('Subscriptions whose weekly quota radar paces'),
        targetBand: z
          .object({
            min: z.number().min(0).max(100).default(80),
            max: z.number().min(0).max(100).default(100),
          })
          .strict()
          .prefault({})
          .describe('Share of the weekly quota to have used by the reset'),
        checkpoints: z
          .array(checkpoint)
          .prefault([
            { day: 'wednesday', below: 30 },
            { day: 'friday', above: 90 },
          ])
          .describe('Rules of thumb checked from a weekday on'),
        commandTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(10_000)
          .describe('Time limit for an external usage command'),
        reserve: z
          .number()
          .min(0)
          .max(100)
          .default(0)
          .describe(
            'Share of each weekly quota (percent) kept back: a session starts only when its reservation fits in the rest',
          ),
        sessionTokens: z
          .number()
          .int()
          .positive()
          .max(Number.MAX_SAFE_INTEGER)
          .default(100_000)
          .describe(
            'Tokens reserved for a session until the ledger holds 3 past sessions of its agent and signal kind (then their p90)',
          ),
        allowUnknown: z
          .boolean()
          .default(false)
          .describe(
            'Dispatch to an agent whose budget is unknown (no weeklyTokens, usage command or rollouts)',
          ),
      })
      .strict()
      .prefault({}),
    watch: z
      .object({
        authors: z
          .array(z.string().min(1))
          .default([])
          .describe('Logins whose open PRs form the queue'),
        repos: z
          .array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected "owner/name"'))
          .default([])
          .describe('Repositories whose open PRs are all watched'),
        ignore: z
          .array(z.string().min(1))
          .default([])
          .describe('Repositories never watched; globs allowed ("some-org/*")'),
        includeDrafts: z.boolean().default(false).describe('Watch draft PRs too'),
      })
      .strict()
      .prefault({}),
    scan: z
      .object({
        pageSize: z.number().int().min(1).max(100).default(50).describe('PRs per GraphQL request'),
        rateLimitReserve: z
          .number()
          .int()
          .min(0)
          .default(200)
          .describe('Stop a scan early when remaining GraphQL points fall below this'),
        commentsPerPr: z.number().int().min(0).max(100).default(10),
        reviewsPerPr: z.number().int().min(0).max(100).default(20),
        checksPerPr: z.number().int().min(0).max(100).default(50),
        issuesPerPr: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(5)
          .describe('Issues a PR closes, read per PR (for stale_body and closed_scope)'),
        labelsPerIssue: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(10)
          .describe('Labels read per closing issue (details request, changed PRs only)'),
        maxBodyChars: z
          .number()
          .int()
          .min(0)
          .default(4000)
          .describe('Comment and review text kept per item; longer text is cut'),
      })
      .strict()
      .prefault({}),
    rules: rulesSchema,
    agents: z
      .object({
        codex: agentSchema('codex'),
        claude: agentSchema('claude'),
      })
      .strict()
      .prefault({}),
    dispatch: dispatchSchema,
    repos: z
      .record(
        z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected "owner/name"'),
        z
          .object({
            clone: z
              .string()
              .min(1)
              .optional()
              .describe('Local clone agent worktrees are created from (~ allowed)'),
            remote: z
              .string()
              .min(1)
              .optional()
              .describe(
                'Remote of the clone that PR heads are fetched from and pushed to (default origin; a fork head: the remote whose URL names it)',
              ),
          })
          .strict(),
      )
      .default({})
      .describe('Per-repository settings, keyed by "owner/name"'),
  })
  .strict();

export type RadarConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type ProviderConfig = RadarConfig['budget']['providers'][number];
export type Weekday = z.infer<typeof weekday>;
