import type { Database } from '../db/database.js';
import { migrate, readMigrations, type Migration } from '../db/migrator.js';
import { differences, type TableSums } from './store-events.js';
import { storeLoader } from './store-loader.js';
import { readConsistently, streamTables } from './store-reader.js';
import { appliedMigrations, listTables, tablesWithRows } from './store-tables.js';
import { StorageCopyError } from './storage-copy-error.js';

export interface MoveSummary {
  /** Per table, rows and checksum: the same in both stores. */
  sums: TableSums;
  rows: number;
}

/**
 * Copies one store into another that is empty, in one transaction on the target: every table,
 * then the sequences (so ids and incident numbers go on where they were), then each table is
 * read back from the target and its count and checksum compared with the source's before it
 * commits. A target that already holds rows is refused, so running it twice never doubles data.
 */
export async function moveStore(source: Database, target: Database, migrations: Migration[] = readMigrations()): Promise<MoveSummary> {
  await migrate(source, { migrations });
  await migrate(target, { migrations });
  const sums = await target.transaction(async (targetSql) => {
    const tables = await listTables(targetSql);
    const filled = await tablesWithRows(targetSql, tables);
    if (filled.length) {
      const already = await readConsistently(source, (sql) => streamTables(sql, tables, undefined, { sequences: false }));
      const identical = differences(already, await streamTables(targetSql, tables, undefined, { sequences: false })).length === 0;
      throw new StorageCopyError(
        identical ? 'already_moved' : 'target_not_empty',
        identical
          ? 'The target database already holds an identical copy of this store: the move was done before. Nothing was copied again.'
          : `The target database is not empty (${filled.slice(0, 4).map((t) => t.name).join(', ')}${filled.length > 4 ? ', …' : ''} hold rows); ` +
              'move-storage copies only into an empty database, so two histories are never mixed. Create a new one (createdb) and point --to at it. Nothing was copied.',
      );
    }
    const copied = await readConsistently(source, async (sourceSql) => {
      const [from, to] = [await appliedMigrations(sourceSql), await appliedMigrations(targetSql)];
      if (from.join() !== to.join()) throw new StorageCopyError('schema_mismatch', `The two stores are at different schema versions (${from.length} and ${to.length} migrations); nothing was copied.`);
      return streamTables(sourceSql, tables, storeLoader(targetSql, tables));
    });
    const problems = differences(copied, await streamTables(targetSql, tables, undefined, { sequences: false }));
    if (problems.length) throw new StorageCopyError('checksum_mismatch', `The copy does not match the source (${problems.join('; ')}); it was rolled back and the target is empty.`);
    return copied;
  });
  return { sums, rows: [...sums.values()].reduce((total, table) => total + table.rows, 0) };
}
