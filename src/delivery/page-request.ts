import { jsonRecords, prepared, sql, type Sql } from '../db/sql.js';
import { PAGE_DELIVERY_JOB } from '../engine/job-kinds.js';
import type { JobSpec } from '../engine/job.js';

/** A page to write: to a person, about an incident (escalation) or about nothing (`/oncall page`). */
export interface PageRequest {
  personId: number;
  message: string;
  incidentId?: number;
  /** The escalation level (1-based) and the incident's escalation version it was written under. */
  level?: number;
  escalationVersion?: number;
}

/**
 * Writes pending pages (one statement for however many) and returns, in the same order, each
 * one's id with the job that delivers it, for the caller to enqueue in the same transaction: a
 * page exists if and only if its delivery is scheduled.
 */
export async function writePages(tx: Sql, pages: readonly PageRequest[]): Promise<{ pageId: number; delivery: JobSpec }[]> {
  if (pages.length === 0) return [];
  const rows = pages.map((page) => ({
    incident_id: page.incidentId ?? null,
    person_id: page.personId,
    level: page.level ?? null,
    escalation_version: page.escalationVersion ?? null,
    message: page.message,
  }));
  const inserted = await tx.query<{ id: number }>(prepared('pages.write-many', sql`
    INSERT INTO pages (incident_id, person_id, level, escalation_version, message, status)
    SELECT r.incident_id, r.person_id, r.level, r.escalation_version, r.message, 'pending'
    FROM ${jsonRecords(rows, 'incident_id int, person_id int, level int, escalation_version int, message text')}
    ORDER BY e.ord
    RETURNING id`));
  // Ids come from the sequence in the order the rows were inserted: ascending is the list's order.
  const ids = inserted.map((row) => Number(row.id)).sort((a, b) => a - b);
  // Each page is its own subject: pages to several people go out side by side.
  return ids.map((pageId) => ({ pageId, delivery: { kind: PAGE_DELIVERY_JOB, subject: `page:${pageId}`, payload: { pageId } } }));
}

export async function writePage(tx: Sql, page: PageRequest): Promise<{ pageId: number; delivery: JobSpec }> {
  return (await writePages(tx, [page]))[0]!;
}
