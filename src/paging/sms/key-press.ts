import type { Database } from '../../db/database.js';
import { sql } from '../../db/sql.js';
import { isAppError } from '../../errors.js';
import { incidentLabel } from '../../incidents/incident-rules.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import type { Clock } from '../../time/clock.js';
import { escalateNow } from './sms-replies.js';

/** A key pressed during a page's voice call: 1 acknowledges, 2 escalates now; said back to the caller. */
export async function answerKeyPress(
  deps: { database: Database; incidents: IncidentService; clock: Clock },
  callSid: string,
  digits: string,
): Promise<{ text: string; audit?: { personId: number; name: string; action: string; incident: number; result: 'ok' | 'refused'; detail?: string } }> {
  const [call] = await deps.database.sql.query<{ page_id: number; incident_id: number | null; person_id: number; name: string }>(sql`
    SELECT p.id AS page_id, p.incident_id, p.person_id, pe.name FROM notifications n JOIN pages p ON p.id = n.page_id JOIN people pe ON pe.id = p.person_id
    WHERE n.provider_id = ${callSid} AND n.via = 'voice' LIMIT 1`);
  if (!call || call.incident_id === null) return { text: 'This call is not about an incident. Goodbye.' };
  const incidentId = Number(call.incident_id);
  const person = { personId: Number(call.person_id), name: call.name };
  const label = incidentLabel(incidentId);
  if (digits === '1') {
    try {
      await deps.incidents.acknowledge(incidentId, { kind: 'person', ...person }, Number(call.page_id));
      return { text: `${label} acknowledged. Escalation stopped. Goodbye.`, audit: { ...person, action: 'incident.ack', incident: incidentId, result: 'ok' } };
    } catch (error) {
      if (!isAppError(error)) throw error;
      return { text: `${error.message}. Goodbye.`, audit: { ...person, action: 'incident.ack', incident: incidentId, result: 'refused', detail: error.message } };
    }
  }
  if (digits === '2') {
    const moved = await escalateNow(deps, incidentId, person, 'phone');
    return moved
      ? { text: `Escalating ${label} to the next level now. Goodbye.`, audit: { ...person, action: 'incident.escalate', incident: incidentId, result: 'ok' } }
      : { text: `${label} has no escalation step left. Goodbye.`, audit: { ...person, action: 'incident.escalate', incident: incidentId, result: 'refused' } };
  }
  return { text: 'No key pressed. The page stays open. Goodbye.' };
}
