import { afterEach, expect, it } from 'vitest';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { Delivery } from '../../../src/delivery/delivery.js';
import { INCIDENT_SYNC_JOB } from '../../../src/engine/job-kinds.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { createLogger } from '../../../src/logging.js';
import { maintenanceJobHandlers } from '../../../src/maintenance/maintenance-jobs.js';
import { endWindowNow, openWindow, runningWindows } from '../../../src/maintenance/maintenance-store.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { buildWeeklyReport } from '../../../src/reports/weekly-report.js';
import { renderReportMarkdown } from '../../../src/reports/weekly-report-render.js';
import { JobTime, runDueJobs } from '../../support/job-time.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;
const log = createLogger('silent');
const config = parseOncallYaml(['teams:', '  payments: { name: Payments, services: [checkout] }'].join('\n'));

describeEachDatabase('maintenance windows', (db) => {
  let workers: JobWorker[] = [];
  afterEach(async () => {
    for (const worker of workers) await worker.stop();
    workers = [];
  });

  /** A bot's intake and engine; `start` again on the same database is a restarted replica. */
  function startBot(time: JobTime) {
    const database = db().database;
    const intake = new AlertIntake({ database, oncall: () => config, effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock: time.clock, maintenanceWindows: (at) => runningWindows(database.sql, at) });
    const delivery = new Delivery({ prisma: database.prisma, ports: [], clock: time.clock });
    const worker = new JobWorker(database, new Map([...maintenanceJobHandlers({ database, intake, delivery, oncall: () => config, clock: time.clock, log }), [INCIDENT_SYNC_JOB, async () => {}]]), log);
    workers.push(worker);
    return { intake, runDue: () => runDueJobs(worker) };
  }
  const reset = () => db().database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, maintenance_windows RESTART IDENTITY CASCADE');
  const open = (time: JobTime, matcher: object, startsInMs: number, lastsMs: number) =>
    db().database.transaction((tx) =>
      openWindow(tx, { matcher, teamKey: 'payments', startsAt: new Date(time.clock.now().getTime() + startsInMs), endsAt: new Date(time.clock.now().getTime() + startsInMs + lastsMs), reason: 'database upgrade', createdById: null, createdByName: 'Ben', origin: 'chat' }, time.clock.now()),
    );
  const alert = (time: JobTime, name: string, status: 'firing' | 'resolved', service = 'checkout') =>
    normalizeGeneric({ title: `${name} on ${service}`, fingerprint: `${service}-${name}`, status, service, severity: 'critical' }, time.clock.now());
  const incidents = () => db().database.prisma.incident.findMany({ orderBy: { id: 'asc' } });

  it('holds matching alerts (stored, no incident) and, at its end, opens incidents for those still firing, surviving a restart in the middle', async () => {
    await reset();
    const time = new JobTime(db().database);
    let bot = startBot(time);
    const id = (await open(time, { service: 'checkout' }, 10 * MINUTE, 60 * MINUTE))!;
    // Before it starts, nothing is held.
    expect(await bot.intake.receive(alert(time, 'Early', 'firing'))).toEqual([expect.objectContaining({ outcome: 'created' })]);
    await time.advance(10 * MINUTE);
    bot.intake.forgetMaintenance();
    const held = await bot.intake.receive({ ...alert(time, 'Latency', 'firing'), alerts: [alert(time, 'Latency', 'firing').alerts[0]!, alert(time, 'Errors', 'firing').alerts[0]!, alert(time, 'Other', 'firing', 'search').alerts[0]!] });
    expect(held.map((r) => r.outcome)).toEqual(['held', 'held', 'created']);
    expect(await incidents()).toHaveLength(2);
    const rows = await db().database.prisma.alert.findMany({ where: { heldByWindow: id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.title, r.incidentId])).toEqual([['Latency on checkout', null], ['Errors on checkout', null]]);
    // One clears during the window; a replica restarts in the middle.
    await time.advance(20 * MINUTE);
    await bot.intake.receive(alert(time, 'Errors', 'resolved'));
    for (const worker of workers) await worker.stop();
    workers = [];
    bot = startBot(time);
    await time.advance(39 * MINUTE);
    await bot.runDue();
    expect(await incidents()).toHaveLength(2);
    await time.advance(2 * MINUTE);
    await bot.runDue();
    const after = await incidents();
    expect(after.map((i) => i.title)).toEqual(['Early on checkout', 'Other on search', 'Latency on checkout']);
    const timeline = await db().database.prisma.timelineEvent.findMany({ where: { incidentId: after[2]!.id }, orderBy: { id: 'asc' } });
    expect(timeline.map((e) => e.kind)).toContain('maintenance.released');
    // Held alerts keep the record of the window that held them.
    expect((await db().database.prisma.alert.findFirstOrThrow({ where: { title: 'Errors on checkout' } })).heldByWindow).toBe(id);
    // The weekly report lists each window with the alerts it held.
    const report = renderReportMarkdown(await buildWeeklyReport(db().database.sql, { weeks: 1, timeZone: 'UTC', now: time.clock.now() }));
    expect(report).toMatch(new RegExp(`- #${id} service checkout, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d to .* UTC: database upgrade; held 2 alert\\(s\\): Errors on checkout, Latency on checkout`));
  });

  it('with overlapping windows, an alert is let go only when the last one holding it ends; ending one early releases at once', async () => {
    await reset();
    const time = new JobTime(db().database);
    const bot = startBot(time);
    await open(time, { service: 'checkout' }, 0, 30 * MINUTE);
    const longer = (await open(time, { labels: { service: 'checkout' } }, 0, 60 * MINUTE))!;
    await open(time, { service: 'search' }, 0, 60 * MINUTE);
    await bot.intake.receive(alert(time, 'Latency', 'firing'));
    await bot.intake.receive(alert(time, 'Slow', 'firing', 'search'));
    expect(await incidents()).toHaveLength(0);
    await time.advance(31 * MINUTE);
    await bot.runDue();
    expect(await incidents()).toHaveLength(0);
    // Recorded as held by the window that holds it longest.
    expect(await db().database.prisma.alert.count({ where: { heldByWindow: longer } })).toBe(1);
    // Search's window is ended early: its alert opens its incident now, checkout's stays held.
    expect(await endWindowNow(db().database, 3, time.clock.now())).toBe(true);
    expect(await endWindowNow(db().database, 3, time.clock.now())).toBe(false);
    await bot.runDue();
    expect((await incidents()).map((i) => i.title)).toEqual(['Slow on search']);
    await time.advance(30 * MINUTE);
    await bot.runDue();
    expect((await incidents()).map((i) => i.title)).toEqual(['Slow on search', 'Latency on checkout']);
  });
});
