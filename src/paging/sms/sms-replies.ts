import type { Database } from '../../db/database.js';
import { sql } from '../../db/sql.js';
import { incidentLabel } from '../../incidents/incident-rules.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import type { OncallConfig } from '../../oncall/oncall-config.js';
import type { Clock } from '../../time/clock.js';
import { acknowledgePages, escalatePages, labelList, type PageAnswer } from '../answer-pages.js';

/** What a person may text back to a page: "ack", "ack 42", "ack all", "esc 42" (INC-42 and #42 too). */
export type SmsCommand = { kind: 'ack' | 'esc'; incident?: number } | { kind: 'ack'; all: true } | { kind: 'unknown' };

export function parseSmsReply(body: string): SmsCommand {
  const match = /^\s*(ack|acknowledge|esc|escalate)\b\s*(?:(all)|(?:inc-?|#)?(\d{1,9}))?\s*[.!]?\s*$/i.exec(body);
  if (!match) return { kind: 'unknown' };
  const kind = match[1]!.toLowerCase().startsWith('ack') ? 'ack' : 'esc';
  if (match[2]) return kind === 'ack' ? { kind, all: true } : { kind: 'unknown' };
  return match[3] ? { kind, incident: Number(match[3]) } : { kind };
}

const HELP = 'Reply "ack" to acknowledge your latest page, "ack 42" for INC-42, "ack all" for every open one, or "esc 42" to escalate INC-42 now.';

/**
 * Acts on an SMS reply from a person's phone (as oncall.yaml gives it) and says, in one short
 * text, what happened. Only a person paged for an incident may acknowledge or escalate it by SMS.
 */
export async function answerSmsReply(deps: { database: Database; incidents: IncidentService; oncall: () => OncallConfig; clock: Clock }, from: string, body: string): Promise<PageAnswer> {
  const entry = Object.values(deps.oncall().people).find((person) => person.phone === from);
  if (!entry) return { text: 'This number is not on any on-call list.', audits: [] };
  const [row] = await deps.database.sql.query<{ id: number; name: string }>(sql`SELECT id, name FROM people WHERE handle = ${entry.key}`);
  if (!row) return { text: 'This number is not on any on-call list.', audits: [] };
  const person = { personId: Number(row.id), name: row.name };
  const command = parseSmsReply(body);
  if (command.kind === 'unknown') return { text: HELP, audits: [] };
  if ('all' in command) {
    const open = await deps.database.sql.query<{ id: number; incident_id: number }>(sql`
      SELECT DISTINCT ON (p.incident_id) p.id, p.incident_id FROM pages p JOIN incidents i ON i.id = p.incident_id
      WHERE p.person_id = ${person.personId}::int AND i.status = 'triggered' ORDER BY p.incident_id, p.id DESC`);
    if (open.length === 0) return { text: 'You have no page waiting for an answer.', audits: [] };
    const done = await acknowledgePages(deps.incidents, person, open.map((page) => ({ incidentId: Number(page.incident_id), pageId: Number(page.id) })));
    const text = done.acknowledged.length ? `${labelList(done.acknowledged)} acknowledged. Escalation stopped.` : 'Nothing was acknowledged: those incidents were answered meanwhile.';
    return { text, audits: done.audits };
  }
  const [page] = await deps.database.sql.query<{ id: number; incident_id: number }>(sql`
    SELECT p.id, p.incident_id FROM pages p JOIN incidents i ON i.id = p.incident_id
    WHERE p.person_id = ${person.personId}::int AND (${command.incident ?? null}::int IS NULL AND i.status = 'triggered' OR p.incident_id = ${command.incident ?? null}::int)
    ORDER BY p.id DESC LIMIT 1`);
  if (!page) return { text: command.incident ? `You were not paged for ${incidentLabel(command.incident)}.` : 'You have no page waiting for an answer.', audits: [] };
  const incidentId = Number(page.incident_id);
  const label = incidentLabel(incidentId);
  if (command.kind === 'ack') {
    const done = await acknowledgePages(deps.incidents, person, [{ incidentId, pageId: Number(page.id) }]);
    return { text: done.acknowledged.length ? `${label} acknowledged. Escalation stopped.` : done.refused[0]!.why, audits: done.audits };
  }
  const { moved, audits } = await escalatePages(deps, person, [incidentId], 'SMS');
  return { text: moved.length ? `${label}: escalating to the next level now.` : `${label} has no escalation step left to hurry (acknowledged, resolved, or at its last level).`, audits };
}
