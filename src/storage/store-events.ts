import type { SequenceState } from './store-tables.js';

/**
 * What a copy of the store is made of, in order: each table's rows (as PostgreSQL's own JSON of
 * the row, never parsed here, so no value is rounded or re-typed on the way), then where the
 * sequences stood. A store being read, a backup file being read and a store being loaded all
 * speak this, so backup, restore and move-storage are the same copy between different ends.
 */
export type StoreEvent =
  | { kind: 'table'; name: string }
  | { kind: 'rows'; rows: string[] }
  | { kind: 'tableEnd'; name: string; rows: number; sha256: string }
  | { kind: 'sequences'; sequences: SequenceState[] };

export type StoreSink = (event: StoreEvent) => Promise<void>;

/** Per table: how many rows, and the SHA-256 of their JSON lines in key order. */
export type TableSums = Map<string, { rows: number; sha256: string }>;

/** Tables whose counts or checksums differ between two copies, said plainly; empty when they agree. */
export function differences(expected: TableSums, actual: TableSums): string[] {
  const problems: string[] = [];
  for (const [name, want] of expected) {
    const got = actual.get(name);
    if (!got) problems.push(`${name}: missing`);
    else if (got.rows !== want.rows) problems.push(`${name}: ${got.rows} rows instead of ${want.rows}`);
    else if (got.sha256 !== want.sha256) problems.push(`${name}: the rows differ (checksum)`);
  }
  for (const name of actual.keys()) if (!expected.has(name)) problems.push(`${name}: not in the source`);
  return problems;
}
