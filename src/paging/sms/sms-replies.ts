import type { Database } from '../../db/database.js';
import { sql } from '../../db/sql.js';
import { ESCALATION_STEP_JOB } from '../../engine/job-kinds.js';
import { isAppError } from '../../errors.js';
import { incidentLabel } from '../../incidents/incident-rules.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import { appendTimeline } from '../../incidents/timeline.js';
import type { OncallConfig } from '../../oncall/oncall-config.js';
import type { Clock } from '../../time/clock.js';

/** What a person may text back to a page: "ack", "ack 42", "esc 42" (INC-42 and #42 too). */
export type SmsCommand = { kind: 'ack' | 'esc'; incident?: number } | { kind: 'unknown' };

export function parseSmsReply(body: string): SmsCommand {
  const match = /^\s*(ack|acknowledge|esc|escalate)\b\s*(?:(?:inc-?|#)?(\d{1,9}))?\s*[.!]?\s*$/i.exec(body);
  if (!match) return { kind: 'unknown' };
  const kind = match[1]!.toLowerCase().startsWith('ack') ? 'ack' : 'esc';
  return match[2] ? { kind, incident: Number(match[2]) } : { kind };
}

const HELP = 'Reply "ack" to acknowledge your latest page, "ack 42" for INC-42, or "esc 42" to escalate INC-42 now.';

/**
 * Acts on an SMS reply from a person's phone (as oncall.yaml gives it) and says, in one short
 * text, what happened. Only a person paged for an incident may acknowledge or escalate it by SMS.
 */
export async function answerSmsReply(deps: { database: Database; incidents: IncidentService; oncall: () => OncallConfig; clock: Clock }, from: string, body: string): Promise<{ text: string; audit?: { personId: number; name: string; action: string; incident: number; result: 'ok' | 'refused'; detail?: string } }> {
  const entry = Object.values(deps.oncall().people).find((person) => person.phone === from);
  if (!entry) return { text: 'This number is not on any on-call list.' };
  const [person] = await deps.database.sql.query<{ id: number; name: string }>(sql`SELECT id, name FROM people WHERE handle = ${entry.key}`);
  if (!person) return { text: 'This number is not on any on-call list.' };
  const personId = Number(person.id);
  const command = parseSmsReply(body);
  if (command.kind === 'unknown') return { text: HELP };
  const [page] = await deps.database.sql.query<{ id: number; incident_id: number }>(sql`
    SELECT p.id, p.incident_id FROM pages p JOIN incidents i ON i.id = p.incident_id
    WHERE p.person_id = ${personId}::int AND (${command.incident ?? null}::int IS NULL AND i.status = 'triggered' OR p.incident_id = ${command.incident ?? null}::int)
    ORDER BY p.id DESC LIMIT 1`);
  if (!page) return { text: command.incident ? `You were not paged for ${incidentLabel(command.incident)}.` : 'You have no page waiting for an answer.' };
  const incidentId = Number(page.incident_id);
  const label = incidentLabel(incidentId);
  if (command.kind === 'ack') {
    try {
      await deps.incidents.acknowledge(incidentId, { kind: 'person', personId, name: person.name }, Number(page.id));
      return { text: `${label} acknowledged. Escalation stopped.`, audit: { personId, name: person.name, action: 'incident.ack', incident: incidentId, result: 'ok' } };
    } catch (error) {
      if (!isAppError(error)) throw error;
      return { text: error.message, audit: { personId, name: person.name, action: 'incident.ack', incident: incidentId, result: 'refused', detail: error.message } };
    }
  }
  const moved = await escalateNow(deps, incidentId, { personId, name: person.name }, 'SMS');
  return moved
    ? { text: `${label}: escalating to the next level now.`, audit: { personId, name: person.name, action: 'incident.escalate', incident: incidentId, result: 'ok' } }
    : { text: `${label} has no escalation step left to hurry (acknowledged, resolved, or at its last level).`, audit: { personId, name: person.name, action: 'incident.escalate', incident: incidentId, result: 'refused' } };
}

/** Runs an incident's next escalation step now instead of at its time; false when none is pending. */
export async function escalateNow(deps: { database: Database; clock: Clock }, incidentId: number, person: { personId: number; name: string }, by: string): Promise<boolean> {
  return deps.database.transaction(async (tx) => {
    const rows = await tx.query<{ id: number }>(sql`
      UPDATE jobs SET due_at = now() WHERE kind = ${ESCALATION_STEP_JOB} AND subject = ${`incident:${incidentId}`} AND status = 'pending' RETURNING id`);
    if (rows.length) await appendTimeline(tx, [{ incidentId, at: deps.clock.now(), kind: 'escalation.now', actor: { kind: 'person', ...person }, text: `${person.name} asked by ${by} to escalate now` }]);
    return rows.length > 0;
  });
}
