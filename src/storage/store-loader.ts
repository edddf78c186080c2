import { SqlFragment, type Sql } from '../db/sql.js';
import type { StoreEvent, StoreSink } from './store-events.js';
import { alignSequences, quoteIdent, rawSql, restoreSequences, type SequenceState, type StoreTable } from './store-tables.js';
import { StorageCopyError } from './storage-copy-error.js';

/** Rows per INSERT: one JSON parameter of about this many bytes at most. */
const BATCH_BYTES = 4 * 1024 * 1024;

export interface StoreLoader {
  sink: StoreSink;
  /**
   * Sets the sequences, once the rows are checked: setval is not undone by a rollback, so a copy
   * that fails its check must not have moved them.
   */
  finish(): Promise<void>;
}

/**
 * Loads a copy's rows into `sql`'s store (which the caller checked is empty, inside the caller's
 * transaction): PostgreSQL turns each row's JSON back into the table's own types, so nothing is
 * read or re-typed in JavaScript. Tables come parents first, so every foreign key is checked as
 * rows arrive.
 */
export function storeLoader(sql: Sql, tables: StoreTable[]): StoreLoader {
  const known = new Set(tables.map((table) => table.name));
  let table: string | undefined;
  let loaded = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  let sequences: SequenceState[] = [];
  const flush = async () => {
    if (!table || pending.length === 0) return;
    const name = quoteIdent(table);
    await sql.query(new SqlFragment([`INSERT INTO ${name} SELECT * FROM jsonb_populate_recordset(NULL::${name}, `, '::jsonb)'], [`[${pending.join(',')}]`]));
    loaded += pending.length;
    pending = [];
    pendingBytes = 0;
  };
  const sink = async (event: StoreEvent) => {
    switch (event.kind) {
      case 'table':
        if (!known.has(event.name)) throw new StorageCopyError('schema_mismatch', `the copy has a table ${JSON.stringify(event.name)} that this store does not have`);
        table = event.name;
        loaded = 0;
        return;
      case 'rows':
        for (const row of event.rows) {
          pending.push(row);
          pendingBytes += row.length;
          if (pendingBytes >= BATCH_BYTES) await flush();
        }
        return;
      case 'tableEnd':
        await flush();
        if (loaded !== event.rows) throw new StorageCopyError('count_mismatch', `${event.name}: loaded ${loaded} rows, the copy says ${event.rows}`);
        table = undefined;
        return;
      case 'sequences':
        sequences = event.sequences;
        return;
    }
  };
  return {
    sink,
    async finish() {
      await restoreSequences(sql, sequences);
      await alignSequences(sql);
    },
  };
}

/**
 * Keeps everyone else off the tables until the copy commits: a bot already running on the target
 * database must not write between the check that it is empty and the load.
 */
export async function lockTables(sql: Sql, tables: StoreTable[]): Promise<void> {
  if (tables.length) await sql.query(rawSql(`LOCK TABLE ${tables.map((table) => quoteIdent(table.name)).join(', ')} IN ACCESS EXCLUSIVE MODE`));
}
