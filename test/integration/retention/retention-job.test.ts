import { Writable } from 'node:stream';
import { beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { RETENTION_PURGE_JOB } from '../../../src/engine/job-kinds.js';
import { enqueueJobs } from '../../../src/engine/job-store.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { createLogger } from '../../../src/logging.js';
import { retentionPurgeHandler, scheduleRetentionPurge, type RetentionJobDeps } from '../../../src/retention/retention-job.js';
import { JobTime, runDueJobs } from '../../support/job-time.js';
import { describeEachDatabase } from '../../support/test-database.js';

const DAY = 86_400_000;

describeEachDatabase('the daily retention purge', (db) => {
  const prisma = () => db().database.prisma;
  let time: JobTime;
  let logged: Record<string, unknown>[];

  const worker = (options: Partial<RetentionJobDeps> = {}, workerId = 'w1') => {
    const log = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (logged.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)), done()) }));
    const handler = retentionPurgeHandler({ database: db().database, settings: loadConfig({}), timeZone: 'UTC', clock: time.clock, log, pauseMs: 0, ...options });
    return new JobWorker(db().database, new Map([[RETENTION_PURGE_JOB, handler]]), log, { workerId });
  };
  const purgeRuns = () => logged.filter((line) => line.msg === 'retention purge done');
  const audit = (at: Date, count = 1) =>
    prisma().auditEntry.createMany({ data: Array.from({ length: count }, (_, n) => ({ at, actorName: `at ${at.toISOString()} #${n}`, platform: 'cli', action: 'x', result: 'ok' })) });
  const pendingRuns = () => prisma().job.findMany({ where: { kind: RETENTION_PURGE_JOB } });

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE jobs, processed_requests, audit_entries RESTART IDENTITY');
    // The bot's clock starts at the database's now: jobs fall due by the database's clock.
    time = new JobTime(db().database, new Date());
    logged = [];
  });

  it('runs at 03:30 each day, removes what has aged past its setting, and schedules the next day', async () => {
    const first = await scheduleRetentionPurge(db().database, 'UTC', time.clock.now());
    expect(first.toISOString()).toMatch(/T03:30:00\.000Z$/);
    expect(first.getTime() - time.clock.now().getTime()).toBeLessThanOrEqual(DAY);
    // Scheduling again (a restart, another replica) writes no second job.
    await scheduleRetentionPurge(db().database, 'UTC', time.clock.now());
    expect(await pendingRuns()).toHaveLength(1);

    await audit(new Date(first.getTime() - 366 * DAY));
    await audit(new Date(first.getTime() - 364.5 * DAY));
    await audit(new Date(first.getTime() - 10 * DAY));
    const bot = worker();
    // Nothing happens before its time.
    expect(await runDueJobs(bot)).toBe(0);
    expect(await prisma().auditEntry.count()).toBe(3);

    await time.advance(first.getTime() - time.clock.now().getTime() + 1_000);
    expect(await runDueJobs(bot)).toBe(1);
    expect(await prisma().auditEntry.count()).toBe(2);
    expect(purgeRuns()).toEqual([expect.objectContaining({ occurrence: first.toISOString(), removed: { audit_entries: 1 } })]);
    const next = await pendingRuns();
    expect(next).toHaveLength(1);
    expect(next[0]!.payload).toEqual({ occurrence: new Date(first.getTime() + DAY).toISOString() });

    // A day on, the row that was 364.5 days old is past the year, and goes.
    await time.advance(DAY);
    expect(await runDueJobs(bot)).toBe(1);
    expect((await prisma().auditEntry.findMany()).map((row) => row.at.getTime())).toEqual([first.getTime() - 10 * DAY]);
    expect(purgeRuns()).toHaveLength(2);
    expect((await pendingRuns()).map((job) => job.payload)).toEqual([{ occurrence: new Date(first.getTime() + 2 * DAY).toISOString() }]);
  });

  it('runs a day once, even when two replicas each hold a job for it', async () => {
    const occurrence = new Date(time.clock.now().getTime() - 1_000);
    await audit(new Date(occurrence.getTime() - 400 * DAY), 3);
    // A replica that started while the first job ran (its coalesce key already cleared) wrote a second one.
    await db().database.transaction((tx) =>
      enqueueJobs(tx, [
        { kind: RETENTION_PURGE_JOB, subject: 'retention', payload: { occurrence: occurrence.toISOString() }, dueAt: occurrence },
        { kind: RETENTION_PURGE_JOB, subject: 'retention', payload: { occurrence: occurrence.toISOString() }, dueAt: occurrence },
      ]),
    );
    const [a, b] = [worker({}, 'a'), worker({}, 'b')];
    await Promise.all([a.runOnce(), b.runOnce()]);
    await runDueJobs(b);
    expect(purgeRuns()).toHaveLength(1);
    expect(purgeRuns()[0]).toMatchObject({ removed: { audit_entries: 3 } });
    expect(await prisma().processedRequest.count({ where: { key: `${RETENTION_PURGE_JOB}:${occurrence.toISOString()}` } })).toBe(1);
    const left = await pendingRuns();
    expect(left).toHaveLength(1);
    expect(left[0]!.dueAt.getTime()).toBeGreaterThan(occurrence.getTime());
  });

  it('does a big day in short runs, each a few batches, going on where the last stopped, and logs the day`s total once', async () => {
    const occurrence = new Date(time.clock.now().getTime() - 1_000);
    await audit(new Date(occurrence.getTime() - 400 * DAY), 55);
    await audit(new Date(occurrence.getTime() - DAY), 5);
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: RETENTION_PURGE_JOB, subject: 'retention', payload: { occurrence: occurrence.toISOString() }, dueAt: occurrence }]));
    const ran = await runDueJobs(worker({ batchSize: 10, batchesPerRun: 2 }));
    // Every kind of row takes a batch at least, the audit rows six: 15 batches, two a run.
    expect(ran).toBe(8);
    expect(await prisma().auditEntry.count()).toBe(5);
    expect(purgeRuns()).toEqual([expect.objectContaining({ removed: { audit_entries: 55 } })]);
    expect((await pendingRuns()).map((job) => job.payload)).toEqual([{ occurrence: expect.stringMatching(/T03:30:00\.000Z$/) }]);
  });

  it('after a long stop, runs once for the days it missed and goes on from the next 03:30', async () => {
    const bot = worker();
    const first = await scheduleRetentionPurge(db().database, 'UTC', time.clock.now());
    await time.advance(first.getTime() - time.clock.now().getTime() + 10 * DAY);
    expect(await runDueJobs(bot)).toBe(1);
    expect(purgeRuns()).toHaveLength(1);
    const next = await pendingRuns();
    expect(next.map((job) => job.payload)).toEqual([{ occurrence: new Date(first.getTime() + 11 * DAY).toISOString() }]);
  });
});
