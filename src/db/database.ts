import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';
import { initializePGliteDataDir } from './pglite-data-dir.js';
import { pgliteStartParams } from './pglite-settings.js';
import type { Sql, SqlFragment } from './sql.js';
import type { SqlSession } from './sql-session.js';

export { PrismaClient };
export type Db = PrismaClient;
/** What both a PrismaClient and an interactive transaction client offer. */
export type DbTransaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly prisma: PrismaClient;
  /** A connection of its own (PostgreSQL) or the single embedded one (PGlite). */
  openSession(): Promise<SqlSession>;
  /** Single statements outside a transaction. */
  readonly sql: Sql;
  /** Runs `work` in one transaction on a native connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * The same database through connections kept for the alert intake (PostgreSQL), so that webhooks
   * never wait for a connection behind the jobs a storm sets going; PGlite has one connection.
   */
  readonly intake: Database;
  close(): Promise<void>;
}

export interface PostgresOptions {
  connectionString: string;
  poolSize?: number;
}

/** Connections the alert intake keeps for itself on PostgreSQL, beside the shared pool. */
export const INTAKE_CONNECTIONS = 6;

export function openPostgres({ connectionString, poolSize = 10 }: PostgresOptions): Database {
  // One pool for Prisma and for the native transactions of the hot paths.
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5_000 });
  // A server restart or a terminated backend is an error on the connection, reported to the
  // query that used it; left unheard it would be an uncaught exception that ends the process.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { onPoolError: () => {}, onConnectionError: () => {} }) });
  const run = async <Row>(client: pg.Pool | pg.PoolClient, fragment: SqlFragment): Promise<Row[]> => {
    const { text, params } = fragment.toQuery();
    if (fragment.statementName) return (await client.query({ name: fragment.statementName, text, values: params })).rows as Row[];
    return (await client.query(text, params)).rows as Row[];
  };
  const transactionOn = (pool: pg.Pool) => async <T>(work: (sql: Sql) => Promise<T>): Promise<T> => {
      const client = await pool.connect();
      let broken = false;
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work({ query: (fragment) => run(client, fragment) });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off('error', onError);
        // A connection that could not even roll back is discarded, not reused.
        client.release(broken);
      }
  };
  // Its own few connections (a read, four writes and four changes in flight at most, rarely all at
  // once): measured with a storm of new incidents, whose follow-up jobs otherwise held the shared
  // pool, 15% more alerts a second.
  const intakePool = new pg.Pool({
    connectionString,
    max: INTAKE_CONNECTIONS,
    connectionTimeoutMillis: 5_000,
    // The intake reaches every row by a key, through prepared statements whose plan PostgreSQL
    // keeps per connection: one made while a table was small (every table of a new install)
    // scanned it whole for every batch once a storm had filled it, until autovacuum analyzed it.
    // Index paths are what these statements need at any size (with none to take, a scan still
    // runs). Set before the pool hands the connection out.
    onConnect: async (client) => {
      await client.query('SET enable_seqscan = off');
    },
  });
  intakePool.on('error', () => {});
  const database: Database = {
    kind: 'postgres',
    prisma,
    sql: { query: (fragment) => run(pool, fragment) },
    transaction: transactionOn(pool),
    get intake() {
      return intakeDatabase;
    },
    async openSession() {
      const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
      await client.connect();
      // An idle session must not take the process down if the server goes away.
      client.on('error', () => {});
      return {
        async query<Row>(sql: string, params: unknown[] = []) {
          return (await client.query(sql, params)).rows as Row[];
        },
        async exec(script: string) {
          await client.query(script);
        },
        async release() {
          await client.end();
        },
      };
    },
    async close() {
      try {
        await prisma.$disconnect();
        await pool.end();
      } finally {
        await intakePool.end();
      }
    },
  };
  const intakeDatabase: Database = {
    kind: 'postgres', prisma, openSession: database.openSession, close: database.close,
    sql: { query: (fragment) => run(intakePool, fragment) },
    transaction: transactionOn(intakePool),
    get intake() {
      return intakeDatabase;
    },
  };
  return database;
}

/** Embedded PostgreSQL in a folder (or in memory when dataDir is undefined). */
export async function openPGlite(dataDir?: string): Promise<Database> {
  const startParams = pgliteStartParams();
  if (dataDir) await initializePGliteDataDir(dataDir, startParams);
  const pglite = await PGlite.create(dataDir ? { dataDir, startParams } : { startParams });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  type Queryable = Pick<PGlite, 'query'>;
  const run = async <Row>(client: Queryable, fragment: SqlFragment): Promise<Row[]> => {
    const { text, params } = fragment.toQuery();
    return (await client.query<Row>(text, params)).rows;
  };
  const database: Database = {
    kind: 'pglite',
    prisma,
    sql: { query: (fragment) => run(pglite, fragment) },
    transaction: (work) => pglite.transaction((tx) => work({ query: (fragment) => run(tx, fragment) })),
    async openSession() {
      return {
        async query<Row>(sql: string, params: unknown[] = []) {
          return (await pglite.query(sql, params)).rows as Row[];
        },
        async exec(script: string) {
          await pglite.exec(script);
        },
        async release() {},
      };
    },
    get intake() {
      return database;
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
  return database;
}
