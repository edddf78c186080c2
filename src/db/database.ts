import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';
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
  close(): Promise<void>;
}

export interface PostgresOptions {
  connectionString: string;
  poolSize?: number;
}

export function openPostgres({ connectionString, poolSize = 10 }: PostgresOptions): Database {
  const adapter = new PrismaPg({ connectionString, max: poolSize, connectionTimeoutMillis: 5_000 });
  const prisma = new PrismaClient({ adapter });
  return {
    kind: 'postgres',
    prisma,
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
      await prisma.$disconnect();
    },
  };
}

/** Embedded PostgreSQL in a folder (or in memory when dataDir is undefined). */
export async function openPGlite(dataDir?: string): Promise<Database> {
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: 'pglite',
    prisma,
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
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
