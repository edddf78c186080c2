import { beforeEach, expect, it } from 'vitest';
import type { AlertBatch } from '../../../src/alerts/alert.js';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { normalizeOpsgenieCreate } from '../../../src/alerts/opsgenie.js';
import { normalizePagerDuty } from '../../../src/alerts/pagerduty.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;

/**
 * Opsgenie's create, a PagerDuty trigger without a timestamp and our JSON without starts_at carry
 * no start: the alert starts when the bot first receives it. Alertmanager's opsgenie_configs and
 * pagerduty_configs send such a request again for as long as the alert fires.
 */
describeEachDatabase('alerts whose source sends no start', (db) => {
  let now: Date;
  let intake: AlertIntake;
  beforeEach(async () => {
    await db().database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs RESTART IDENTITY CASCADE');
    now = new Date('2026-11-24T10:00:00Z');
    intake = new AlertIntake({ database: db().database, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock: { now: () => now } });
  });

  const senders: Record<string, (text: string) => AlertBatch> = {
    'Opsgenie create': (text) => normalizeOpsgenieCreate({ message: 'Disk full on db-1', alias: 'disk-db-1', description: text }, 'k'.repeat(36), now),
    'PagerDuty trigger without a timestamp': (text) =>
      normalizePagerDuty({ routing_key: 'r'.repeat(32), event_action: 'trigger', dedup_key: 'disk-db-1', payload: { summary: 'Disk full on db-1', source: 'db-1', severity: 'critical', custom_details: { text } } }, now),
    'JSON without starts_at': (text) => normalizeGeneric({ title: 'Disk full on db-1', fingerprint: 'disk-db-1', description: text, status: 'firing' }, now),
  };
  const at = (minutes: number) => (now = new Date(Date.parse('2026-11-24T10:00:00Z') + minutes * MINUTE));
  const stored = async () => db().database.prisma.alert.findFirstOrThrow({ select: { startsAt: true, receivedCount: true, status: true } });

  for (const [name, send] of Object.entries(senders)) {
    it(`${name}: sent again while it fires, it is unchanged and keeps the start first seen, also when its text changes`, async () => {
      expect((await intake.receive(send('92% used')))[0]!.outcome).toBe('created');
      at(5);
      expect((await intake.receive(send('92% used')))[0]!.outcome).toBe('unchanged');
      expect(await stored()).toMatchObject({ startsAt: new Date('2026-11-24T10:00:00Z'), receivedCount: 1 });
      at(6);
      expect((await intake.receive(send('97% used')))[0]!.outcome).toBe('updated');
      expect(await stored()).toMatchObject({ startsAt: new Date('2026-11-24T10:00:00Z'), receivedCount: 2 });
    });
  }

  it('our JSON without starts_at: a change of text taken by another replica, alone or beside a new alert, keeps the start', async () => {
    const send = (to: AlertIntake, fingerprint: string, text: string) => to.receive(normalizeGeneric({ title: 'Disk full', fingerprint, description: text, status: 'firing' }, now));
    const replica = () => new AlertIntake({ database: db().database, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock: { now: () => now } });
    expect((await send(intake, 'db-1', '92% used'))[0]!.outcome).toBe('created');
    at(5);
    // A replica that never read the alert: a compare-and-set of the content.
    expect((await send(replica(), 'db-1', '95% used'))[0]!.outcome).toBe('updated');
    at(6);
    // The same beside a new alert: the content update in the batch's transaction.
    const both = await replica().receive(
      normalizeGeneric({ alerts: [{ title: 'Disk full', fingerprint: 'db-1', description: '97% used', status: 'firing' }, { title: 'Disk full', fingerprint: 'db-2', status: 'firing' }] }, now),
    );
    expect(both.map((result) => result.outcome)).toEqual(['updated', 'created']);
    const starts = await db().database.prisma.alert.findMany({ orderBy: { id: 'asc' }, select: { fingerprint: true, startsAt: true, description: true } });
    expect(starts).toEqual([
      { fingerprint: 'db-1', startsAt: new Date('2026-11-24T10:00:00Z'), description: '97% used' },
      { fingerprint: 'db-2', startsAt: new Date('2026-11-24T10:06:00Z'), description: null },
    ]);
  });

  it('our JSON without ends_at: a resolution sent again is unchanged and keeps the end first recorded', async () => {
    const send = (status: 'firing' | 'resolved') => intake.receive(normalizeGeneric({ title: 'Disk full on db-1', fingerprint: 'disk-db-1', status }, now));
    expect((await send('firing'))[0]!.outcome).toBe('created');
    at(10);
    expect((await send('resolved'))[0]!.outcome).toBe('resolved');
    at(15);
    expect((await send('resolved'))[0]!.outcome).toBe('unchanged');
    const alert = await db().database.prisma.alert.findFirstOrThrow();
    expect(alert).toMatchObject({ status: 'resolved', startsAt: new Date('2026-11-24T10:00:00Z'), endsAt: new Date('2026-11-24T10:10:00Z') });
  });

  it('our JSON without ends_at: the resolution of a later occurrence whose firing never came ends when received, never before it starts', async () => {
    const send = (status: 'firing' | 'resolved', startsAt: number) =>
      intake.receive(normalizeGeneric({ title: 'Disk full on db-1', fingerprint: 'disk-db-1', status, starts_at: new Date(Date.parse('2026-11-24T10:00:00Z') + startsAt * MINUTE).toISOString() }, now));
    expect((await send('firing', 0))[0]!.outcome).toBe('created');
    at(10);
    expect((await send('resolved', 0))[0]!.outcome).toBe('resolved');
    // The next occurrence started at 10:15; only its resolution reaches the bot, at 10:20.
    at(20);
    expect((await send('resolved', 15))[0]!.outcome).toBe('updated');
    const alert = await db().database.prisma.alert.findFirstOrThrow();
    expect(alert).toMatchObject({ status: 'resolved', startsAt: new Date('2026-11-24T10:15:00Z'), endsAt: new Date('2026-11-24T10:20:00Z') });
  });

  it('our JSON without ends_at: a resolution sent again with new text, then a new occurrence in the same request, fires again', async () => {
    const start = (minutes: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + minutes * MINUTE).toISOString();
    expect((await intake.receive(normalizeGeneric({ title: 'Disk full', fingerprint: 'x', status: 'firing', starts_at: start(0) }, now)))[0]!.outcome).toBe('created');
    at(10);
    expect((await intake.receive(normalizeGeneric({ title: 'Disk full', fingerprint: 'x', status: 'resolved', starts_at: start(0) }, now)))[0]!.outcome).toBe('resolved');
    at(20);
    const results = await intake.receive(
      normalizeGeneric({
        alerts: [
          { title: 'Disk full', fingerprint: 'x', status: 'resolved', starts_at: start(0), description: 'freed 20 GB' },
          // Started at 10:15, after the end recorded at 10:10: a new occurrence, not a stale repeat.
          { title: 'Disk full', fingerprint: 'x', status: 'firing', starts_at: start(15) },
        ],
      }, now),
    );
    expect(results.map((result) => result.outcome)).toEqual(['updated', 'refired']);
    expect(await db().database.prisma.alert.findFirstOrThrow()).toMatchObject({ status: 'firing', startsAt: new Date('2026-11-24T10:15:00Z') });
  });

  it('our JSON without starts_at: resolved keeps the start, and firing again later starts a new occurrence', async () => {
    const send = (status: 'firing' | 'resolved') => intake.receive(normalizeGeneric({ title: 'Disk full on db-1', fingerprint: 'disk-db-1', status }, now));
    expect((await send('firing'))[0]!.outcome).toBe('created');
    at(10);
    expect((await send('resolved'))[0]!.outcome).toBe('resolved');
    expect(await stored()).toMatchObject({ status: 'resolved', startsAt: new Date('2026-11-24T10:00:00Z') });
    at(20);
    expect((await send('firing'))[0]).toMatchObject({ outcome: 'refired', incidentId: 2 });
    expect(await stored()).toMatchObject({ status: 'firing', startsAt: new Date('2026-11-24T10:20:00Z') });
  });
});
