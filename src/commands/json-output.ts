/**
 * `--json [fields]`: one document per command, its fields listed here once. The README's
 * "JSON output" section is generated from this list (a test keeps the two equal).
 */
import type { Context } from '../context.js';
import { UsageError } from '../core/errors.js';
import type { ScanSummary } from '../scan/scan.js';
import type { DispatchResult, DispatchSummary } from '../dispatch/dispatch.js';
import type { TokenReport } from '../core/token-report.js';
import type { QueueReport, FunnelReport } from '../rules/reports.js';
import type { IngestSummary } from '../tokens/ingest-summary.js';
import type { QueueEntry } from './queue-entry.js';
import type { paceJson } from '../dispatch/pace-policy.js';

/** The dispatch part of `radar scan --dispatch --json` (prompts are left out). */
export interface DispatchJson {
  /** How the budget paced this dispatch. */
  pace: ReturnType<typeof paceJson>;
  results: Omit<DispatchResult, 'prompt'>[];
  approvalsQueued: DispatchSummary['approvalsQueued'];
  reaped: number;
  /** Agents held back for a run on a model outside their allowlist. */
  modelHolds: DispatchSummary['modelHolds'];
}

/** `radar scan --json`: the scan, and what `--dispatch` did (null without it). */
export type ScanJson = ScanSummary & { dispatch: DispatchJson | null };

export interface JsonDocument {
  /** `object`: fields select top-level keys; `rows`: the document is a list, fields select each row's keys. */
  shape: 'object' | 'rows';
  fields: readonly string[];
}

/** `radar explain --json`: explain.ts builds its document against this list. */
export const EXPLAIN_FIELDS = [
  'pr',
  'title',
  'url',
  'state',
  'tier',
  'score',
  'threshold',
  'route',
  'suppressed',
  'recommendation',
  'terms',
  'signals',
  'reasons',
  'actedOn',
  'candidates',
  'escalations',
  'sessions',
  'sessionsWithUsage',
  'tokens',
  'outcomes',
  'models',
  'head',
  'work',
  'actions',
  'lastScan',
] as const;

/** Every key of T exactly once: the compiler refuses a missing or an unknown one. */
const keysOf = <T>(record: Record<keyof T, true>): string[] => Object.keys(record);

export const JSON_DOCUMENTS: Readonly<Record<string, JsonDocument>> = {
  scan: {
    shape: 'object',
    fields: keysOf<ScanJson>({
      scanId: true,
      status: true,
      startedAt: true,
      finishedAt: true,
      durationMs: true,
      requests: true,
      points: true,
      remaining: true,
      resetAt: true,
      prsSeen: true,
      newPrs: true,
      changedPrs: true,
      changes: true,
      resolved: true,
      stoppedEarly: true,
      stop: true,
      errors: true,
      warnings: true,
      skipped: true,
      changed: true,
      tiers: true,
      flagged: true,
      dispatch: true,
    }),
  },
  queue: {
    shape: 'rows',
    fields: keysOf<QueueEntry>({
      repo: true,
      number: true,
      title: true,
      url: true,
      author: true,
      state: true,
      draft: true,
      watched: true,
      headSha: true,
      mergeable: true,
      mergeableLastKnown: true,
      mergeState: true,
      ci: true,
      failingChecks: true,
      review: true,
      reviews: true,
      comments: true,
      additions: true,
      deletions: true,
      changedFiles: true,
      createdAt: true,
      updatedAt: true,
      closedAt: true,
      mergedAt: true,
      lastChangedAt: true,
      tier: true,
      score: true,
      route: true,
      signals: true,
      recommendation: true,
      escalation: true,
    }),
  },
  'report tokens': {
    shape: 'object',
    fields: keysOf<
      TokenReport & {
        estimated: unknown;
        offList: unknown;
        tz: string;
        since: string;
        until: string;
      }
    >({
      by: true,
      total: true,
      groups: true,
      estimated: true,
      offList: true,
      tz: true,
      since: true,
      until: true,
    }),
  },
  'report queue': {
    shape: 'object',
    fields: keysOf<QueueReport>({
      openPrs: true,
      byTier: true,
      changedFiles: true,
      additions: true,
      deletions: true,
      additionsPerPr: true,
      filesPerPr: true,
      oldest: true,
      zombies: true,
      repos: true,
    }),
  },
  'report funnel': {
    shape: 'object',
    fields: keysOf<FunnelReport & { since: string | null; outcomes: unknown }>({
      since: true,
      observations: true,
      candidates: true,
      suppressed: true,
      waiting: true,
      actedOn: true,
      byKind: true,
      cost: true,
      outcomes: true,
    }),
  },
  explain: { shape: 'object', fields: EXPLAIN_FIELDS },
  budget: { shape: 'object', fields: ['now', 'providers'] },
  doctor: { shape: 'object', fields: ['ok', 'checks'] },
  ingest: {
    shape: 'object',
    fields: keysOf<IngestSummary & { roots: string[] }>({
      roots: true,
      filesSeen: true,
      filesRead: true,
      filesUnchanged: true,
      bytesRead: true,
      newEvents: true,
      newTokens: true,
      duplicates: true,
      rateLimitSamples: true,
      linesSkipped: true,
      skipped: true,
      filesSkipped: true,
      unreadable: true,
      damaged: true,
      sameFile: true,
      ambiguousTies: true,
    }),
  },
};

/** Amounts of money (keys ending in Usd) to whole cents, as numbers. */
export function roundCosts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(roundCosts);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      typeof v === 'number' && /usd$/i.test(k) ? Math.round(v * 100) / 100 : roundCosts(v),
    ]),
  );
}

/** The fields asked for, in the order asked, of the document or of each of its rows. */
export function selectFields(
  command: string,
  doc: unknown,
  fields: readonly string[] | undefined,
): unknown {
  if (!fields) return doc;
  const spec = JSON_DOCUMENTS[command];
  if (!spec)
    throw new UsageError(`radar ${command} --json prints one document; it takes no field list`);
  const unknown = fields.filter((f) => !spec.fields.includes(f));
  if (unknown.length)
    throw new UsageError(
      `unknown JSON field${unknown.length === 1 ? '' : 's'} for radar ${command}: ${unknown.join(', ')}`,
      [`available: ${spec.fields.join(', ')}`],
    );
  const pick = (o: unknown) =>
    Object.fromEntries(fields.map((f) => [f, (o as Record<string, unknown>)[f] ?? null]));
  return Array.isArray(doc) ? doc.map(pick) : pick(doc);
}

/** Writes a command's one JSON document: costs in cents, the fields `--json a,b` asked for. */
export function writeJson(
  ctx: Pick<Context, 'stdout' | 'jsonFields'>,
  command: string,
  doc: unknown,
  options: { indent?: number } = {},
): void {
  const selected = selectFields(command, roundCosts(doc), ctx.jsonFields);
  ctx.stdout.write(`${JSON.stringify(selected, null, options.indent)}\n`);
}

/** The README's field lists, one line per command. */
export function jsonFieldsMarkdown(): string {
  return Object.entries(JSON_DOCUMENTS)
    .map(
      ([command, spec]) =>
        `- \`radar ${command}\`${spec.shape === 'rows' ? " (a list; fields select each row's)" : ''}: ` +
        spec.fields.map((f) => `\`${f}\``).join(', '),
    )
    .join('\n');
}
