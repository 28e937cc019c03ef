import type { Context } from '../context.js';
import type { CommandOptions } from './types.js';
import { writeJson } from './json-output.js';
import { UsageError } from '../core/errors.js';
import { acquireProcessLock } from '../ledger/lock.js';
import { defaultLogFolders } from '../config/paths.js';
import { bucketResolver } from '../tokens/bucket.js';
import {
  collectFiles,
  emptySummary,
  ingestFiles,
  parserThreadsFor,
  type IngestSummary,
} from '../tokens/ingest.js';
import type { ParsePool } from '../tokens/pool.js';
import { machineZone } from '../time/zone.js';
import { formatInt } from '../render/number.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLEAR_LINE, LINE_START } from '../render/terminal.js';

type IngestOptions = CommandOptions<'ingest'>;

/** `radar ingest [paths...]`: token markers from agent logs into the ledger, exactly once. */
export async function run(ctx: Context, paths: string[], options: IngestOptions): Promise<number> {
  const config = ctx.config();
  const summary = emptySummary();
  let roots: string[];
  if (paths.length > 0) {
    roots = paths.map((p) => resolve(ctx.cwd, p));
    const missing = roots.filter((p) => !existsSync(p));
    if (missing.length === roots.length)
      throw new UsageError(`nothing to ingest: ${missing.join(', ')} not found`);
  } else {
    // Default folders that do not exist are simply not there yet (no Claude, say): not an error.
    roots = defaultLogFolders(config, ctx.env, ctx.cwd)
      .map((f) => f.path)
      .filter((p) => existsSync(p));
  }
  const started = Date.now();
  // A ledger that is not there yet takes every file found: when that is a lot to read, the
  // parser threads start loading now, while the ledger is made and the files are planned.
  const location = ctx.ledgerLocation();
  const fresh = location.url === undefined && !existsSync(location.path);
  const found = fresh ? await collectFiles(roots, summary.unreadable) : undefined;
  const parsers = found && (await parserThreadsFor(found));
  try {
    // One ingest at a time per ledger: two would plan the same new bytes before either commits.
    // The lock is the kernel's (it goes with the process, even on kill -9).
    // The ledger is opened first, so a --ledger that is not radar's is refused before a lock file
    // is created beside it.
    ctx.ledger();
    const release = acquireProcessLock(ctx.ledgerPath(), 'ingest', 'radar ingest');
    try {
      const files = found ?? (await collectFiles(roots, summary.unreadable));
      return await ingest(ctx, roots, files, { started, parsers, bucket: options.bucket }, summary);
    } finally {
      release();
    }
  } finally {
    await parsers?.close();
  }
}

async function ingest(
  ctx: Context,
  roots: string[],
  files: readonly string[],
  { started, parsers, bucket }: { started: number; parsers?: ParsePool; bucket?: string },
  summary: IngestSummary,
): Promise<number> {
  const config = ctx.config();
  const store = ctx.ledger().tokens;
  const machine = ctx.machine();
  store.registerMachine(machine, started);
  const progress = ctx.stderr.isTTY && !ctx.json && files.length > 200;
  await ingestFiles(
    files,
    {
      store,
      machine: machine.id,
      bucketFor: bucketResolver(config.tokens.buckets, ctx.cwd, bucket),
      zone: () => config.timezone ?? machineZone(),
      now: () => ctx.now().getTime(),
      maxEventTokens: config.tokens.maxEventTokens,
      parsers,
      onFile: progress
        ? (_path, done, total) => {
            if (done % 50 === 0) ctx.stderr.write(`${LINE_START}ingesting ${done}/${total} files…`);
          }
        : undefined,
    },
    summary,
  );
  if (progress) ctx.stderr.write(CLEAR_LINE);
  store.recordRun(started, Date.now(), summary);
  if (ctx.json) writeJson(ctx, 'ingest', { roots, ...summary });
  else ctx.stdout.write(renderSummary(summary, roots));
  for (const u of summary.unreadable)
    ctx.stderr.write(`radar: cannot read ${u.path}: ${u.error}\n`);
  for (const d of summary.damaged)
    ctx.stderr.write(
      `radar: damaged file ${d.path} (${d.error}): kept the ${d.keptEvents} markers before the damage\n`,
    );
  return summary.unreadable.length > 0 && summary.filesRead === 0 && summary.filesUnchanged === 0
    ? 1
    : 0;
}

export function renderSummary(s: IngestSummary, roots: string[]): string {
  const lines: string[] = [];
  if (roots.length === 0)
    lines.push('no log folders found (pass paths, or set tokens.paths in config)');
  lines.push(
    `${formatInt(s.filesRead)} files read (${formatBytes(s.bytesRead)}), ${formatInt(s.filesUnchanged)} unchanged`,
  );
  lines.push(`${formatInt(s.newEvents)} new events, ${formatInt(s.newTokens)} new tokens`);
  if (s.duplicates > 0)
    lines.push(`${formatInt(s.duplicates)} markers already in the ledger (not counted again)`);
  if (s.rateLimitSamples > 0) lines.push(`${formatInt(s.rateLimitSamples)} quota samples`);
  const reasons = Object.entries(s.skipped)
    .map(([reason, n]) => `${formatInt(n ?? 0)} ${reason}`)
    .join(', ');
  lines.push(`${formatInt(s.linesSkipped)} lines skipped${reasons ? ` (${reasons})` : ''}`);
  if (s.filesSkipped.length > 0) lines.push(`${s.filesSkipped.length} files skipped (not logs)`);
  if (s.unreadable.length > 0)
    lines.push(`${s.unreadable.length} unreadable files (listed on stderr)`);
  if (s.damaged.length > 0) lines.push(`${s.damaged.length} damaged files (listed on stderr)`);
  if (s.sameFile > 0) lines.push(`${s.sameFile} paths named a file already read (links)`);
  if (s.ambiguousTies.length > 0)
    lines.push(
      `${s.ambiguousTies.length} markers of Codex runs in logs without a session id fit several rollouts: counted from the log, not tied to a rollout (may be counted twice)`,
    );
  return `${lines.join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} KB`;
  return `${bytes} bytes`;
}
