import { CronExpressionParser } from 'cron-parser';
import { firstDelivery } from '../db/processed-requests.js';
import type { Database } from '../db/database.js';
import { enqueueJobs } from './job-store.js';
import type { ClaimedJob, JobHandler, JobSpec } from './job.js';

import { REPORT_DELIVERY_JOB, WEEKLY_REPORT_JOB } from './job-kinds.js';


/** The next time the cron expression fires after `after`, read in the report's time zone. */
export function nextOccurrence(cron: string, timeZone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: timeZone }).next().toDate();
}

function occurrenceJob(occurrence: Date): JobSpec {
  const key = `${WEEKLY_REPORT_JOB}:${occurrence.toISOString()}`;
  return { kind: WEEKLY_REPORT_JOB, subject: 'report:weekly', coalesceKey: key, dueAt: occurrence, payload: { occurrence: occurrence.toISOString() } };
}

/** At start: make sure the next occurrence is scheduled. Replicas that all do this write one job. */
export async function scheduleWeeklyReport(database: Database, cron: string, timeZone: string, now: Date): Promise<Date> {
  const occurrence = nextOccurrence(cron, timeZone, now);
  await database.transaction((tx) => enqueueJobs(tx, [occurrenceJob(occurrence)]));
  return occurrence;
}

/**
 * When an occurrence is due: claim it once for all replicas and restarts (a processed key in
 * the same transaction), queue the delivery, and schedule the next occurrence.
 */
export function weeklyReportHandler(deps: { database: Database; cron: string; timeZone: string }): JobHandler {
  return async (job: ClaimedJob) => {
    const occurrence = new Date(String(job.payload.occurrence));
    await deps.database.transaction(async (tx) => {
      const next = occurrenceJob(nextOccurrence(deps.cron, deps.timeZone, occurrence));
      if (!(await firstDelivery(tx, `${WEEKLY_REPORT_JOB}:${occurrence.toISOString()}`))) {
        await enqueueJobs(tx, [next]);
        return;
      }
      await enqueueJobs(tx, [{ kind: REPORT_DELIVERY_JOB, subject: 'report:weekly', payload: { occurrence: occurrence.toISOString() } }, next]);
    });
  };
}
