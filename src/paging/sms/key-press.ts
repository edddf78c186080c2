import type { Database } from '../../db/database.js';
import { sql } from '../../db/sql.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import type { Clock } from '../../time/clock.js';
import { acknowledgePages, escalatePages, labelList, type PageAnswer } from '../answer-pages.js';
import { carriedPages } from '../phone-digest.js';

/**
 * A key pressed during a page's voice call: 1 acknowledges, 2 escalates now; said back to the
 * caller. A call that carried several pages (a storm folded into one call) answers them all.
 */
export async function answerKeyPress(deps: { database: Database; incidents: IncidentService; clock: Clock }, callSid: string, digits: string): Promise<PageAnswer> {
  const [call] = await deps.database.sql.query<{ id: number; person_id: number; name: string }>(sql`
    SELECT n.id, p.person_id, pe.name FROM notifications n JOIN pages p ON p.id = n.page_id JOIN people pe ON pe.id = p.person_id
    WHERE n.provider_id = ${callSid} AND n.via = 'voice' LIMIT 1`);
  const pages = call ? (await carriedPages(deps.database.sql, Number(call.id))).filter((page) => page.incidentId !== null) : [];
  if (!call || pages.length === 0) return { text: 'This call is not about an incident. Goodbye.', audits: [] };
  const person = { personId: Number(call.person_id), name: call.name };
  const incidents = pages.map((page) => ({ incidentId: page.incidentId!, pageId: page.pageId }));
  if (digits === '1') {
    const done = await acknowledgePages(deps.incidents, person, incidents);
    const text = done.acknowledged.length ? `${labelList(done.acknowledged)} acknowledged. Escalation stopped. Goodbye.` : `${done.refused[0]!.why}. Goodbye.`;
    return { text, audits: done.audits };
  }
  if (digits === '2') {
    const { moved, audits } = await escalatePages(deps, person, incidents.map((page) => page.incidentId), 'phone');
    return { text: moved.length ? `Escalating ${labelList(moved)} to the next level now. Goodbye.` : `${labelList(incidents.map((page) => page.incidentId))} has no escalation step left. Goodbye.`, audits };
  }
  return { text: 'No key pressed. The page stays open. Goodbye.', audits: [] };
}
