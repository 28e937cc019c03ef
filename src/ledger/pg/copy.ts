import { RadarError } from '../../core/errors.js';
import type { Machine } from '../../core/machine.js';
import type { Db } from '../open.js';
import type { LedgerCopy } from '../ports.js';
import { judgedJoin } from '../rules-store.js';
import { ROLLUP_LEVELS } from '../token-schema.js';
import { PgDb } from './db.js';
import { migratedTables } from './maintenance.js';
import { migratePg } from './migrate.js';

/**
 * Copies a SQLite ledger into a PostgreSQL one: every table's rows with their ids, in one
 * transaction on the server, from one read snapshot of the file. The copy is driven by the two
 * schemas as their catalogues describe them (a column of the same name on both sides), and
 * `planCopy` refuses any difference it does not know; the few it knows are listed below.
 */

/** A PostgreSQL column as its catalogue describes it. */
export interface PgColumn {
  table: string;
  name: string;
  /** information_schema's data_type: bigint, integer, text, double precision. */
  type: string;
  identity: boolean;
}

/** A SQLite table as PRAGMA table_list / table_info describe it. */
export interface SqliteTable {
  columns: string[];
  rowid: boolean;
}

/** How one PostgreSQL table is filled from the SQLite file. */
export interface TableCopy {
  table: string;
  /** The PostgreSQL columns written, in order, with their array types for `unnest`. */
  columns: string[];
  types: string[];
  /** The SQLite statement reading the rows, one value per column in the same order. */
  select: string;
  /** Identity columns, whose sequences continue after the copied ids. */
  identities: string[];
  /** Filled by triggers as the events are copied: cleared first, then copied as they stand. */
  replaces: boolean;
}

/**
 * PostgreSQL columns with no SQLite column of their name: the SQLite expression that gives each.
 * `seq` is the order rows were first written, which SQLite's rowid keeps. SQLite rewrites a
 * verdict only when it changed and records when each scan judged the queue (scan_runs.judged_at);
 * PostgreSQL rewrites every verdict, so a verdict's scan and time are its latest judging scan's.
 */
const DERIVED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  prs: { seq: 'prs.rowid' },
  verdicts: {
    seq: 'verdicts.rowid',
    scan_id: 'coalesce(judged.id, verdicts.scan_id)',
    evaluated_at: 'coalesce(judged.judged_at, verdicts.evaluated_at)',
  },
};
const JOINS: Readonly<Record<string, string>> = { verdicts: judgedJoin('verdicts') };

/** SQLite columns PostgreSQL does without (what they said is in DERIVED). */
const DROPPED: Readonly<Record<string, readonly string[]>> = { scan_runs: ['judged_at'] };

/** Kept by the events' triggers on both engines: copied after the events, as they stand. */
const TRIGGER_FILLED = new Set(Object.keys(ROLLUP_LEVELS));

const ARRAY_TYPES: Readonly<Record<string, string>> = {
  bigint: 'int8',
  integer: 'int4',
  text: 'text',
  'double precision': 'float8',
};

/** Rows per INSERT: one statement each, whatever the table's width. */
const BATCH = 5000;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The copy of each table, from both catalogues (pure): every PostgreSQL table of the ledger is
 * filled column by column from the SQLite column of the same name, or from DERIVED; a column on
 * one side only that neither DERIVED nor DROPPED names, or a type it cannot send, is a problem
 * and nothing is copied. The roll-ups come after the events, whose triggers fill them.
 */
export function planCopy(
  tables: readonly string[],
  sqlite: ReadonlyMap<string, SqliteTable>,
  pg: readonly PgColumn[],
): { copies: TableCopy[]; problems: string[] } {
  const problems: string[] = [];
  const copies: TableCopy[] = [];
  const ordered = [...tables].sort(
    (a, b) => Number(TRIGGER_FILLED.has(a)) - Number(TRIGGER_FILLED.has(b)) || (a < b ? -1 : 1),
  );
  for (const table of ordered) {
    const source = sqlite.get(table);
    const target = pg.filter((c) => c.table === table);
    if (!source) {
      problems.push(`table ${table} is not in the SQLite ledger`);
      continue;
    }
    if (target.length === 0) {
      problems.push(`table ${table} is not in the PostgreSQL ledger`);
      continue;
    }
    const derived = DERIVED[table] ?? {};
    const select: string[] = [];
    for (const c of target) {
      const expression =
        derived[c.name] ?? (source.columns.includes(c.name) ? `${table}.${quote(c.name)}` : '');
      if (!expression) problems.push(`${table}.${c.name} has no SQLite column`);
      if (!ARRAY_TYPES[c.type])
        problems.push(`${table}.${c.name} has a type radar cannot copy (${c.type})`);
      select.push(expression);
    }
    const names = new Set(target.map((c) => c.name));
    for (const column of source.columns)
      if (!names.has(column) && !DROPPED[table]?.includes(column))
        problems.push(`${table}.${column} has no PostgreSQL column`);
    copies.push({
      table,
      columns: target.map((c) => c.name),
      types: target.map((c) => ARRAY_TYPES[c.type] ?? c.type),
      select: [
        `SELECT ${select.join(', ')} FROM ${table}`,
        JOINS[table],
        source.rowid ? `ORDER BY ${table}.rowid` : undefined,
      ]
        .filter(Boolean)
        .join(' '),
      identities: target.filter((c) => c.identity).map((c) => c.name),
      replaces: TRIGGER_FILLED.has(table),
    });
  }
  return { copies: problems.length ? [] : copies, problems };
}

/** The target already holds a radar ledger with rows: the tables that have some, and how many. */
export class PgLedgerNotEmptyError extends RadarError {
  constructor(readonly held: readonly { table: string; rows: number }[]) {
    super('the PostgreSQL ledger already holds rows');
    this.name = 'PgLedgerNotEmptyError';
  }
}

/**
 * Copies the open SQLite ledger into the PostgreSQL ledger at `url` (creating its tables when
 * the schema has none) and returns the rows copied per table. Refused, nothing written, when the
 * target's tables hold any row (PgLedgerNotEmptyError). Sources recorded before machines existed
 * become `machine`'s, as the next ingest would make them.
 */
export function copySqliteToPg(sqlite: Db, url: string, machine: Machine, now: number): LedgerCopy {
  const pg = PgDb.connect(url, { statementTimeoutMs: 600_000 });
  try {
    // One read snapshot of the file for the whole copy, while cron jobs may write to it.
    return sqlite
      .transaction(() => pg.transaction(() => copyInto(sqlite, pg, machine, now)))
      .deferred();
  } finally {
    pg.close();
  }
}

function copyInto(sqlite: Db, pg: PgDb, machine: Machine, now: number): LedgerCopy {
  migratePg(pg);
  const tables = migratedTables();
  // Nobody writes to the target while it is checked and filled (readers are not held up).
  pg.exec(`LOCK TABLE ${tables.map(quote).join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
  const held = rowCounts(pg, tables).filter((t) => t.rows > 0);
  if (held.length) throw new PgLedgerNotEmptyError(held);
  const { copies, problems } = planCopy(
    tables,
    sqliteTables(sqlite, tables),
    pgColumns(pg, tables),
  );
  if (problems.length)
    throw new RadarError(
      "the two ledgers' schemas differ; nothing was copied",
      undefined,
      problems,
    );
  const copied = copies.map((copy) => ({ table: copy.table, rows: copyTable(sqlite, pg, copy) }));
  const adopted = pg.run(`UPDATE token_sources SET machine = $1 WHERE machine IS NULL`, [
    machine.id,
  ]);
  if (adopted.rowCount > 0)
    pg.run(
      `INSERT INTO machines (id, name, first_seen, last_seen) VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO NOTHING`,
      [machine.id, machine.name, now],
    );
  return { tables: copied, adoptedSources: adopted.rowCount };
}

/** Rows of each table, in one statement (names from the migrations' DDL, never from input). */
function rowCounts(pg: PgDb, tables: readonly string[]): { table: string; rows: number }[] {
  return pg.all<{ table: string; rows: number }>(
    tables
      .map((t) => `SELECT '${t}' AS "table", count(*) AS rows FROM ${quote(t)}`)
      .join(' UNION ALL '),
  );
}

export function sqliteTables(sqlite: Db, tables: readonly string[]): Map<string, SqliteTable> {
  const listed = new Map(
    (sqlite.pragma('table_list') as { name: string; wr: number; schema: string }[])
      .filter((t) => t.schema === 'main')
      .map((t) => [t.name, t.wr === 0]),
  );
  const found = new Map<string, SqliteTable>();
  for (const table of tables) {
    const rowid = listed.get(table);
    if (rowid === undefined) continue;
    const columns = (sqlite.pragma(`table_info(${quote(table)})`) as { name: string }[]).map(
      (c) => c.name,
    );
    found.set(table, { columns, rowid });
  }
  return found;
}

export function pgColumns(pg: PgDb, tables: readonly string[]): PgColumn[] {
  return pg.all<PgColumn>(
    `SELECT table_name AS table, column_name AS name, data_type AS type, is_identity = 'YES' AS identity
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
     ORDER BY table_name, ordinal_position`,
    [tables],
  );
}

/** One table's rows, BATCH at a time; its identities then continue after the largest id. */
function copyTable(sqlite: Db, pg: PgDb, copy: TableCopy): number {
  const { table, columns, types } = copy;
  if (copy.replaces) pg.run(`DELETE FROM ${quote(table)}`);
  const insert = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')})
    ${copy.identities.length ? 'OVERRIDING SYSTEM VALUE' : ''}
    SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
  let rows = 0;
  let batch: unknown[][] = [];
  const flush = () => {
    if (batch.length === 0) return;
    pg.run(
      insert,
      columns.map((_, i) => batch.map((row) => row[i])),
    );
    rows += batch.length;
    batch = [];
  };
  for (const row of sqlite.prepare(copy.select).raw().iterate() as IterableIterator<unknown[]>) {
    batch.push(row);
    if (batch.length === BATCH) flush();
  }
  flush();
  for (const column of copy.identities)
    pg.one(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(${quote(column)}), 0) + 1, false) FROM ${quote(table)}`,
      [quote(table), column],
    );
  return rows;
}
