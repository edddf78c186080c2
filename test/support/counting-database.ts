import type { Database } from '../../src/db/database.js';
import type { Sql, SqlFragment } from '../../src/db/sql.js';

/** The database, counting every statement sent through it (the intake's own connections included). */
export function countingDatabase(database: Database): { database: Database; statements: () => number } {
  let statements = 0;
  const counting = {
    ...database,
    sql: { query: (fragment: SqlFragment) => (statements++, database.sql.query(fragment)) },
    transaction: <T>(work: (tx: Sql) => Promise<T>) => database.transaction((tx) => work({ query: (fragment) => (statements++, tx.query(fragment)) })),
    get intake() {
      return counting;
    },
  } as Database;
  return { database: counting, statements: () => statements };
}
