import type { Sql } from './sql.js';
import { sql } from './sql.js';

/**
 * How long a key must be remembered: until an instant (a signed request, until its timestamp can
 * no longer be accepted), or for a while after it is first seen, by the database clock. Without
 * one, the key is kept for ever.
 */
export type Retention = { until: Date } | { forMs: number };

/**
 * True the first time a key is recorded; the unique key makes this hold across replicas.
 * Recording a key that may expire also deletes the keys already expired, in the same statement,
 * so the table holds about one window of requests however long the bot runs.
 */
export async function firstDelivery(db: Sql, key: string, keep?: Retention): Promise<boolean> {
  if (!keep) {
    const rows = await db.query(sql`INSERT INTO processed_requests (key) VALUES (${key}) ON CONFLICT (key) DO NOTHING RETURNING key`);
    return rows.length > 0;
  }
  const expiresAt = 'until' in keep ? sql`${keep.until}::timestamptz` : sql`now() + ${keep.forMs}::float8 * interval '1 millisecond'`;
  const rows = await db.query(sql`
    WITH expired AS (DELETE FROM processed_requests WHERE expires_at < now())
    INSERT INTO processed_requests (key, expires_at) VALUES (${key}, ${expiresAt})
    ON CONFLICT (key) DO NOTHING RETURNING key`);
  return rows.length > 0;
}
