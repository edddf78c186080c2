import { sql, type Sql } from '../db/sql.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import type { PageViewer } from './web-page.js';
import type { WebSession } from './web-sessions.js';

/** The person reading the console, as oncall.yaml lists them now (roles are read on every request). */
export interface Viewer extends PageViewer {
  personId: number;
  handle: string;
  timeZone: string;
  isAdmin: boolean;
  /** Managers and admins: the reports. */
  canSeeReports: boolean;
  /** Admins: the audit trail. */
  canSeeAudit: boolean;
  /** The person's ids on the chat platforms, for "invited to the incident's channel". */
  chatIds: string[];
}

/**
 * Who a session belongs to, or undefined when that person is no longer listed in oncall.yaml:
 * removing someone from the file closes the console to them at their next click.
 */
export async function viewerOf(db: Sql, session: WebSession, oncall: OncallConfig): Promise<Viewer | undefined> {
  const [person] = await db.query<{ handle: string | null; name: string; chat_ids: string[] }>(sql`
    SELECT handle, name, array_remove(ARRAY[slack_id, discord_id, mattermost_id, teams_id], NULL) AS chat_ids FROM people WHERE id = ${session.personId}::int`);
  const listed = person?.handle ? oncall.people[person.handle] : undefined;
  if (!person || !listed) return undefined;
  const roles = listed.roles;
  const isAdmin = roles.includes('admin');
  return {
    personId: session.personId,
    handle: listed.key,
    name: listed.name,
    timeZone: listed.timeZone,
    isAdmin,
    canSeeReports: isAdmin || roles.includes('manager'),
    canSeeAudit: isAdmin,
    csrfToken: session.csrfToken,
    chatIds: person.chat_ids,
  };
}

/** The person oncall.yaml lists with this email (compared without case), as their people row. */
export async function personByEmail(db: Sql, oncall: OncallConfig, email: string): Promise<number | undefined> {
  const wanted = email.trim().toLowerCase();
  const listed = Object.values(oncall.people).find((person) => person.email?.toLowerCase() === wanted);
  if (!listed) return undefined;
  const [row] = await db.query<{ id: number }>(sql`SELECT id FROM people WHERE handle = ${listed.key}`);
  return row ? Number(row.id) : undefined;
}
