import { createHash, randomBytes } from 'node:crypto';
import { sql, type Sql } from '../db/sql.js';

/** How long a sign-in lasts: a working day or a night on call, then the provider is asked again. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

export type SignInMethod = 'oidc' | 'link';

export interface WebSession {
  personId: number;
  csrfToken: string;
  via: SignInMethod;
  expiresAt: Date;
}

const hashOf = (value: string) => createHash('sha256').update(value).digest('hex');

/** Session ids are 256 random bits in base64url; anything else is refused before a lookup. */
function isSessionShaped(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * Signs a person in: a new random session id for the cookie and a CSRF token for its forms.
 * Only the id's SHA-256 is stored, so a forged or guessed cookie finds nothing.
 */
export async function createWebSession(db: Sql, personId: number, via: SignInMethod, lifetimeMs = SESSION_LIFETIME_MS): Promise<{ id: string; csrfToken: string }> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  await db.query(sql`
    INSERT INTO web_sessions (id_hash, person_id, csrf_token, via, expires_at)
    VALUES (${hashOf(id)}, ${personId}::int, ${csrfToken}, ${via}, now() + ${lifetimeMs}::float8 * interval '1 millisecond')`);
  // Sign-ins are rare: the expired sessions of everyone go with each new one.
  await db.query(sql`DELETE FROM web_sessions WHERE expires_at <= now()`);
  return { id, csrfToken };
}

/** The session a cookie names, while it lasts (by the database clock). */
export async function readWebSession(db: Sql, id: string | undefined): Promise<WebSession | undefined> {
  if (!id || !isSessionShaped(id)) return undefined;
  const [row] = await db.query<{ person_id: number; csrf_token: string; via: SignInMethod; expires_at: Date }>(sql`
    SELECT person_id, csrf_token, via, expires_at FROM web_sessions WHERE id_hash = ${hashOf(id)} AND expires_at > now()`);
  return row ? { personId: Number(row.person_id), csrfToken: row.csrf_token, via: row.via, expiresAt: new Date(row.expires_at) } : undefined;
}

/** Signs out: the cookie's session is gone for every replica at once. */
export async function endWebSession(db: Sql, id: string): Promise<void> {
  if (!isSessionShaped(id)) return;
  await db.query(sql`DELETE FROM web_sessions WHERE id_hash = ${hashOf(id)}`);
}
