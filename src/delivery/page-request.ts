import { prepared, sql, type Sql } from '../db/sql.js';
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
 * Writes a pending page and returns its id with the job that delivers it, for the caller to
 * enqueue in the same transaction: the page exists if and only if its delivery is scheduled.
 */
export async function writePage(tx: Sql, page: PageRequest): Promise<{ pageId: number; delivery: JobSpec }> {
  const [row] = await tx.query<{ id: number }>(prepared('pages.write', sql`
    INSERT INTO pages (incident_id, person_id, level, escalation_version, message, status)
    VALUES (${page.incidentId ?? null}::int, ${page.personId}::int, ${page.level ?? null}::int, ${page.escalationVersion ?? null}::int, ${page.message}, 'pending')
    RETURNING id`));
  const pageId = Number(row!.id);
  // Each page is its own subject: pages to several people go out side by side.
  return { pageId, delivery: { kind: PAGE_DELIVERY_JOB, subject: `page:${pageId}`, payload: { pageId } } };
}
