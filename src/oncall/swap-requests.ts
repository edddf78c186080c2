import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';

export interface SwapRequestRow {
  id: number;
  scheduleKey: string;
  requesterId: number;
  otherId: number;
  mineFrom: Date;
  mineTo: Date;
  theirsFrom: Date;
  theirsTo: Date;
  status: string;
  platform: string;
}

export async function findSwapRequest(database: Database, id: number): Promise<SwapRequestRow | undefined> {
  const [row] = await database.sql.query<Record<string, unknown>>(sql`
    SELECT id, schedule_key, requester_id, other_id, mine_from, mine_to, theirs_from, theirs_to, status, platform FROM swap_requests WHERE id = ${id}::int`);
  if (!row) return undefined;
  const date = (value: unknown) => new Date(value as string);
  return {
    id: Number(row.id),
    scheduleKey: String(row.schedule_key),
    requesterId: Number(row.requester_id),
    otherId: Number(row.other_id),
    mineFrom: date(row.mine_from),
    mineTo: date(row.mine_to),
    theirsFrom: date(row.theirs_from),
    theirsTo: date(row.theirs_to),
    status: String(row.status),
    platform: String(row.platform),
  };
}

/**
 * Accepts a pending swap: the request closes and both overrides are written in one transaction,
 * so either both people trade or nothing changes.
 */
export async function acceptSwap(database: Database, id: number, now: Date): Promise<[number, number] | 'gone'> {
  return database.transaction(async (tx) => {
    const [swap] = await tx.query<{ schedule_key: string; requester_id: number; other_id: number; mine_from: Date; mine_to: Date; theirs_from: Date; theirs_to: Date }>(sql`
      UPDATE swap_requests SET status = 'accepted', decided_at = ${now}::timestamptz
      WHERE id = ${id}::int AND status = 'pending' AND mine_to > ${now}::timestamptz AND theirs_to > ${now}::timestamptz
      RETURNING schedule_key, requester_id, other_id, mine_from, mine_to, theirs_from, theirs_to`);
    if (!swap) return 'gone';
    const reason = `swap #${id}`;
    const rows = await tx.query<{ id: number }>(sql`
      INSERT INTO oncall_overrides (schedule_key, person_id, starts_at, ends_at, reason, created_by_id) VALUES
        (${swap.schedule_key}, ${swap.other_id}::int, GREATEST(${swap.mine_from}::timestamptz, ${now}::timestamptz), ${swap.mine_to}::timestamptz, ${reason}, ${swap.other_id}::int),
        (${swap.schedule_key}, ${swap.requester_id}::int, GREATEST(${swap.theirs_from}::timestamptz, ${now}::timestamptz), ${swap.theirs_to}::timestamptz, ${reason}, ${swap.other_id}::int)
      RETURNING id`);
    return [Number(rows[0]!.id), Number(rows[1]!.id)];
  });
}

export async function declineSwap(database: Database, id: number, now: Date): Promise<boolean> {
  const rows = await database.sql.query(sql`UPDATE swap_requests SET status = 'declined', decided_at = ${now}::timestamptz WHERE id = ${id}::int AND status = 'pending' RETURNING id`);
  return rows.length > 0;
}
