import { rename, rm } from 'node:fs/promises';
import type { Database } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import { BACKUP_FORMAT, BACKUP_VERSION, backupFileWriter, type BackupHeader } from './backup-file.js';
import type { TableSums } from './store-events.js';
import { readConsistently, streamTables } from './store-reader.js';
import { appliedMigrations, listTables } from './store-tables.js';

export interface BackupSummary {
  header: BackupHeader;
  sums: TableSums;
  rows: number;
  /** How long the store was held for the snapshot (embedded storage makes the bot wait this long). */
  heldMs: number;
}

/**
 * Writes a consistent snapshot of everything the bot stores to `path` (through a temporary file
 * beside it, renamed only once complete, so a failed backup never leaves a file that looks whole).
 */
export async function backupStore(database: Database, path: string, clock: Clock): Promise<BackupSummary> {
  const partial = `${path}.partial-${process.pid}`;
  let writer: ReturnType<typeof backupFileWriter> | undefined;
  try {
    const started = performance.now();
    const { header, sums } = await readConsistently(database, async (sql) => {
      const tables = await listTables(sql);
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        version: BACKUP_VERSION,
        createdAt: clock.now().toISOString(),
        from: database.kind,
        migrations: await appliedMigrations(sql),
        tables: tables.map((table) => table.name),
      };
      writer = backupFileWriter(partial, header);
      return { header, sums: await streamTables(sql, tables, writer.sink) };
    });
    const heldMs = performance.now() - started;
    await writer!.close();
    await rename(partial, path);
    return { header, sums, rows: [...sums.values()].reduce((total, table) => total + table.rows, 0), heldMs };
  } catch (error) {
    writer?.abort();
    await rm(partial, { force: true });
    throw error;
  }
}
