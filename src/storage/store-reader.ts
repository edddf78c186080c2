import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Sql } from '../db/sql.js';
import type { StoreSink, TableSums } from './store-events.js';
import { quoteIdent, rawSql, readSequences, rowOrder, type StoreTable } from './store-tables.js';

const ROWS_PER_FETCH = 1_000;

/** Settings that make two servers write the same JSON for the same row (dates in UTC, bytes in hex). */
async function sameTextEverywhere(sql: Sql): Promise<void> {
  await sql.query(rawSql(`SET LOCAL TIME ZONE 'UTC'`));
  await sql.query(rawSql(`SET LOCAL bytea_output = 'hex'`));
  await sql.query(rawSql(`SET LOCAL extra_float_digits = 1`));
  await sql.query(rawSql(`SET LOCAL IntervalStyle = 'postgres'`));
}

/**
 * Runs `work` on one snapshot of the store: every table as it stood at the same instant. On
 * PostgreSQL the bot keeps writing meanwhile (a repeatable-read, read-only transaction blocks
 * nobody); embedded storage has one connection, so the bot's own statements wait until it ends.
 */
export async function readConsistently<T>(database: Database, work: (sql: Sql) => Promise<T>): Promise<T> {
  return database.transaction(async (sql) => {
    await sql.query(rawSql('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY'));
    return work(sql);
  });
}

/** Streams the tables' rows (in key order) and then the sequences to `sink`; returns each table's sums. */
export async function streamTables(sql: Sql, tables: StoreTable[], sink?: StoreSink, options: { sequences?: boolean } = {}): Promise<TableSums> {
  await sameTextEverywhere(sql);
  const sums: TableSums = new Map();
  for (const table of tables) {
    await sink?.({ kind: 'table', name: table.name });
    await sql.query(rawSql(`DECLARE store_rows NO SCROLL CURSOR FOR SELECT to_jsonb(t)::text AS row FROM ${quoteIdent(table.name)} t ORDER BY ${rowOrder(table)}`));
    const hash = createHash('sha256');
    let count = 0;
    for (;;) {
      const batch = await sql.query<{ row: string }>(rawSql(`FETCH ${ROWS_PER_FETCH} FROM store_rows`));
      if (batch.length === 0) break;
      const rows = batch.map((r) => r.row);
      for (const row of rows) hash.update(row).update('\n');
      count += rows.length;
      await sink?.({ kind: 'rows', rows });
      if (batch.length < ROWS_PER_FETCH) break;
    }
    await sql.query(rawSql('CLOSE store_rows'));
    const sha256 = hash.digest('hex');
    sums.set(table.name, { rows: count, sha256 });
    await sink?.({ kind: 'tableEnd', name: table.name, rows: count, sha256 });
  }
  if (options.sequences !== false) await sink?.({ kind: 'sequences', sequences: await readSequences(sql) });
  return sums;
}
