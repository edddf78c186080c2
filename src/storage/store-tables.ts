import { SqlFragment, type Sql } from '../db/sql.js';

/** Text PostgreSQL reads as one identifier, whatever the name holds. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Constant SQL text (identifiers quoted by quoteIdent): the only way a table name gets into a statement here. */
export function rawSql(text: string): SqlFragment {
  return new SqlFragment([text], []);
}

export interface StoreTable {
  name: string;
  /** Primary key columns, in key order: rows are read in this order, so two copies of a table read the same. */
  key: string[];
}

export interface SequenceState {
  name: string;
  /** null when the sequence was never used. */
  lastValue: string | null;
}

/** The migrations table is the store's schema version, carried in the header rather than as rows. */
const NOT_DATA = '_prisma_migrations';

/**
 * The bot's tables, parents before children (by their foreign keys), so rows can be loaded in
 * this order with every constraint checked as they go.
 */
export async function listTables(sql: Sql): Promise<StoreTable[]> {
  const tables = await sql.query<{ name: string; key: string[] | null }>(rawSql(`
    SELECT c.relname::text AS name,
           (SELECT array_agg(a.attname::text ORDER BY k.ord)
              FROM pg_index i
              CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary) AS key
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '${NOT_DATA}'
     ORDER BY c.relname`));
  const references = await sql.query<{ child: string; parent: string }>(rawSql(`
    SELECT child.relname::text AS child, parent.relname::text AS parent
      FROM pg_constraint f
      JOIN pg_class child ON child.oid = f.conrelid
      JOIN pg_class parent ON parent.oid = f.confrelid
      JOIN pg_namespace n ON n.oid = child.relnamespace
     WHERE f.contype = 'f' AND n.nspname = current_schema() AND child.oid <> parent.oid`));
  return parentsFirst(
    tables.map((table) => ({ name: table.name, key: table.key ?? [] })),
    references,
  );
}

/** Topological order, alphabetical among equals, so every store lists its tables the same way. */
export function parentsFirst(tables: StoreTable[], references: { child: string; parent: string }[]): StoreTable[] {
  const byName = new Map(tables.map((table) => [table.name, table]));
  const ordered: StoreTable[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (placed.has(name) || visiting.has(name)) return;
    visiting.add(name);
    for (const reference of references) if (reference.child === name && byName.has(reference.parent)) visit(reference.parent);
    visiting.delete(name);
    placed.add(name);
    ordered.push(byName.get(name)!);
  };
  for (const table of [...byName.keys()].sort()) visit(table);
  return ordered;
}

export async function readSequences(sql: Sql): Promise<SequenceState[]> {
  const rows = await sql.query<{ name: string; last_value: string | null }>(rawSql(`
    SELECT sequencename::text AS name, last_value::text AS last_value FROM pg_sequences
     WHERE schemaname = current_schema() ORDER BY sequencename`));
  return rows.map((row) => ({ name: row.name, lastValue: row.last_value }));
}

/** Sets each sequence to where the source left it, so ids and incident numbers go on from there. */
export async function restoreSequences(sql: Sql, sequences: SequenceState[]): Promise<void> {
  for (const sequence of sequences) {
    const name = quoteIdent(sequence.name);
    if (sequence.lastValue === null) await sql.query(rawSql(`SELECT setval('${name.replaceAll("'", "''")}', 1, false)`));
    else await sql.query(new SqlFragment([`SELECT setval('${name.replaceAll("'", "''")}', `, '::bigint, true)'], [sequence.lastValue]));
  }
}

/** Names of the migrations applied to the store, oldest first (its schema version). */
export async function appliedMigrations(sql: Sql): Promise<string[]> {
  const [table] = await sql.query<{ exists: boolean }>(rawSql(`SELECT to_regclass('"${NOT_DATA}"') IS NOT NULL AS exists`));
  if (!table?.exists) return [];
  const rows = await sql.query<{ name: string }>(
    rawSql(`SELECT migration_name AS name FROM "${NOT_DATA}" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`),
  );
  return rows.map((row) => row.name);
}

/** Tables that hold rows, with how many (up to a cap: any row at all makes the store not empty). */
export async function tablesWithRows(sql: Sql, tables: StoreTable[]): Promise<{ name: string; rows: number }[]> {
  const found: { name: string; rows: number }[] = [];
  for (const table of tables) {
    const [row] = await sql.query<{ rows: number }>(rawSql(`SELECT count(*)::int AS rows FROM (SELECT 1 FROM ${quoteIdent(table.name)} LIMIT 1000) t`));
    if (row && row.rows > 0) found.push({ name: table.name, rows: row.rows });
  }
  return found;
}
