import { beforeEach, describe, expect, it } from 'vitest';
import { enqueueJobs } from '../../../src/engine/job-store.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { REPORT_DELIVERY_JOB, WEEKLY_REPORT_JOB } from '../../../src/engine/job-kinds.js';
import { nextOccurrence, scheduleWeeklyReport, weeklyReportHandler } from '../../../src/engine/weekly-report-schedule.js';
import { createLogger } from '../../../src/logging.js';
import { describeEachDatabase } from '../../support/test-database.js';

describe('nextOccurrence', () => {
  it('reads the cron in the report`s time zone, across a DST change', () => {
    // Monday 09:00 Berlin is 08:00 UTC in winter and 07:00 UTC in summer (DST began 29 March 2026).
    expect(nextOccurrence('0 9 * * 1', 'Europe/Berlin', new Date('2026-03-20T12:00:00Z')).toISOString()).toBe('2026-03-23T08:00:00.000Z');
    expect(nextOccurrence('0 9 * * 1', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z')).toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(nextOccurrence('30 8 * * 5', 'America/New_York', new Date('2026-11-24T00:00:00Z')).toISOString()).toBe('2026-11-27T13:30:00.000Z');
  });
});

describeEachDatabase('weekly report schedule', (db) => {
  const prisma = () => db().database.prisma;
  const log = createLogger('silent');
  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE jobs, processed_requests RESTART IDENTITY');
  });

  it('schedules one job per occurrence however many replicas start', async () => {
    const now = new Date('2026-11-24T10:00:00Z');
    const [a, b] = await Promise.all([
      scheduleWeeklyReport(db().database, '0 9 * * 1', 'UTC', now),
      scheduleWeeklyReport(db().database, '0 9 * * 1', 'UTC', now),
    ]);
    expect(a).toEqual(b);
    const jobs = await prisma().job.findMany();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.dueAt.toISOString()).toBe('2026-11-30T09:00:00.000Z');
  });

  it('delivers an occurrence once, even when two replicas hold a job for it, and schedules the next', async () => {
    const occurrence = new Date(Date.now() - 1_000);
    // A replica that started while the first job ran (its coalesce key already cleared) wrote a second one.
    await db().database.transaction((tx) =>
      enqueueJobs(tx, [
        { kind: WEEKLY_REPORT_JOB, payload: { occurrence: occurrence.toISOString() }, dueAt: occurrence },
        { kind: WEEKLY_REPORT_JOB, payload: { occurrence: occurrence.toISOString() }, dueAt: occurrence },
      ]),
    );
    const handler = weeklyReportHandler({ database: db().database, cron: '0 9 * * 1', timeZone: 'UTC' });
    const replicas = ['a', 'b'].map((id) => new JobWorker(db().database, new Map([[WEEKLY_REPORT_JOB, handler]]), log, { workerId: id }));
    await Promise.all(replicas.map((replica) => replica.runOnce()));
    expect(await prisma().job.count({ where: { kind: REPORT_DELIVERY_JOB } })).toBe(1);
    const next = await prisma().job.findMany({ where: { kind: WEEKLY_REPORT_JOB } });
    expect(next).toHaveLength(1);
    expect(next[0]!.dueAt.getTime()).toBeGreaterThan(Date.now());
  });
});
