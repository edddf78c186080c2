import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, afterAll, beforeAll } from 'vitest';
import { openPGlite, openPostgres, type Database } from '../../src/db/database.js';
import { migrate, readMigrations } from '../../src/db/migrator.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  kind: DatabaseKind;
  database: Database;
  /** Set for PostgreSQL: the URL of this test's own database. */
  url?: string;
  drop(): Promise<void>;
}

export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh, empty PostgreSQL database of its own (not migrated). */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `bot_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A migrated database of the given kind, private to the caller. */
export async function createTestDatabase(kind: DatabaseKind, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openPGlite();
    if (options.migrated !== false) await migrate(database);
    return { kind, database, drop: () => database.close() };
  }
  const created = await createPostgresDatabase();
  const database = openPostgres({ connectionString: created.url, poolSize: 5 });
  if (options.migrated !== false) await migrate(database);
  return {
    kind,
    database,
    url: created.url,
    async drop() {
      await database.close();
      await created.drop();
    },
  };
}

/** Runs the same suite once per database kind, each with a fresh migrated database. */
export function describeEachDatabase(name: string, suite: (db: () => TestDatabase) => void): void {
  for (const kind of databaseKinds()) {
    describe(`${name} [${kind}]`, () => {
      let testDatabase: TestDatabase | undefined;
      beforeAll(async () => {
        testDatabase = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await testDatabase?.drop();
      });
      suite(() => {
        if (!testDatabase) throw new Error('test database not ready');
        return testDatabase;
      });
    });
  }
}

/**
 * A fresh database of the given kind migrated to just before `migration`, for a test that stores
 * rows the old way and then checks what the migration made of them (`finish()` applies the rest).
 */
export async function databaseBefore(kind: DatabaseKind, migration: string): Promise<TestDatabase & { finish(): Promise<void> }> {
  const db = await createTestDatabase(kind, { migrated: false });
  const all = readMigrations();
  const at = all.findIndex((m) => m.name === migration);
  if (at <= 0) throw new Error(`no migration ${migration} with others before it`);
  await migrate(db.database, { migrations: all.slice(0, at) });
  return { ...db, finish: async () => void (await migrate(db.database, { migrations: all })) };
}
