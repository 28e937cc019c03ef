import type BetterSqlite3 from 'better-sqlite3';

/**
 * A store's statements, each prepared the first time it is used. Preparing costs about as much
 * as running a small query, and a command uses few of a store's statements: `radar ingest` of
 * unchanged files runs two of the token store's twenty-odd.
 */
export function lazyStatements<K extends string>(
  db: BetterSqlite3.Database,
  sql: Record<K, string>,
): Record<K, BetterSqlite3.Statement> {
  const statements = {} as Record<K, BetterSqlite3.Statement>;
  for (const key of Object.keys(sql) as K[]) {
    Object.defineProperty(statements, key, {
      configurable: true,
      enumerable: true,
      get() {
        const statement = db.prepare(sql[key]);
        Object.defineProperty(statements, key, { value: statement, enumerable: true });
        return statement;
      },
    });
  }
  return statements;
}
