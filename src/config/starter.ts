import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The starter weekly quota per provider, in tokens (the user sets it from their plan). */
export const STARTER_WEEKLY_TOKENS = 20_000_000;

/** Where radar's JSON Schema ships: config/radar.schema.json at the package's root. */
const SHIPPED_SCHEMA = join('config', 'radar.schema.json');

/**
 * The JSON Schema of the installed radar, as a file URL (editors read `$schema` as a URL): found
 * beside the package root above this module (the bundle in dist/bin/, the sources in src/config/,
 * tsc's output in dist/src/config/); undefined when this copy of radar has none.
 */
export function shippedSchemaUrl(from: string = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (let up = 0; up < 3; up++) {
    dir = dirname(dir);
    const path = join(dir, SHIPPED_SCHEMA);
    if (existsSync(path)) return pathToFileURL(path).href;
  }
  return undefined;
}

/**
 * The commented starter config written by `radar init` (JSON with comments), its `$schema` the
 * installed package's schema (`schemaUrl`); without one, the line is left out.
 */
export function starterConfig(schemaUrl: string | undefined): string {
  const schema = schemaUrl
    ? `  // JSON Schema for editor completion and checks: the one that came with this radar.
  "$schema": ${JSON.stringify(schemaUrl)},

`
    : '';
  return `{
${schema}
  // IANA time zone for days and weeks in reports and budget (default: the machine zone).
  // "timezone": "Europe/Berlin",
  "weekStart": "monday",

  "logging": {
    // Log level on stderr: fatal, error, warn, info, debug, trace, silent.
    "level": "warn"
    // "file": "ledgers/radar.log"   // also write JSON logs here
  },

  "tokens": {
    // Folders or files \`radar ingest\` reads when given no path
    // (default: $CODEX_HOME/sessions, $CODEX_HOME/archived_sessions, $CLAUDE_CONFIG_DIR/projects).
    // "paths": ["~/.codex/bounty-radar"],

    // Bucket rules, first match wins. A pattern without "/" matches the file name.
    // Default bucket: the file name without folders, extensions and trailing dates/numbers.
    "buckets": [
      { "match": "*doctor*", "bucket": "doctor" }
    ]
  },

  "budget": {
    // Weekly quotas to pace. Sources of "used %", best first: Codex rollout rate_limits,
    // usageCommand, then the ledger's weekly total against weeklyTokens.
    // A starter budget: replace each weeklyTokens with your plan's weekly quota in tokens. From
    // your plan: after some use, \`radar report tokens --by agent --since 7d\` gives the tokens
    // since the week's start; divide by the share of the weekly limit your plan's usage page
    // shows (8,000,000 at 40% → 20,000,000). Or add a usageCommand that prints the used %.
    "providers": [
      { "name": "codex", "agent": "codex", "weeklyTokens": ${STARTER_WEEKLY_TOKENS} },
      { "name": "claude", "agent": "claude", "weeklyTokens": ${STARTER_WEEKLY_TOKENS} }
      // { "name": "codex", "agent": "codex", "usageCommand": "codexbar usage --provider codex --format json" }
    ],
    // Share of each weekly quota kept back: a session starts only when its reservation fits in the rest.
    "reserve": 5,
    // Share of the weekly quota to have used by the reset.
    "targetBand": { "min": 80, "max": 100 },
    // Under 30% by Wednesday: burn harder (dispatch.burn). Over 90% by Friday: slow down
    // (dispatch.overPace: no session until the reset).
    "checkpoints": [
      { "day": "wednesday", "below": 30 },
      { "day": "friday", "above": 90 }
    ]
  },

  "watch": {
    // Logins whose open PRs (across all repositories) form the queue.
    "authors": [],
    // Repositories whose open PRs are all watched ("owner/name").
    "repos": [],
    // Repositories never watched; globs allowed ("some-org/*").
    "ignore": [],
    "includeDrafts": false
  },

  "scan": {
    // PRs per GraphQL request, and the rate-limit points to keep in reserve.
    "pageSize": 50,
    "rateLimitReserve": 200
  },

  "rules": {
    // A PR escalates when the weights of its signals reach this and one is not yet acted on.
    "threshold": 3,
    // Dirty PRs older than afterDays with no maintainer signal for quietDays stay watch-only.
    "zombie": { "afterDays": 21, "quietDays": 14 },
    // Repositories kept watch-only after the cheap check (globs allowed).
    "lowSignalRepos": [],
    // Stop a PR that burned this many tokens, or this many escalations without progress.
    "stopLoss": { "maxTokensPerPr": 3000000, "maxEscalationsWithoutProgress": 3 }
  }
}
`;
}
