import { prepared, sql, type Sql } from '../db/sql.js';
import { enqueueJobs, jobsInsert } from '../engine/job-store.js';
import type { JobSpec } from '../engine/job.js';
import { appendTimeline, timelineInsert, type TimelineEntry } from './timeline.js';

/**
 * The timeline entries and the jobs of a change, in one statement: every round trip costs the
 * bot a system call or two on the way out and in, which on the intake's and the escalation's
 * paths was a third of the bot's CPU (a profile of bench:ingest's opens).
 */
export async function appendTimelineAndJobs(tx: Sql, entries: readonly TimelineEntry[], jobs: readonly JobSpec[]): Promise<void> {
  if (entries.length === 0) return enqueueJobs(tx, jobs);
  if (jobs.length === 0) return appendTimeline(tx, entries);
  await tx.query(prepared('timeline-and-jobs.append', sql`
    WITH timeline AS (${timelineInsert(entries)}), queued AS (${jobsInsert(jobs)})
    SELECT 1`));
}
