import { sql, type Sql } from '../db/sql.js';

/** The window PAGE_RATE_LIMIT counts texts and calls in. */
export const PHONE_WINDOW_MS = 10 * 60_000;

// With the person's id as the second key: one person's slots are counted by one transaction at a time.
const PHONE_SLOT_LOCK = 72707372;

/**
 * Takes one of the person's phone slots (texts and calls together) for this notification, in the
 * caller's transaction, or says when the next one frees: at most `limit` in any 10 minutes, on
 * every replica alike. A notification that already holds a slot (a retried send) keeps it.
 */
export async function takePhoneSlot(tx: Sql, personId: number, notificationId: number, now: Date, limit: number): Promise<{ taken: true } | { taken: false; freeAt: Date }> {
  await tx.query(sql`SELECT pg_advisory_xact_lock(${PHONE_SLOT_LOCK}::int, ${personId}::int)`);
  const slots = await tx.query<{ id: number; slot_at: Date }>(sql`
    SELECT n.id, n.slot_at FROM notifications n JOIN pages p ON p.id = n.page_id
    WHERE p.person_id = ${personId}::int AND n.slot_at > ${new Date(now.getTime() - PHONE_WINDOW_MS)}::timestamptz
    ORDER BY n.slot_at`);
  if (slots.some((slot) => Number(slot.id) === notificationId)) return { taken: true };
  if (slots.length < limit) {
    await tx.query(sql`UPDATE notifications SET slot_at = ${now}::timestamptz WHERE id = ${notificationId}::int`);
    return { taken: true };
  }
  // The slot whose end brings the count under the limit.
  const freeing = slots[slots.length - limit]!;
  return { taken: false, freeAt: new Date(new Date(freeing.slot_at).getTime() + PHONE_WINDOW_MS) };
}
