import { beforeEach, expect, it } from 'vitest';
import type { AlertBatch } from '../../../src/alerts/alert.js';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { normalizePagerDuty } from '../../../src/alerts/pagerduty.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;
const PAGERDUTY_KEY = 'R0123456789abcdef0123456789abcdef';

/** One Alertmanager notification of one alert, as Alertmanager sends it (firing: endsAt in the future). */
function alertmanager(status: 'firing' | 'resolved', startsAt: string, endsAt: string) {
  return normalizeAlertmanager({
    version: '4',
    status,
    receiver: 'incident-bot',
    groupKey: '{}:{alertname="DiskFull"}',
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: [{ status, labels: { alertname: 'DiskFull', instance: 'db-1' }, annotations: { summary: 'Disk full on db-1' }, startsAt, endsAt, generatorURL: '', fingerprint: 'diskfull-db-1' }],
  });
}

describeEachDatabase('a stale firing notification (an occurrence that already ended)', (db) => {
  let now: Date;
  let intake: AlertIntake;
  const prisma = () => db().database.prisma;

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs RESTART IDENTITY CASCADE');
    now = new Date('2026-11-24T10:00:00Z');
    intake = new AlertIntake({
      database: db().database,
      oncall: () => emptyOncallConfig(),
      effects: noEffects,
      reopenWindowMs: 30 * MINUTE,
      storeRawAlerts: true,
      clock: { now: () => now },
    });
  });

  const receive = async (batch: AlertBatch) => (await intake.receive(batch))[0]!;
  const at = (minutes: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + minutes * MINUTE);
  const snapshot = async () => ({
    incidents: await prisma().incident.findMany({ select: { id: true, status: true, resolvedAt: true, reopenCount: true }, orderBy: { id: 'asc' } }),
    alerts: await prisma().alert.findMany({ select: { status: true, startsAt: true, endsAt: true, fireCount: true, incidentId: true } }),
    timeline: await prisma().timelineEvent.count(),
    jobs: await prisma().job.count(),
  });

  /** Fired at 09:50, resolved at 10:05 (incident INC-1 resolves by itself: nobody acknowledged). */
  const fireAndResolve = async () => {
    expect(await receive(alertmanager('firing', '2026-11-24T09:50:00Z', '2026-11-24T10:04:00Z'))).toMatchObject({ outcome: 'created', incidentId: 1 });
    now = at(5);
    expect(await receive(alertmanager('resolved', '2026-11-24T09:50:00Z', '2026-11-24T10:05:00Z'))).toMatchObject({ outcome: 'resolved', incidentId: 1 });
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: 1 } })).status).toBe('resolved');
  };

  it('a repeat of the old occurrence inside REOPEN_WINDOW does not re-open the incident', async () => {
    await fireAndResolve();
    const before = await snapshot();
    now = at(10);
    // Alertmanager's repeat_interval, or the HA peer that has not heard of the resolve yet.
    expect(await receive(alertmanager('firing', '2026-11-24T09:50:00Z', '2026-11-24T10:14:00Z'))).toEqual({ outcome: 'stale', alertId: 1, incidentId: 1 });
    expect(await snapshot()).toEqual(before);
  });

  it('a repeat of the old occurrence after REOPEN_WINDOW opens no new incident', async () => {
    await fireAndResolve();
    const before = await snapshot();
    now = at(120);
    expect(await receive(alertmanager('firing', '2026-11-24T09:50:00Z', '2026-11-24T12:04:00Z'))).toMatchObject({ outcome: 'stale' });
    expect(await snapshot()).toEqual(before);
  });

  it('a resolve and the stale firing arriving together (one batch) leave the incident resolved', async () => {
    expect(await receive(alertmanager('firing', '2026-11-24T09:50:00Z', '2026-11-24T10:04:00Z'))).toMatchObject({ outcome: 'created' });
    now = at(5);
    const [resolved, repeat] = await Promise.all([
      receive(alertmanager('resolved', '2026-11-24T09:50:00Z', '2026-11-24T10:05:00Z')),
      receive(alertmanager('firing', '2026-11-24T09:50:00Z', '2026-11-24T10:09:00Z')),
    ]);
    expect([resolved.outcome, repeat.outcome]).toEqual(['resolved', 'stale']);
    expect(await snapshot()).toMatchObject({ incidents: [{ id: 1, status: 'resolved', reopenCount: 0 }], alerts: [{ status: 'resolved', fireCount: 1 }] });
  });

  it('a firing delivered after its own resolve, never seen firing before, opens nothing', async () => {
    expect(await receive(alertmanager('resolved', '2026-11-24T09:50:00Z', '2026-11-24T10:05:00Z'))).toMatchObject({ outcome: 'ignored' });
    expect(await receive(alertmanager('firing', '2026-11-24T09:50:00Z', '2026-11-24T10:04:00Z'))).toMatchObject({ outcome: 'stale' });
    expect(await snapshot()).toMatchObject({ incidents: [], alerts: [{ status: 'resolved', incidentId: null }] });
  });

  it('a new occurrence (started after the resolution) still re-opens inside the window and opens a new incident after it', async () => {
    await fireAndResolve();
    now = at(20);
    expect(await receive(alertmanager('firing', '2026-11-24T10:19:00Z', '2026-11-24T10:24:00Z'))).toEqual({ outcome: 'reopened', alertId: 1, incidentId: 1 });
    now = at(25);
    expect(await receive(alertmanager('resolved', '2026-11-24T10:19:00Z', '2026-11-24T10:25:00Z'))).toMatchObject({ outcome: 'resolved' });
    now = at(180);
    expect(await receive(alertmanager('firing', '2026-11-24T12:59:00Z', '2026-11-24T13:04:00Z'))).toEqual({ outcome: 'refired', alertId: 1, incidentId: 2 });
    expect(await snapshot()).toMatchObject({ incidents: [{ id: 1, status: 'resolved', reopenCount: 1 }, { id: 2, status: 'triggered' }], alerts: [{ status: 'firing', fireCount: 3 }] });
  });

  it('a re-trigger of the same instant as the resolution is a new occurrence (senders that stamp arrival time)', async () => {
    const generic = (body: object) => normalizeGeneric({ title: 'Queue backlog', fingerprint: 'queue', ...body }, now);
    expect(await receive(generic({}))).toMatchObject({ outcome: 'created', incidentId: 1 });
    now = at(5);
    expect(await receive(generic({ status: 'resolved' }))).toMatchObject({ outcome: 'resolved' });
    // No starts_at: the alert starts when it arrives, here the very instant it was resolved.
    expect(await receive(generic({}))).toMatchObject({ outcome: 'reopened', incidentId: 1 });
  });

  it('PagerDuty: a trigger after a resolve is a new occurrence whatever its payload.timestamp', async () => {
    const pagerDuty = (action: string, timestamp?: string) =>
      normalizePagerDuty(
        { routing_key: PAGERDUTY_KEY, event_action: action, dedup_key: 'db-3/disk', ...(action === 'trigger' ? { payload: { summary: 'Disk 95% full on db-3', source: 'db-3', severity: 'critical', ...(timestamp ? { timestamp } : {}) } } : {}) },
        now,
      );
    expect(await receive(pagerDuty('trigger', '2026-11-24T09:00:00Z'))).toMatchObject({ outcome: 'created', incidentId: 1 });
    now = at(5);
    expect(await receive(pagerDuty('resolve'))).toMatchObject({ outcome: 'resolved' });
    now = at(10);
    expect(await receive(pagerDuty('trigger', '2026-11-24T09:00:00Z'))).toMatchObject({ outcome: 'reopened', incidentId: 1 });
    now = at(15);
    expect(await receive(pagerDuty('resolve'))).toMatchObject({ outcome: 'resolved' });
    now = at(20);
    expect(await receive(pagerDuty('trigger'))).toMatchObject({ outcome: 'reopened', incidentId: 1 });
  });
});
