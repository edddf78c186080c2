import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project-root.js';
import type { Database } from './database.js';
import type { SqlSession } from './sql-session.js';

/**
 * Applies prisma/migrations/* the way `prisma migrate deploy` does, without Prisma's schema
 * engine (which cannot be downloaded everywhere): in order, each in a transaction, recorded in
 * `_prisma_migrations` with the same columns and checksum, so Prisma's own commands agree with
 * us wherever they can run. An advisory lock makes replicas that start together take turns.
 */

// Prisma's own migrate lock id, so `prisma migrate deploy` and the bot also take turns.
const MIGRATION_LOCK_ID = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  readonly code = 'migration_failed';
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function migrationsDir(): string {
  return join(projectRoot(), 'prisma', 'migrations');
}

export function readMigrations(dir = migrationsDir()): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`No migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function migrate(
  database: Database,
  options: { migrations?: Migration[]; onApplied?: (name: string) => void } = {},
): Promise<MigrationResult> {
  const migrations = options.migrations ?? readMigrations();
  const session = await database.openSession();
  try {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      return await applyPending(session, migrations, options.onApplied);
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await session.release();
  }
}

async function applyPending(
  session: SqlSession,
  migrations: Migration[],
  onApplied?: (name: string) => void,
): Promise<MigrationResult> {
  await session.exec(CREATE_MIGRATIONS_TABLE);
  const rows = await session.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
  );
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} failed earlier and was never finished. Fix the database by hand, ` +
        `then mark it rolled back (prisma migrate resolve --rolled-back ${failed.migration_name}).`,
    );
  }
  const done = new Set(rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((r) => r.migration_name));
  const known = new Set(migrations.map((m) => m.name));
  const unknown = [...done].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new MigrationError(
      `The database has migrations this version of the bot does not know (${unknown.join(', ')}): ` +
        'it was migrated by a newer version. Run that version, or restore a matching backup.',
    );
  }
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    try {
      await session.exec('BEGIN');
      await session.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
        [randomUUID(), migration.checksum, migration.name],
      );
      await session.exec(migration.sql);
      await session.query(
        'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE migration_name = $1 AND finished_at IS NULL',
        [migration.name],
      );
      await session.exec('COMMIT');
    } catch (error) {
      await session.exec('ROLLBACK').catch(() => {});
      throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
    }
    applied.push(migration.name);
    onApplied?.(migration.name);
  }
  return { applied, alreadyApplied: [...done] };
}

/** Names of migrations shipped with the bot but not applied to this database. */
export async function pendingMigrations(database: Database, migrations = readMigrations()): Promise<string[]> {
  const [table] = await database.prisma.$queryRaw<{ exists: boolean }[]>`
    SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`;
  if (!table?.exists) return migrations.map((m) => m.name);
  const rows = await database.prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(rows.map((row) => row.migration_name));
  return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
}
