import pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import type { ClaimedJob } from '../../../src/engine/job.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { flapSettleHandler } from '../../../src/incidents/flap-settle.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { lockWaitSeen } from '../../support/lock-waits.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;

/**
 * The check of whether a flapping alert stayed clear runs as that alert fires again: the intake
 * locks the alert, then its incident. The check must take them in that order too.
 */
describeEachDatabase('the flap settle check beside a re-fire', (db) => {
  const now = new Date('2026-11-24T11:00:00Z');

  beforeEach(async () => {
    const { database } = db();
    await database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs RESTART IDENTITY CASCADE');
    const intake = new AlertIntake({ database, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock: { now: () => now } });
    await intake.receive(normalizeGeneric({ title: 'Disk nearly full on db-1', fingerprint: 'disk-db-1', status: 'firing', starts_at: '2026-11-24T09:00:00Z' }, now));
    // It flapped, and has been clear since its last fire an hour ago: the check resolves INC-1.
    await database.prisma.$executeRawUnsafe(
      `UPDATE alerts SET status = 'resolved', ends_at = '2026-11-24T10:00:00Z', flapping_since = '2026-11-24T09:30:00Z', recent_fires = ARRAY['2026-11-24T09:30:00Z'::timestamptz, '2026-11-24T10:00:00Z'::timestamptz]`,
    );
  });

  const settle = () =>
    flapSettleHandler({ database: db().database, effects: noEffects, clock: { now: () => now }, windowMs: 30 * MINUTE })({ payload: { incidentId: 1 } } as unknown as ClaimedJob);

  it('resolves the incident and clears the flapping mark', async () => {
    await settle();
    expect((await db().database.prisma.incident.findUniqueOrThrow({ where: { id: 1 } })).status).toBe('resolved');
    expect((await db().database.prisma.alert.findFirstOrThrow()).flappingSince).toBeNull();
  });

  it('waits for a re-fire that holds the alert without a deadlock', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const intake = new pg.Client({ connectionString: db().url! });
    await intake.connect();
    try {
      // A re-fire of the alert is being stored: the intake has locked the alert, its incident is next.
      await intake.query('BEGIN');
      await intake.query(`SELECT id FROM alerts WHERE fingerprint = 'disk-db-1' FOR UPDATE`);
      const settled = settle().then(
        () => 'ok',
        (error: { code?: string }) => String(error.code),
      );
      await lockWaitSeen(intake, 'the check to wait for the alert');
      // Incident first, then the alert, the check waited for the intake while the intake waited
      // for the check, until PostgreSQL aborted one of them.
      await intake.query('SELECT id FROM incidents WHERE id = 1 FOR UPDATE');
      await intake.query('COMMIT');
      expect(await settled).toBe('ok');
    } finally {
      await intake.end();
    }
    expect((await db().database.prisma.incident.findUniqueOrThrow({ where: { id: 1 } })).status).toBe('resolved');
  });
});
