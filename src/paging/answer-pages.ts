import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import { ESCALATION_STEP_JOB } from '../engine/job-kinds.js';
import { isAppError } from '../errors.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { IncidentService } from '../incidents/incident-service.js';
import { appendTimeline } from '../incidents/timeline.js';
import type { Clock } from '../time/clock.js';

/** What a person did by reply or key press, for the audit log: one entry per incident. */
export interface PageAnswerAudit {
  personId: number;
  name: string;
  action: 'incident.ack' | 'incident.escalate';
  incident: number;
  result: 'ok' | 'refused';
  detail?: string;
}

export interface PageAnswer {
  /** What the person is told back, in a text or on the call. */
  text: string;
  audits: PageAnswerAudit[];
}

type Person = { personId: number; name: string };

/**
 * Acknowledges each incident the person was paged for (a digest's "ack all", key 1 on a digest
 * call); one that is already acknowledged or resolved is left as it is and counted apart.
 */
export async function acknowledgePages(incidents: IncidentService, person: Person, pages: readonly { incidentId: number; pageId: number }[]): Promise<{ acknowledged: number[]; refused: { incident: number; why: string }[]; audits: PageAnswerAudit[] }> {
  const acknowledged: number[] = [];
  const refused: { incident: number; why: string }[] = [];
  const audits: PageAnswerAudit[] = [];
  const seen = new Set<number>();
  for (const { incidentId, pageId } of pages) {
    if (seen.has(incidentId)) continue;
    seen.add(incidentId);
    try {
      await incidents.acknowledge(incidentId, { kind: 'person', ...person }, pageId);
      acknowledged.push(incidentId);
      audits.push({ ...person, action: 'incident.ack', incident: incidentId, result: 'ok' });
    } catch (error) {
      if (!isAppError(error)) throw error;
      refused.push({ incident: incidentId, why: error.message });
      audits.push({ ...person, action: 'incident.ack', incident: incidentId, result: 'refused', detail: error.message });
    }
  }
  return { acknowledged, refused, audits };
}

/** Escalates each incident now (key 2 on a digest call); the ones with no step left are counted apart. */
export async function escalatePages(deps: { database: Database; clock: Clock }, person: Person, incidentIds: readonly number[], by: string): Promise<{ moved: number[]; audits: PageAnswerAudit[] }> {
  const moved: number[] = [];
  const audits: PageAnswerAudit[] = [];
  for (const incidentId of new Set(incidentIds)) {
    const ok = await escalateNow(deps, incidentId, person, by);
    if (ok) moved.push(incidentId);
    audits.push({ ...person, action: 'incident.escalate', incident: incidentId, result: ok ? 'ok' : 'refused' });
  }
  return { moved, audits };
}

/** "INC-4, INC-5 and INC-9", or the first few and how many more: short enough for a text or a call. */
export function labelList(ids: readonly number[], max = 4): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const labels = sorted.slice(0, max).map(incidentLabel);
  if (sorted.length > max) return `${labels.join(', ')} and ${sorted.length - max} more`;
  return labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

/** Runs an incident's next escalation step now instead of at its time; false when none is pending. */
export async function escalateNow(deps: { database: Database; clock: Clock }, incidentId: number, person: Person, by: string): Promise<boolean> {
  return deps.database.transaction(async (tx) => {
    const rows = await tx.query<{ id: number }>(sql`
      UPDATE jobs SET due_at = now() WHERE kind = ${ESCALATION_STEP_JOB} AND subject = ${`incident:${incidentId}`} AND status = 'pending' RETURNING id`);
    if (rows.length) await appendTimeline(tx, [{ incidentId, at: deps.clock.now(), kind: 'escalation.now', actor: { kind: 'person', ...person }, text: `${person.name} asked by ${by} to escalate now` }]);
    return rows.length > 0;
  });
}
