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
