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
  key: { column: string; collatable: boolean }[];
}

/**
 * The order rows are read in: the key, text compared byte by byte (COLLATE "C") so that embedded
 * storage and a PostgreSQL created with an en_US or ICU locale list 'a-b', 'ab', 'B' alike.
 */
export function rowOrder(table: StoreTable): string {
  if (table.key.length === 0) return 'to_jsonb(t)::text COLLATE "C"';
  return table.key.map((part) => `t.${quoteIdent(part.column)}${part.collatable ? ' COLLATE "C"' : ''}`).join(', ');
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
  const tables = await sql.query<{ name: string; key: { column: string; collatable: boolean }[] | null }>(rawSql(`
    SELECT c.relname::text AS name,
           (SELECT json_agg(json_build_object('column', a.attname::text, 'collatable', a.attcollation <> 0) ORDER BY k.ord)
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

/**
 * Sets each of the target's sequences to where the copy left it, so ids and incident numbers go
 * on from there. Only names the target itself has are used (a name from a file never reaches
 * SQL text), and each is passed as a parameter.
 */
export async function restoreSequences(sql: Sql, sequences: SequenceState[]): Promise<void> {
  const known = new Set((await readSequences(sql)).map((sequence) => sequence.name));
  for (const sequence of sequences) {
    if (!known.has(sequence.name)) continue;
    const called = sequence.lastValue !== null;
    await sql.query(new SqlFragment(['SELECT setval(', '::regclass, ', '::bigint, ', ')'], [quoteIdent(sequence.name), sequence.lastValue ?? '1', called]));
  }
}

/**
 * Moves every sequence that feeds a column past the largest value in it: a copy whose sequences
 * were missing or unreadable (a role without SELECT on them) must not hand out an id twice.
 */
export async function alignSequences(sql: Sql): Promise<void> {
  const owned = await sql.query<{ sequence: string; table: string; column: string }>(rawSql(`
    SELECT s.relname::text AS sequence, t.relname::text AS table, a.attname::text AS column
      FROM pg_class s
      JOIN pg_namespace n ON n.oid = s.relnamespace
      JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
      JOIN pg_class t ON t.oid = d.refobjid
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
     WHERE s.relkind = 'S' AND n.nspname = current_schema()`));
  for (const { sequence, table, column } of owned) {
    const seq = quoteIdent(sequence);
    await sql.query(rawSql(`
      SELECT setval(${`'${seq.replaceAll("'", "''")}'`}::regclass, m.top)
        FROM (SELECT max(${quoteIdent(column)})::bigint AS top FROM ${quoteIdent(table)}) m, ${seq} s
       WHERE m.top IS NOT NULL AND m.top > (CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END)`));
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
