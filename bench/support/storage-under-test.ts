import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase } from './bench-database.js';

export type StorageKind = 'pglite' | 'postgres';
export const STORAGES: StorageKind[] = ['pglite', 'postgres'];

/** Where one bot keeps its data: a new DATA_DIR (embedded) or a new PostgreSQL database. */
export interface StorageUnderTest {
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function freshStorage(kind: StorageKind, label: string): Promise<StorageUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${label}-`));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') return { env: { DATA_DIR: dataDir }, remove: removeDir };
  const database = await createBenchDatabase(`bench_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`);
  return {
    // DATA_DIR still matters on PostgreSQL: the generated webhook token lives there.
    env: { DATABASE_URL: database.url, DATA_DIR: dataDir },
    async remove() {
      await database.drop();
      await removeDir();
    },
  };
}
