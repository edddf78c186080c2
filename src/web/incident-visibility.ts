import { sql, type SqlFragment } from '../db/sql.js';
import type { Viewer } from './web-viewer.js';

/**
 * Which incidents a viewer may see, as a condition on `incidents i`: every public one; a private
 * one only for admins and the people in it (a role on it, paged for it, an entry of theirs on its
 * timeline, or invited to its chat channel).
 */
export function visibleTo(viewer: Viewer): SqlFragment {
  if (viewer.isAdmin) return sql`TRUE`;
  const person = viewer.personId;
  return sql`(NOT i.private
    OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.person_id = ${person}::int)
    OR EXISTS (SELECT 1 FROM pages p WHERE p.incident_id = i.id AND p.person_id = ${person}::int)
    OR EXISTS (SELECT 1 FROM timeline_events t WHERE t.incident_id = i.id AND t.actor_type = 'person' AND t.actor_id = ${person}::int)
    OR EXISTS (SELECT 1 FROM chat_channels c JOIN chat_channel_invites v ON v.chat_channel_id = c.id WHERE c.incident_id = i.id AND v.user_id = ANY (${viewer.chatIds}::text[])))`;
}
