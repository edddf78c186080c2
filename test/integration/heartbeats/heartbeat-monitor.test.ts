import { afterEach, expect, it } from 'vitest';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import { HEARTBEAT_CHECK_JOB, INCIDENT_SYNC_JOB } from '../../../src/engine/job-kinds.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { HeartbeatMonitor } from '../../../src/heartbeats/heartbeat-monitor.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { IncidentService } from '../../../src/incidents/incident-service.js';
import { createLogger } from '../../../src/logging.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import type { Clock } from '../../../src/time/clock.js';
import { JobTime, runDueJobs } from '../../support/job-time.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;
const log = createLogger('silent');
const config = parseOncallYaml(
  [
    'teams:',
    '  platform: { name: Platform }',
    'heartbeats:',
    '  prometheus-prod: { interval: 1m, grace: 2m, labels: { team: platform }, severity: sev2 }',
    '  nightly-backup: { interval: 1h }',
    'routes:',
    '  - { id: watchdog, match: { labels: { alertname: Watchdog } }, heartbeat: prometheus-prod }',
  ].join('\n'),
);

/** An Alertmanager notification carrying the always-firing Watchdog alert. */
function watchdog(at: Date) {
  return normalizeAlertmanager({
    version: '4',
    groupKey: '{}:{alertname="Watchdog"}',
    status: 'firing',
    receiver: 'bot',
    groupLabels: { alertname: 'Watchdog' },
    commonLabels: { alertname: 'Watchdog' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [{ status: 'firing', labels: { alertname: 'Watchdog', severity: 'none' }, annotations: {}, startsAt: at.toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'watchdog' }],
  });
}

describeEachDatabase('heartbeats', (db) => {
  let workers: JobWorker[] = [];
  afterEach(async () => {
    for (const worker of workers) await worker.stop();
    workers = [];
  });
  const prisma = () => db().database.prisma;

  /** One bot (its monitor started at the clock's now) with `replicas` workers. */
  function startMonitor(clock: Clock, replicas = 1) {
    const database = db().database;
    let monitor: HeartbeatMonitor;
    const intake = new AlertIntake({ database, oncall: () => config, effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock, beat: (name) => monitor.beat(name) });
    const incidents = new IncidentService(database, noEffects, { clock });
    monitor = new HeartbeatMonitor({ database, intake, incidents, oncall: () => config, clock });
    for (let r = 0; r < replicas; r++) workers.push(new JobWorker(database, new Map([[HEARTBEAT_CHECK_JOB, monitor.checkHandler()], [INCIDENT_SYNC_JOB, async () => {}]]), log));
    return { monitor, intake, incidents, runDue: async () => { await Promise.all(workers.map((w) => runDueJobs(w))); } };
  }
  async function reset() {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, heartbeats, teams, people RESTART IDENTITY CASCADE');
    await syncDirectory(prisma(), config);
  }
  const heartbeatIncidents = () => prisma().incident.findMany({ where: { source: 'heartbeat' }, orderBy: { id: 'asc' } });

  it('a heartbeat that stops opens one incident, routed by its labels; the next beat resolves it', async () => {
    await reset();
    const time = new JobTime(db().database);
    const bot = startMonitor(time.clock, 2);
    await bot.monitor.sync(config);
    await bot.monitor.beat('prometheus-prod');
    await bot.monitor.beat('nightly-backup');
    // Beating every minute: nothing.
    for (let i = 0; i < 5; i++) {
      await time.advance(MINUTE);
      await bot.monitor.beat('prometheus-prod');
      await bot.runDue();
    }
    expect(await heartbeatIncidents()).toEqual([]);
    // Silent: a minute's interval and two of grace pass with no beat; a minute short, still nothing.
    await time.advance(2 * MINUTE);
    await bot.runDue();
    expect(await heartbeatIncidents()).toEqual([]);
    await time.advance(MINUTE);
    await bot.runDue();
    await time.advance(5 * MINUTE);
    await bot.runDue();
    const [incident] = await heartbeatIncidents();
    expect(incident).toMatchObject({ title: 'Heartbeat prometheus-prod missed: last seen 3m ago', severity: 2, status: 'triggered' });
    expect(incident!.teamId).not.toBeNull();
    expect(await heartbeatIncidents()).toHaveLength(1);

    // Someone acknowledges; the beats come back: resolved all the same.
    await bot.incidents.acknowledge(incident!.id, { kind: 'bot' });
    await time.advance(MINUTE);
    await bot.monitor.beat('prometheus-prod');
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: incident!.id } })).status).toBe('resolved');
    const timeline = (await prisma().timelineEvent.findMany({ where: { incidentId: incident!.id }, orderBy: { id: 'asc' } })).map((e) => e.text);
    expect(timeline).toContain('Alert resolved: Heartbeat prometheus-prod beating again after 6m missed');
    // And it is watched again: silent once more, a new incident.
    await time.advance(4 * MINUTE);
    await bot.runDue();
    expect((await heartbeatIncidents()).filter((i) => i.status === 'triggered')).toHaveLength(1);
  });

  it('Prometheus` Watchdog, arriving through Alertmanager, is a beat: no alert stored, no incident', async () => {
    await reset();
    const time = new JobTime(db().database);
    const bot = startMonitor(time.clock);
    await bot.monitor.sync(config);
    const results = await bot.intake.receive(watchdog(time.clock.now()));
    expect(results).toEqual([{ outcome: 'heartbeat' }]);
    expect(await prisma().alert.count()).toBe(0);
    expect(await prisma().heartbeat.findUniqueOrThrow({ where: { name: 'prometheus-prod' } })).toMatchObject({ beats: 1, lastBeatAt: time.clock.now() });
    // Alertmanager repeats it every repeat_interval: beats go on, no incident.
    for (let i = 0; i < 10; i++) {
      await time.advance(MINUTE);
      await bot.intake.receive(watchdog(time.clock.now()));
      await bot.runDue();
    }
    expect(await heartbeatIncidents()).toEqual([]);
  });

  it('no false alarm after the bot itself was down longer than the interval, and an alarm if no beat comes after it is back', async () => {
    await reset();
    const time = new JobTime(db().database);
    const first = startMonitor(time.clock);
    await first.monitor.sync(config);
    await first.monitor.beat('prometheus-prod');
    await first.runDue();
    for (const worker of workers) await worker.stop();
    workers = [];
    // The bot is down for 20 minutes: no beats could reach it. Its check job is long overdue.
    await time.advance(20 * MINUTE);
    const second = startMonitor(time.clock);
    await second.monitor.sync(config);
    await second.runDue();
    expect(await heartbeatIncidents()).toEqual([]);
    // Beats resume within the grace: still nothing.
    await time.advance(MINUTE);
    await second.monitor.beat('prometheus-prod');
    await time.advance(2 * MINUTE);
    await second.runDue();
    expect(await heartbeatIncidents()).toEqual([]);
    // Then silence: an incident, one interval and the grace after the last beat.
    await time.advance(2 * MINUTE);
    await second.runDue();
    expect(await heartbeatIncidents()).toHaveLength(1);
  });
});
