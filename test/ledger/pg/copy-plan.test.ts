import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../../src/ledger/open.js';
import {
  pgColumns,
  planCopy,
  sqliteTables,
  type PgColumn,
  type SqliteTable,
} from '../../../src/ledger/pg/copy.js';
import { PgDb } from '../../../src/ledger/pg/db.js';
import { migratedTables } from '../../../src/ledger/pg/maintenance.js';
import { migratePg } from '../../../src/ledger/pg/migrate.js';
import { tempTree } from '../../helpers/cli.js';
import { freshPgSchema } from '../../helpers/pg.js';

/**
 * `radar ledger copy` is driven by the two schemas: a column of one name on both sides is copied
 * as it is, and only the differences planCopy knows are allowed. The first case reads both
 * engines' real catalogues, so a migration added to one engine only stops the copy here.
 */
const col = (table: string, name: string, type = 'bigint', identity = false): PgColumn => ({
  table,
  name,
  type,
  identity,
});
const lite = (columns: string[], rowid = true): SqliteTable => ({ columns, rowid });

describe('planCopy on the real schemas', () => {
  let tree: ReturnType<typeof tempTree>;
  let pg: ReturnType<typeof freshPgSchema>;
  beforeAll(() => {
    tree = tempTree();
    pg = freshPgSchema();
  });
  afterAll(() => {
    tree.cleanup();
    pg.drop();
  });

  it('finds no difference it does not know, and fills the roll-ups after the events', () => {
    const sqlite = openLedger(join(tree.dir, 'radar.db'));
    const db = PgDb.connect(pg.url);
    try {
      migratePg(db);
      const tables = migratedTables();
      const { copies, problems } = planCopy(
        tables,
        sqliteTables(sqlite, tables),
        pgColumns(db, tables),
      );
      expect(problems).toEqual([]);
      const order = copies.map((c) => c.table);
      expect([...order].sort()).toEqual(tables);
      expect(order.indexOf('token_events')).toBeLessThan(order.indexOf('token_rollup_day'));
      expect(
        copies
          .filter((c) => c.replaces)
          .map((c) => c.table)
          .sort(),
      ).toEqual([
        'token_rollup_bucket',
        'token_rollup_day',
        'token_rollup_hour',
        'token_rollup_time',
      ]);
      // The known differences: seq from the rowid, the verdicts' latest judging folded in.
      const verdicts = copies.find((c) => c.table === 'verdicts')!;
      expect(verdicts.select).toMatch(/verdicts\.rowid/);
      expect(verdicts.select).toMatch(/coalesce\(judged\.judged_at, verdicts\.evaluated_at\)/);
      expect(copies.find((c) => c.table === 'scan_runs')!.columns).not.toContain('judged_at');
    } finally {
      db.close();
      sqlite.close();
    }
  });
});

describe('planCopy', () => {
  it.each([
    {
      name: 'same columns: copied by name, identities noted',
      sqlite: { things: lite(['id', 'name']) },
      pg: [col('things', 'id', 'bigint', true), col('things', 'name', 'text')],
      problems: [],
      select: 'SELECT things."id", things."name" FROM things ORDER BY things.rowid',
    },
    {
      name: 'a WITHOUT ROWID table is read without a rowid order',
      sqlite: { things: lite(['id'], false) },
      pg: [col('things', 'id', 'text')],
      problems: [],
      select: 'SELECT things."id" FROM things',
    },
    {
      name: 'a PostgreSQL column SQLite lacks',
      sqlite: { things: lite(['id']) },
      pg: [col('things', 'id'), col('things', 'added', 'text')],
      problems: ['things.added has no SQLite column'],
    },
    {
      name: 'a SQLite column PostgreSQL lacks',
      sqlite: { things: lite(['id', 'extra']) },
      pg: [col('things', 'id')],
      problems: ['things.extra has no PostgreSQL column'],
    },
    {
      name: 'scan_runs.judged_at is the one SQLite column left behind',
      sqlite: { scan_runs: lite(['id', 'judged_at']) },
      pg: [col('scan_runs', 'id')],
      problems: [],
      select: 'SELECT scan_runs."id" FROM scan_runs ORDER BY scan_runs.rowid',
    },
    {
      name: 'a type radar does not send',
      sqlite: { things: lite(['id', 'flag']) },
      pg: [col('things', 'id'), col('things', 'flag', 'boolean')],
      problems: ['things.flag has a type radar cannot copy (boolean)'],
    },
    {
      name: 'a table missing on one side',
      sqlite: {},
      pg: [col('things', 'id')],
      problems: ['table things is not in the SQLite ledger'],
    },
  ])('$name', ({ sqlite, pg, problems, select }) => {
    const plan = planCopy(
      ['things', 'scan_runs'].filter((t) => t in sqlite || pg.some((c) => c.table === t)),
      new Map(Object.entries(sqlite)),
      pg,
    );
    expect(plan.problems).toEqual(problems);
    expect(plan.copies.map((c) => c.select)).toEqual(select === undefined ? [] : [select]);
  });
});
