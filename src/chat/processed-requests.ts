import type { Sql } from '../db/sql.js';
import { sql } from '../db/sql.js';

/** True the first time a key is recorded; the unique key makes this hold across replicas. */
export async function firstDelivery(db: Sql, key: string): Promise<boolean> {
  const rows = await db.query(sql`INSERT INTO processed_requests (key) VALUES (${key}) ON CONFLICT (key) DO NOTHING RETURNING key`);
  return rows.length > 0;
}
