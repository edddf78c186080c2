import { openPGlite, type Database } from '../db/database.js';
import { migrate, readMigrations, type Migration } from '../db/migrator.js';
import type { Sql } from '../db/sql.js';
import { readBackupFile, type BackupContents } from './backup-file.js';
import { differences, type TableSums } from './store-events.js';
import { lockTables, storeLoader } from './store-loader.js';
import { readConsistently, streamTables } from './store-reader.js';
import { listTables, tablesWithRows, type StoreTable } from './store-tables.js';
import { StorageCopyError } from './storage-copy-error.js';

export interface RestoreSummary {
  backup: BackupContents;
  /** Migrations this version applied to the backup's rows after loading them (an older backup). */
  upgradedThrough: string[];
  sums: TableSums;
}

/**
 * The migrations to load a backup at: those it was taken with, which must be the first ones this
 * version ships. A backup from a newer version (a migration this one does not know) is refused.
 */
export function backupSchemaLevel(backupMigrations: string[], known: Migration[]): { at: Migration[]; after: Migration[] } {
  const names = known.map((migration) => migration.name);
  const unknown = backupMigrations.filter((name) => !names.includes(name));
  if (unknown.length) {
    throw new StorageCopyError(
      'newer_schema',
      `The backup was made by a newer version of the bot: its schema has ${unknown.length} migration(s) this version does not know (${unknown.slice(-3).join(', ')}). ` +
        'Restore it with that version or a newer one.',
    );
  }
  const at = known.slice(0, backupMigrations.length);
  if (at.some((migration, index) => migration.name !== backupMigrations[index])) {
    throw new StorageCopyError('unknown_schema', `The backup's schema (${backupMigrations.length} migrations) is not one this version of the bot ever had, so its rows cannot be placed.`);
  }
  return { at, after: known.slice(backupMigrations.length) };
}

/** Refuses a store that holds anything: a restore or a move never mixes two histories. */
export async function requireEmpty(sql: Sql, tables: StoreTable[], what: string): Promise<void> {
  const filled = await tablesWithRows(sql, tables);
  if (filled.length === 0) return;
  throw new StorageCopyError(
    'target_not_empty',
    `${what} is not empty (${filled.slice(0, 4).map((table) => `${table.name}: ${table.rows >= 1000 ? '1000+' : table.rows} row(s)`).join(', ')}${filled.length > 4 ? ', …' : ''}). ` +
      'Restore into an empty store: a new DATA_DIR, or a new PostgreSQL database (createdb).',
  );
}

/**
 * Restores a backup file into an empty store, in one transaction: the file is checked whole
 * first (`checked`, when the caller already did), then loaded and compared table by table with
 * the backup's checksums before it commits. A backup from an older version is loaded into a
 * scratch in-memory store at its own schema, migrated there, then copied, so the target only
 * ever sees rows of its own schema.
 */
export async function restoreStore(path: string, target: Database, options: { migrations?: Migration[]; checked?: BackupContents } = {}): Promise<RestoreSummary> {
  const migrations = options.migrations ?? readMigrations();
  const checked = options.checked ?? (await readBackupFile(path));
  const level = backupSchemaLevel(checked.header.migrations, migrations);
  // Checked before migrating too: a store that is not empty is left exactly as it was.
  await target.transaction(async (sql) => requireEmpty(sql, await listTables(sql), 'The store to restore into'));
  await migrate(target, { migrations });
  const into = async (work: (sql: Sql, tables: StoreTable[]) => Promise<TableSums>) =>
    target.transaction(async (sql) => {
      const tables = await listTables(sql);
      await lockTables(sql, tables);
      await requireEmpty(sql, tables, 'The store to restore into');
      return work(sql, tables);
    });
  if (level.after.length === 0) {
    const sums = await into(async (sql, tables) => {
      const loader = storeLoader(sql, tables);
      await readBackupFile(path, loader.sink);
      const loaded = verified(checked.sums, await streamTables(sql, tables, undefined, { sequences: false }), 'after loading the backup');
      await loader.finish();
      return loaded;
    });
    return { backup: checked, upgradedThrough: [], sums };
  }
  const scratch = await openPGlite();
  try {
    await migrate(scratch, { migrations: level.at });
    await scratch.transaction(async (sql) => {
      const tables = await listTables(sql);
      const loader = storeLoader(sql, tables);
      await readBackupFile(path, loader.sink);
      verified(checked.sums, await streamTables(sql, tables, undefined, { sequences: false }), 'after loading the backup');
      await loader.finish();
    });
    await migrate(scratch, { migrations });
    const sums = await into(async (sql, tables) => {
      const loader = storeLoader(sql, tables);
      const upgraded = await readConsistently(scratch, (source) => streamTables(source, tables, loader.sink));
      const loaded = verified(upgraded, await streamTables(sql, tables, undefined, { sequences: false }), 'after copying the upgraded backup');
      await loader.finish();
      return loaded;
    });
    return { backup: checked, upgradedThrough: level.after.map((migration) => migration.name), sums };
  } finally {
    await scratch.close();
  }
}

function verified(expected: TableSums, actual: TableSums, when: string): TableSums {
  const problems = differences(expected, actual);
  if (problems.length) throw new StorageCopyError('checksum_mismatch', `The restored store does not match the backup ${when} (${problems.join('; ')}); it was rolled back.`);
  return actual;
}
