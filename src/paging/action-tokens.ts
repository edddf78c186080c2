import { createHash, randomBytes } from 'node:crypto';
import { sql, type Sql } from '../db/sql.js';

/** What a one-time link does when opened: acknowledge a page, confirm a contact method, or sign in to the web console. */
export type ActionPurpose = 'ack' | 'verify' | 'web';

export interface ActionTokenRecord {
  purpose: ActionPurpose;
  personId: number;
  pageId: number | null;
  via: string | null;
  address: string | null;
  expiresAt: Date;
  usedAt: Date | null;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Well-formed tokens only reach the database: 43 base64url characters (256 random bits). */
export function isTokenShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/**
 * A new one-time link token. Only its SHA-256 is stored, so the table alone (a backup, a
 * replica's logs) acknowledges nothing; the token itself lives only in the message sent.
 */
export async function createActionToken(tx: Sql, record: Omit<ActionTokenRecord, 'usedAt' | 'expiresAt'> & { validForMs: number }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await tx.query(sql`
    INSERT INTO action_tokens (token_hash, purpose, person_id, page_id, via, address, expires_at)
    VALUES (${hashOf(token)}, ${record.purpose}, ${record.personId}::int, ${record.pageId}::int, ${record.via}, ${record.address},
            now() + ${record.validForMs}::float8 * interval '1 millisecond')`);
  return token;
}

/** The token's record, used or not, expired or not (the page shown before anything is done). */
export async function readActionToken(db: Sql, token: string): Promise<(ActionTokenRecord & { expired: boolean }) | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const [row] = await db.query<{ purpose: ActionPurpose; person_id: number; page_id: number | null; via: string | null; address: string | null; expires_at: Date; used_at: Date | null; expired: boolean }>(sql`
    SELECT purpose, person_id, page_id, via, address, expires_at, used_at, expires_at <= now() AS expired FROM action_tokens WHERE token_hash = ${hashOf(token)}`);
  return row
    ? { purpose: row.purpose, personId: Number(row.person_id), pageId: row.page_id === null ? null : Number(row.page_id), via: row.via, address: row.address, expiresAt: new Date(row.expires_at), usedAt: row.used_at ? new Date(row.used_at) : null, expired: Boolean(row.expired) }
    : undefined;
}

/**
 * Uses the token once, when it is for one of `purposes` (a sign-in link is no acknowledgement): of two clicks, two replicas or a click and a retry, exactly one gets the
 * record; the others get undefined. Expired tokens are never used.
 */
export async function useActionToken(tx: Sql, token: string, purposes: readonly ActionPurpose[]): Promise<Omit<ActionTokenRecord, 'usedAt' | 'expiresAt'> | undefined> {
  if (!isTokenShaped(token)) return undefined;
  const [row] = await tx.query<{ purpose: ActionPurpose; person_id: number; page_id: number | null; via: string | null; address: string | null }>(sql`
    UPDATE action_tokens SET used_at = now()
    WHERE token_hash = ${hashOf(token)} AND used_at IS NULL AND expires_at > now() AND purpose = ANY (${[...purposes]}::text[])
    RETURNING purpose, person_id, page_id, via, address`);
  return row ? { purpose: row.purpose, personId: Number(row.person_id), pageId: row.page_id === null ? null : Number(row.page_id), via: row.via, address: row.address } : undefined;
}
