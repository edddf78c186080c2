import { sql, type Sql } from '../db/sql.js';

/** How long Opsgenie's request records are kept: a sender asks within seconds; a week covers a retry's investigation. */
export const REQUEST_RECORD_RETENTION_MS = 7 * 24 * 3_600_000;

export type OpsgenieAction = 'Create' | 'Close' | 'Acknowledge' | 'AddNote' | 'UpdateMessage' | 'UpdateDescription';

export interface OpsgenieRequestRecord {
  id: string;
  keyHash: string;
  action: OpsgenieAction;
  success: boolean;
  status: string;
  alertId?: string;
  alias?: string;
  processedAt: Date;
}

/** Records what became of a request; the records past their week go in the same statement. */
export async function recordOpsgenieRequest(db: Sql, record: OpsgenieRequestRecord): Promise<void> {
  const expired = new Date(record.processedAt.getTime() - REQUEST_RECORD_RETENTION_MS);
  await db.query(sql`
    WITH expired AS (DELETE FROM opsgenie_requests WHERE processed_at < ${expired}::timestamptz)
    INSERT INTO opsgenie_requests (id, key_hash, action, success, status, alert_id, alias, processed_at)
    VALUES (${record.id}, ${record.keyHash}, ${record.action}, ${record.success}, ${record.status}, ${record.alertId ?? null}, ${record.alias ?? null}, ${record.processedAt}::timestamptz)`);
}

/** A request's record, read only by the key that sent it. */
export async function findOpsgenieRequest(db: Sql, id: string, keyHash: string): Promise<OpsgenieRequestRecord | undefined> {
  const [row] = await db.query<{ id: string; key_hash: string; action: OpsgenieAction; success: boolean; status: string; alert_id: string | null; alias: string | null; processed_at: Date }>(sql`
    SELECT id, key_hash, action, success, status, alert_id, alias, processed_at FROM opsgenie_requests WHERE id = ${id} AND key_hash = ${keyHash}`);
  if (!row) return undefined;
  return {
    id: row.id,
    keyHash: row.key_hash,
    action: row.action,
    success: row.success,
    status: row.status,
    alertId: row.alert_id ?? undefined,
    alias: row.alias ?? undefined,
    processedAt: new Date(row.processed_at),
  };
}
