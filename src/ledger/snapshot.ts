import { openDatabase } from './sqlite.js';
import { MIGRATIONS } from './migrations.js';
import { PAGE_SIZE, type Db } from './open.js';

/**
 * How schema-snapshot.ts is made and checked (`npm run ledger:snapshot`, test/ledger/open.test.ts):
 * not part of opening a ledger, which only reads the snapshot.
 */

/** Object kinds in the order they can be created: a table before its indexes and triggers. */
const KIND_ORDER = ['table', 'index', 'view', 'trigger'];

/** The statements that create this database's schema (SQLite's own objects left out). */
export function schemaStatements(db: Db): string[] {
  const rows = db
    .prepare(
      "SELECT type, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
    )
    .all() as { type: string; sql: string }[];
  return KIND_ORDER.flatMap((kind) => rows.filter((r) => r.type === kind).map((r) => r.sql));
}

/**
 * The text of schema-snapshot.ts: every migration applied in order to an empty database, and the
 * schema read back. `npm run ledger:snapshot` writes it; a test holds it to the migrations.
 */
export function schemaSnapshotText(): string {
  const db = openDatabase(':memory:', { readonly: false, fileMustExist: false });
  try {
    db.pragma(`page_size = ${PAGE_SIZE}`);
    MIGRATIONS.forEach((sql) => db.exec(sql));
    const snapshot = { version: MIGRATIONS.length, statements: schemaStatements(db) };
    return [
      '// Written by `npm run ledger:snapshot` from src/ledger/migrations.ts: do not edit by hand.',
      '',
      '/**',
      ' * The schema every migration in order leaves behind, read back from SQLite: a new ledger is',
      ' * made from it at once (open.ts), not by replaying the migrations. `version` is the number of',
      ' * migrations it holds; a ledger of any other version is migrated step by step.',
      ' */',
      `export const SCHEMA_SNAPSHOT: { version: number; statements: readonly string[] } = ${JSON.stringify(snapshot, null, 2)};`,
      '',
    ].join('\n');
  } finally {
    db.close();
  }
}
