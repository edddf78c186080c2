import type { Database } from '../db/database.js';
import { firstDelivery } from '../db/processed-requests.js';
import { RETENTION_PURGE_JOB } from '../engine/job-kinds.js';
import { completeJobWithin, enqueueJobs } from '../engine/job-store.js';
import type { ClaimedJob, JobHandler, JobSpec } from '../engine/job.js';
import { nextOccurrence } from '../engine/weekly-report-schedule.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import { retentionPlan, RETENTION_CATEGORIES, type RetentionSettings } from './retention-plan.js';
import { addCounts, purgeExpired, type PurgeProgress, type RetentionCounts } from './retention-purge.js';

/** Every day at 03:30 in REPORT_TIMEZONE: the team's night, when fewest alerts come in. */
export const RETENTION_CRON = '30 3 * * *';

/** Batches per job run: a run stays well inside its 30-second lease and lets the worker's other jobs (pages) go between runs. */
export const BATCHES_PER_RUN = 40;

const SUBJECT = 'retention';

/**
 * The day's run, keyed by its time: replicas that all schedule it write one job. Due after the
 * time left until then by the bot's clock, so a bot whose clock is behind the database's (a test's,
 * or one back from a long stop) runs the next day once, not every day it missed in a row.
 */
function occurrenceJob(occurrence: Date, now: Date): JobSpec {
  return { kind: RETENTION_PURGE_JOB, subject: SUBJECT, coalesceKey: `${RETENTION_PURGE_JOB}:${occurrence.toISOString()}`, delayMs: Math.max(0, occurrence.getTime() - now.getTime()), payload: { occurrence: occurrence.toISOString() } };
}

/** At start: make sure the next daily purge is scheduled. Returns when it runs. */
export async function scheduleRetentionPurge(database: Database, timeZone: string, now: Date): Promise<Date> {
  const occurrence = nextOccurrence(RETENTION_CRON, timeZone, now);
  await database.transaction((tx) => enqueueJobs(tx, [occurrenceJob(occurrence, now)]));
  return occurrence;
}

export interface RetentionJobDeps {
  database: Database;
  settings: RetentionSettings;
  timeZone: string;
  clock: Clock;
  log: Logger;
  batchSize?: number;
  batchesPerRun?: number;
  pauseMs?: number;
}

interface Payload {
  occurrence: string;
  /** Set on the runs that go on where the previous one stopped. */
  progress?: PurgeProgress;
  /** What the day's earlier runs removed. */
  counts?: Partial<RetentionCounts>;
}

/**
 * The daily purge. Its first run claims the day once for all replicas and restarts (a processed
 * key, in the transaction that schedules the next day); each run then removes up to
 * `batchesPerRun` batches and, when more remains, hands over to a follow-up job written in the
 * same transaction that ends it, so a crash or a restart goes on where it stopped. The job
 * worker runs pages and escalations between the runs. The day's counts are logged at the end.
 */
export function retentionPurgeHandler(deps: RetentionJobDeps): JobHandler {
  return async (job: ClaimedJob) => {
    const payload = job.payload as unknown as Payload;
    const occurrence = new Date(payload.occurrence);
    if (!payload.progress) {
      const now = deps.clock.now();
      const first = await deps.database.transaction(async (tx) => {
        // The next day after this run and after now: a run that comes late (the bot was down) skips the days it missed.
        const next = nextOccurrence(RETENTION_CRON, deps.timeZone, new Date(Math.max(occurrence.getTime(), now.getTime())));
        await enqueueJobs(tx, [occurrenceJob(next, now)]);
        // Forgotten two days on (by the purge itself): by then the day's job is long gone.
        return firstDelivery(tx, `${RETENTION_PURGE_JOB}:${occurrence.toISOString()}`, { forMs: 2 * 86_400_000 });
      });
      if (!first) return;
    }
    const plan = retentionPlan(deps.settings, deps.clock.now());
    const result = await purgeExpired(deps.database, plan, { batchSize: deps.batchSize, pauseMs: deps.pauseMs, maxBatches: deps.batchesPerRun ?? BATCHES_PER_RUN, resume: payload.progress });
    const counts = addCounts(payload.counts ?? {}, result.counts);
    if (result.progress) {
      const next: Payload = { occurrence: payload.occurrence, progress: result.progress, counts };
      await deps.database.transaction(async (tx) => {
        if (!(await completeJobWithin(tx, job))) return;
        await enqueueJobs(tx, [{ kind: RETENTION_PURGE_JOB, subject: SUBJECT, payload: next as unknown as Record<string, unknown> }]);
      });
      return;
    }
    const removed = Object.fromEntries(RETENTION_CATEGORIES.filter((category) => counts[category] > 0).map((category) => [category, counts[category]]));
    deps.log.info({ occurrence: payload.occurrence, removed, cutoffs: Object.fromEntries(plan.map((step) => [step.category, step.cutoff?.toISOString() ?? 'forever'])) }, 'retention purge done');
  };
}
