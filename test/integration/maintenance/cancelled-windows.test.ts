import { afterEach, expect, it } from 'vitest';
import { Delivery } from '../../../src/delivery/delivery.js';
import { INCIDENT_SYNC_JOB } from '../../../src/engine/job-kinds.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { createLogger } from '../../../src/logging.js';
import { maintenanceJobHandlers } from '../../../src/maintenance/maintenance-jobs.js';
import { endWindowNow, openWindow, runningWindows } from '../../../src/maintenance/maintenance-store.js';
import { syncRecurringMaintenance } from '../../../src/maintenance/recurring-maintenance.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { buildWeeklyReport } from '../../../src/reports/weekly-report.js';
import { renderReportMarkdown } from '../../../src/reports/weekly-report-render.js';
import { JobTime, runDueJobs } from '../../support/job-time.js';
import { describeEachDatabase } from '../../support/test-database.js';

const HOUR = 3_600_000;
const log = createLogger('silent');

/** Maintenance windows ended before they started: called off, they never ran. */
describeEachDatabase('maintenance windows cancelled before they start', (db) => {
  let worker: JobWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  it('cancelling tonight`s occurrence of a recurring window still plans tomorrow`s', async () => {
    const config = parseOncallYaml(['teams:', '  data: { name: Data, services: [postgres] }', 'maintenance:', '  nightly:', '    match: { service: postgres }', '    cron: "0 1 * * *"', '    timezone: UTC', '    duration: 2h', '    reason: vacuum'].join('\n'));
    const database = db().database;
    await database.prisma.$executeRawUnsafe('TRUNCATE maintenance_windows, jobs, alerts, incidents RESTART IDENTITY CASCADE');
    const time = new JobTime(database, new Date('2026-12-07T12:00:00Z'));
    const intake = new AlertIntake({ database, oncall: () => config, effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock: time.clock, maintenanceWindows: (at) => runningWindows(database.sql, at) });
    const delivery = new Delivery({ prisma: database.prisma, ports: [], clock: time.clock });
    worker = new JobWorker(database, new Map([...maintenanceJobHandlers({ database, intake, delivery, oncall: () => config, clock: time.clock, log }), [INCIDENT_SYNC_JOB, async () => {}]]), log);
    await syncRecurringMaintenance(database, config, time.clock.now());
    const [tonight] = await database.prisma.maintenanceWindow.findMany();
    expect(tonight!.startsAt).toEqual(new Date('2026-12-08T01:00:00Z'));

    expect(await endWindowNow(database, tonight!.id, time.clock.now())).toBe(true);
    await runDueJobs(worker);
    for (let hour = 0; hour < 16; hour++) {
      await time.advance(HOUR);
      await runDueJobs(worker);
    }
    // 8 Dec 04:00, before anything else would plan it: tomorrow's occurrence is planned, tonight's stays cancelled.
    const windows = await database.prisma.maintenanceWindow.findMany({ orderBy: { startsAt: 'asc' }, select: { startsAt: true, endedAt: true } });
    expect(windows).toEqual([
      { startsAt: new Date('2026-12-08T01:00:00Z'), endedAt: new Date('2026-12-07T12:00:00Z') },
      { startsAt: new Date('2026-12-09T01:00:00Z'), endedAt: null },
    ]);
  });

  it('the weekly report leaves a cancelled window out (it never ran), and keeps one ended early', async () => {
    await db().database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, maintenance_windows RESTART IDENTITY CASCADE');
    const now = new Date('2026-12-07T10:00:00Z');
    const open = (startsAt: string, endsAt: string, reason: string) =>
      db().database.transaction((tx) => openWindow(tx, { matcher: { service: 'checkout' }, teamKey: null, startsAt: new Date(startsAt), endsAt: new Date(endsAt), reason, createdById: null, createdByName: 'Ben', origin: 'chat' }, now));
    const cancelled = (await open('2026-12-09T22:00:00Z', '2026-12-10T01:00:00Z', 'db upgrade'))!;
    const cut = (await open('2026-12-08T22:00:00Z', '2026-12-09T01:00:00Z', 'failover drill'))!;
    expect(await endWindowNow(db().database, cancelled, new Date('2026-12-08T09:00:00Z'))).toBe(true);
    expect(await endWindowNow(db().database, cut, new Date('2026-12-08T23:00:00Z'))).toBe(true);

    const report = await buildWeeklyReport(db().database.sql, { weeks: 1, timeZone: 'UTC', now: new Date('2026-12-11T09:00:00Z') });
    expect(report.maintenance.map((w) => [w.id, w.startsAt, w.endsAt])).toEqual([[cut, '2026-12-08T22:00:00.000Z', '2026-12-08T23:00:00.000Z']]);
    expect(renderReportMarkdown(report)).not.toContain('db upgrade');
  });
});
