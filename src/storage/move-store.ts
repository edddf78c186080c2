import type { Database } from '../db/database.js';
import { migrate, readMigrations, type Migration } from '../db/migrator.js';
import { differences, type TableSums } from './store-events.js';
import { lockTables, storeLoader } from './store-loader.js';
import { readConsistently, streamTables } from './store-reader.js';
import { appliedMigrations, listTables, tablesWithRows, type StoreTable } from './store-tables.js';
import { StorageCopyError } from './storage-copy-error.js';

export interface MoveSummary {
  /** Per table, rows and checksum: the same in both stores. */
  sums: TableSums;
  rows: number;
}

/**
 * Copies one store into another that is empty, in one transaction on the target: every table,
 * each read back from the target and its count and checksum compared with the source's, then the
 * sequences (so ids and incident numbers go on where they were), and only then the commit. A
 * target that holds rows, or tables that are not the bot's, is refused before anything is written
 * to it, so running it twice never doubles data and a mistyped URL never touches another app.
 */
export async function moveStore(source: Database, target: Database, migrations: Migration[] = readMigrations()): Promise<MoveSummary> {
  // The source is brought to this version's schema, as the bot's own start would.
  await migrate(source, { migrations });
  const tables = await readConsistently(source, (sql) => listTables(sql));
  await target.transaction((sql) => refuseUnlessEmpty(sql, tables, source));
  await migrate(target, { migrations });
  const sums = await target.transaction(async (targetSql) => {
    const targetTables = await listTables(targetSql);
    await lockTables(targetSql, targetTables);
    await refuseUnlessEmpty(targetSql, tables, source);
    const loader = storeLoader(targetSql, targetTables);
    const copied = await readConsistently(source, async (sourceSql) => {
      const [from, to] = [await appliedMigrations(sourceSql), await appliedMigrations(targetSql)];
      if (from.join() !== to.join()) throw new StorageCopyError('schema_mismatch', `The two stores are at different schema versions (${from.length} and ${to.length} migrations); nothing was copied.`);
      return streamTables(sourceSql, tables, loader.sink);
    });
    const problems = differences(copied, await streamTables(targetSql, tables, undefined, { sequences: false }));
    if (problems.length) throw new StorageCopyError('checksum_mismatch', `The copy does not match the source (${problems.join('; ')}); it was rolled back and the target holds no rows.`);
    await loader.finish();
    return copied;
  });
  return { sums, rows: [...sums.values()].reduce((total, table) => total + table.rows, 0) };
}

/** Refuses a target with tables that are not the bot's, or with rows in the bot's (saying whether an earlier move already put them there). */
async function refuseUnlessEmpty(targetSql: import('../db/sql.js').Sql, tables: StoreTable[], source: Database): Promise<void> {
  const present = await listTables(targetSql);
  const ours = new Set(tables.map((table) => table.name));
  const foreign = present.filter((table) => !ours.has(table.name)).map((table) => table.name);
  if (foreign.length) {
    throw new StorageCopyError(
      'target_not_empty',
      `The target database has tables that are not the bot's (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}): move into a database of its own (createdb -O <user> incident_bot). Nothing was changed.`,
    );
  }
  const shared = tables.filter((table) => present.some((p) => p.name === table.name));
  const filled = await tablesWithRows(targetSql, shared);
  if (filled.length === 0) return;
  const already = await readConsistently(source, (sql) => streamTables(sql, shared, undefined, { sequences: false }));
  const identical = differences(already, await streamTables(targetSql, shared, undefined, { sequences: false })).length === 0;
  throw new StorageCopyError(
    identical ? 'already_moved' : 'target_not_empty',
    identical
      ? 'The target database already holds an identical copy of this store: the move was done before. Nothing was copied again.'
      : `The target database is not empty (${filled.slice(0, 4).map((t) => t.name).join(', ')}${filled.length > 4 ? ', …' : ''} hold rows); ` +
          'move-storage copies only into an empty database, so two histories are never mixed. Create a new one (createdb -O <user> incident_bot) and point --to at it. Nothing was copied.',
  );
}
