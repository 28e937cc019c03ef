import type { LedgerStats, MaintenanceLedger } from '../ports.js';
import type { PgDb } from './db.js';
import { schemaVersion } from './migrate.js';
import { PG_MIGRATIONS } from './migrations.js';

/** Every table the migrations create (by name, as their DDL spells it). */
export function migratedTables(migrations: readonly string[] = PG_MIGRATIONS): string[] {
  const names = migrations.flatMap((ddl) =>
    [...ddl.matchAll(/\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi)].map(
      (m) => m[1]!.toLowerCase(),
    ),
  );
  return [...new Set(names)].sort();
}

/**
 * `radar doctor`'s look at a PostgreSQL ledger. The server checks its own pages (there is no
 * `PRAGMA integrity_check` to run); what radar can check is that the schema is the version this
 * radar migrated to and that every table of it is there.
 */
export class PgMaintenance implements MaintenanceLedger {
  constructor(private readonly db: PgDb) {}

  integrity(): string[] {
    const problems: string[] = [];
    const version = schemaVersion(this.db);
    if (version !== PG_MIGRATIONS.length)
      problems.push(`schema version ${version}, this radar expects ${PG_MIGRATIONS.length}`);
    const missing = this.db.all<{ name: string }>(
      `SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL ORDER BY name`,
      [migratedTables()],
    );
    for (const { name } of missing) problems.push(`table ${name} is missing`);
    return problems.length ? problems : ['ok'];
  }

  stats(): LedgerStats {
    const tables = ['token_events', 'token_sources', 'scan_runs'] as const;
    const present = new Set(
      this.db
        .all<{ name: string }>(
          `SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL`,
          [tables],
        )
        .map((r) => r.name),
    );
    // Table names from the list above, never from input.
    const count = (table: (typeof tables)[number]) =>
      present.has(table)
        ? (this.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)?.n ?? 0)
        : 0;
    return {
      schema: schemaVersion(this.db),
      tokenEvents: count('token_events'),
      tokenSources: count('token_sources'),
      scanRuns: count('scan_runs'),
    };
  }

  engine(): { name: string; version: string } {
    const row = this.db.one<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return { name: 'PostgreSQL', version: row?.v.split(' ')[0] ?? 'unknown' };
  }
}
