import pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import type { AlertBatch } from '../../../src/alerts/alert.js';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import type { Database } from '../../../src/db/database.js';
import type { Sql } from '../../../src/db/sql.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { BOT } from '../../../src/incidents/actor.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { IncidentService } from '../../../src/incidents/incident-service.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { lockWaitSeen } from '../../support/lock-waits.js';
import { describeEachDatabase } from '../../support/test-database.js';

/**
 * The escalation worker locks a batch of incidents in id order and holds them while it pages. An
 * intake batch that both adds an alert to one incident and resolves an alert of another must take
 * them in the same order, or each waits for the other until PostgreSQL aborts one.
 */
describeEachDatabase('the intake beside an escalation batch', (db) => {
  beforeEach(async () => {
    await db().database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs RESTART IDENTITY CASCADE');
  });

  it('a batch that joins one incident and resolves an alert of a lower-numbered one waits its turn without a deadlock', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const failures: string[] = [];
    const intake = new AlertIntake({
      database: watching(db().database, failures),
      oncall: () => emptyOncallConfig(),
      effects: noEffects,
      reopenWindowMs: 0,
      storeRawAlerts: false,
      clock: { now: () => new Date('2026-11-24T10:00:00Z') },
    });
    const [a1] = await intake.receive(notification('a', [['a1', 'firing']]));
    const [b0] = await intake.receive(notification('b', [['b0', 'firing']]));
    expect([a1!.incidentId, b0!.incidentId]).toEqual([1, 2]);

    const escalation = new pg.Client({ connectionString: db().url! });
    await escalation.connect();
    try {
      // The escalation worker has locked INC-1 and is about to lock INC-2 (its batch, in id order).
      await escalation.query('BEGIN');
      await escalation.query('SELECT id FROM incidents WHERE id = 1 FOR UPDATE');
      // One batch: b1 joins INC-2, a1 is resolved (INC-1).
      const stored = intake.receive(batchOf(notification('b', [['b1', 'firing']]), notification('a', [['a1', 'resolved']])));
      await lockWaitSeen(escalation, 'the intake to wait for INC-1');
      // Taken as the alerts came, the intake held INC-2 by now: this waited for it while it waited
      // for INC-1, and PostgreSQL aborted one of them after deadlock_timeout.
      await escalation.query('SELECT id FROM incidents WHERE id = 2 FOR UPDATE');
      await escalation.query('COMMIT');
      const [b1, a1Resolved] = await stored;
      expect(b1).toMatchObject({ outcome: 'created', incidentId: 2 });
      expect(a1Resolved).toMatchObject({ outcome: 'resolved', incidentId: 1 });
    } finally {
      await escalation.end();
    }
    expect(failures).toEqual([]);
  });

  it('a responder re-opening an incident waits its turn for the open incident of its group without a deadlock', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    let now = new Date('2026-11-24T10:00:00Z');
    const intake = new AlertIntake({ database: db().database, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock: { now: () => now } });
    const service = new IncidentService(db().database, noEffects, { clock: { now: () => now } });
    // Rack a's x fires twice: INC-1, then INC-2, each resolved with it. INC-1 is re-opened by hand:
    // it holds the group, and INC-2 (same group) cannot be re-opened.
    for (const [expected, startsAt] of [[1, '2026-11-24T09:00:00Z'], [2, '2026-11-24T10:00:00Z']] as const) {
      expect((await intake.receive(notification('a', [['x', 'firing']], startsAt)))[0]).toMatchObject({ incidentId: expected });
      now = new Date(now.getTime() + 60_000);
      expect((await intake.receive(notification('a', [['x', 'resolved']], startsAt)))[0]).toMatchObject({ outcome: 'resolved' });
      now = new Date(now.getTime() + 60_000);
    }
    await service.reopen(1, BOT);

    const worker = new pg.Client({ connectionString: db().url! });
    await worker.connect();
    try {
      // An escalation (or intake) batch has locked INC-1 and is about to lock INC-2, in id order.
      await worker.query('BEGIN');
      await worker.query('SELECT id FROM incidents WHERE id = 1 FOR UPDATE');
      const reopening = service.reopen(2, BOT).then(
        () => 'reopened',
        (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
      );
      await lockWaitSeen(worker, 'the reopen to wait for INC-1');
      // Locked INC-2 first, then its group's holder, the reopen waited for the worker while the
      // worker waited for it, until PostgreSQL aborted one of them.
      await worker.query('SELECT id FROM incidents WHERE id = 2 FOR UPDATE');
      await worker.query('COMMIT');
      expect(await reopening).toBe('conflict: INC-1 is already open for the same alerts; use that one');
    } finally {
      await worker.end();
    }
  });

  it('a batch of resolutions and new alerts of several incidents is stored as before', async () => {
    const intake = new AlertIntake({
      database: db().database,
      oncall: () => emptyOncallConfig(),
      effects: noEffects,
      reopenWindowMs: 0,
      storeRawAlerts: false,
      clock: { now: () => new Date('2026-11-24T10:00:00Z') },
    });
    await intake.receive(notification('a', [['a1', 'firing'], ['a2', 'firing']]));
    await intake.receive(notification('b', [['b0', 'firing']]));
    await intake.receive(notification('c', [['c0', 'firing']]));
    const results = await intake.receive(
      batchOf(notification('c', [['c1', 'firing']]), notification('a', [['a1', 'resolved']]), notification('b', [['b0', 'resolved'], ['b1', 'firing']]), notification('d', [['d0', 'firing']])),
    );
    // In order: c1 joins INC-3; a1 resolves, INC-1 keeps a2; b0 resolves, the last of INC-2, which
    // clears, so b1 opens INC-4; d0 opens INC-5.
    expect(results.map((result) => [result.outcome, result.incidentId])).toEqual([
      ['created', 3],
      ['resolved', 1],
      ['resolved', 2],
      ['created', 4],
      ['created', 5],
    ]);
    const incidents = await db().database.prisma.incident.findMany({ orderBy: { id: 'asc' }, select: { id: true, status: true } });
    expect(incidents.map((incident) => incident.status)).toEqual(['triggered', 'resolved', 'triggered', 'triggered', 'triggered']);
  });
});

/** The database, remembering the code of every transaction that failed (a deadlock is 40P01). */
function watching(database: Database, failures: string[]): Database {
  const watched = {
    ...database,
    transaction: <T>(work: (tx: Sql) => Promise<T>) =>
      database.transaction(work).catch((error: { code?: string }) => {
        failures.push(String(error.code));
        throw error;
      }),
    get intake() {
      return watched;
    },
  } as Database;
  return watched;
}

/** Several groups' notifications committed as one batch, as requests arriving together are. */
function batchOf(...batches: AlertBatch[]): AlertBatch {
  return { ...batches[0]!, alerts: batches.flatMap((batch) => batch.alerts) };
}

const notification = (rack: string, alerts: [string, 'firing' | 'resolved'][], startsAt = '2026-11-24T09:00:00Z') =>
  normalizeAlertmanager({
    version: '4',
    status: alerts.some(([, status]) => status === 'firing') ? 'firing' : 'resolved',
    receiver: 'bot',
    groupKey: `{}:{rack="${rack}"}`,
    groupLabels: { rack },
    commonLabels: { rack },
    commonAnnotations: {},
    externalURL: '',
    alerts: alerts.map(([fingerprint, status]) => ({
      status,
      labels: { alertname: 'Down', instance: fingerprint, severity: 'critical', rack },
      annotations: { summary: `${fingerprint} down` },
      startsAt,
      endsAt: status === 'resolved' ? new Date(Date.parse(startsAt) + 30 * 60_000).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint,
    })),
  });
