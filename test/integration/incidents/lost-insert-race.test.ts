import pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import type { Database } from '../../../src/db/database.js';
import { sql, type Sql } from '../../../src/db/sql.js';
import { chatSyncEffects } from '../../../src/delivery/chat-sync-effects.js';
import { escalationEffects } from '../../../src/engine/escalation-jobs.js';
import { ESCALATION_STEP_JOB } from '../../../src/engine/job-kinds.js';
import type { IngestResult } from '../../../src/incidents/alert-ingestion.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { combineEffects } from '../../../src/incidents/incident-effects.js';
import { openWindow, runningWindows } from '../../../src/maintenance/maintenance-store.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;

/**
 * Two replicas of the intake over one database. Replica A reads alert x as not stored; before its
 * write runs, replica B stores x in a way that opens no incident. A must then not open an
 * incident for x that ends up without it, yet pages.
 */
describeEachDatabase('a new alert another replica stored first', (db) => {
  let now: Date;
  const prisma = () => db().database.prisma;

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, maintenance_windows RESTART IDENTITY CASCADE');
    now = new Date('2026-11-24T10:00:00Z');
  });

  const replica = (database: Database) =>
    new AlertIntake({
      database,
      oncall: () => emptyOncallConfig(),
      // Escalation, so that an incident opened here queues its page.
      effects: combineEffects(escalationEffects, chatSyncEffects(() => true)),
      reopenWindowMs: 30 * MINUTE,
      storeRawAlerts: true,
      clock: { now: () => now },
      maintenanceWindows: (at) => runningWindows(db().database.sql, at),
    });

  it('an alert another replica stored resolved meanwhile opens no empty incident that pages', async () => {
    const gated = firstTransactionAtAGate(db().database);
    const [a, b] = [replica(gated.database), replica(db().database)];
    // A reads x as new and goes on to write it: it waits at the gate, nothing written yet.
    const firing = a.receive(notification('x', 'firing'));
    await gated.reached();
    expect(await prisma().alert.count()).toBe(0);

    // The resolve of the occurrence reaches B first: stored, and no incident (it never fired here).
    expect((await b.receive(notification('x', 'resolved')))[0]!.outcome).toBe('ignored');
    gated.open();
    const [answer] = await firing;

    expect(await incidentsWithoutAlerts()).toEqual([]);
    await expectAnswerAsStored(answer!);
  });

  it('an alert another replica held for a maintenance window meanwhile opens no empty incident that pages', async () => {
    const gated = firstTransactionAtAGate(db().database);
    const [a, b] = [replica(gated.database), replica(db().database)];
    // A reads x as new and the running windows (none): it waits at the gate, nothing written yet.
    const firing = a.receive(notification('x', 'firing'));
    await gated.reached();
    expect(await prisma().alert.count()).toBe(0);

    // A window for x opens, and B, which sees it, holds x.
    const window = await db().database.transaction((tx) =>
      openWindow(tx, { matcher: { labels: { instance: 'x' } }, teamKey: null, startsAt: new Date(now.getTime() - MINUTE), endsAt: new Date(now.getTime() + 60 * MINUTE), reason: 'reboot', createdById: null, createdByName: 'Ben', origin: 'chat' }, now),
    );
    expect((await b.receive(notification('x', 'firing')))[0]!.outcome).toBe('held');
    gated.open();
    const [answer] = await firing;

    expect(await incidentsWithoutAlerts()).toEqual([]);
    await expectAnswerAsStored(answer!);
    expect((await storedX()).heldByWindow).toBe(window);
  });

  it('opens a group`s incident from its first alert that was stored here, not from one another replica stored first', async () => {
    const gated = firstTransactionAtAGate(db().database);
    const [a, b] = [replica(gated.database), replica(db().database)];
    // One notification of rack-1: x, critical, then y, a warning. A reads both as new.
    const both = a.receive(notification([['x', 'critical'], ['y', 'warning']], 'firing', 'rack-1'));
    await gated.reached();
    // B stores x resolved meanwhile: its occurrence is over, so A's x is stale and stays out.
    expect((await b.receive(notification([['x', 'critical']], 'resolved', 'rack-1')))[0]!.outcome).toBe('ignored');
    gated.open();
    const [x, y] = await both;

    expect(x!.outcome).toBe('stale');
    expect(y).toMatchObject({ outcome: 'created', incidentId: expect.any(Number) });
    // The incident is y's: its title and severity (a warning is SEV3), and the opening entry names y.
    expect(await prisma().incident.findMany({ select: { id: true, title: true, severity: true } })).toEqual([{ id: y!.incidentId, title: 'y down', severity: 3 }]);
    const opened = await prisma().timelineEvent.findMany({ where: { kind: 'incident.opened' }, select: { text: true } });
    expect(opened).toHaveLength(1);
    expect(opened[0]!.text).toContain('alert "y down" (SEV3');
    expect(await incidentsWithoutAlerts()).toEqual([]);
  });

  // The two below need two transactions at once, which PGlite's single connection does not run.
  it('an alert another replica has stored but not yet committed when the insert reaches it opens no empty incident', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const held = transactionHeldOpen(db().database);
    const [a, b] = [replica(db().database), replica(held.database)];
    // B has stored x resolved; its transaction is not committed yet.
    const resolved = b.receive(notification('x', 'resolved'));
    await held.reached();
    // A reads x as new (B's row is not visible), and its insert waits for B's outcome.
    const firing = a.receive(notification('x', 'firing'));
    await waitForALockWait();
    held.open();
    expect((await resolved)[0]!.outcome).toBe('ignored');
    const [answer] = await firing;

    expect(await incidentsWithoutAlerts()).toEqual([]);
    await expectAnswerAsStored(answer!);
  });

  it('two replicas opening the incident of one group at once open it once, and both alerts join it', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const held = transactionHeldOpen(db().database);
    const retried = transactionHeldOpen(db().database);
    retried.open();
    const [a, b] = [replica(retried.database), replica(held.database)];
    // B has inserted x and opened the group's incident, not yet committed.
    const first = b.receive(notification('x', 'firing', 'rack-1'));
    await held.reached();
    // A opens the same group for y: its insert waits on B's, then finds the group taken and tries again.
    const second = a.receive(notification('y', 'firing', 'rack-1'));
    await waitForALockWait();
    held.open();
    const [[opened], [joined]] = await Promise.all([first, second]);

    expect(retried.transactions()).toBe(2);
    expect(opened).toMatchObject({ outcome: 'created' });
    expect(joined).toMatchObject({ outcome: 'created', incidentId: opened!.incidentId });
    expect(await prisma().incident.count()).toBe(1);
    expect(await prisma().incidentAlert.count({ where: { incidentId: opened!.incidentId } })).toBe(2);
    expect(await prisma().timelineEvent.count({ where: { kind: 'incident.opened' } })).toBe(1);
    expect(await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB } })).toBe(1);
  });

  it('an alert whose group`s incident is resolved while it waits for that incident opens a new one', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const [first] = await replica(db().database).receive(notification('x', 'firing', 'rack-1'));
    // A responder's resolve of the group's incident holds its row, not yet committed.
    const responder = new pg.Client({ connectionString: db().url });
    await responder.connect();
    try {
      await responder.query('BEGIN');
      await responder.query(`UPDATE incidents SET status = 'resolved', resolved_at = now(), open_group_key = NULL WHERE id = $1`, [first!.incidentId]);
      const second = replica(db().database).receive(notification('y', 'firing', 'rack-1'));
      await waitForALockWait();
      await responder.query('COMMIT');
      const [answer] = await second;

      expect(answer).toMatchObject({ outcome: 'created' });
      expect(answer!.incidentId).not.toBe(first!.incidentId);
      const open = await prisma().incident.findMany({ where: { openGroupKey: { not: null } }, select: { id: true } });
      expect(open).toEqual([{ id: answer!.incidentId }]);
      expect(await incidentsWithoutAlerts()).toEqual([]);
    } finally {
      await responder.end();
    }
  });

  /** Until a session of this test's database waits for a row lock another transaction holds. */
  async function waitForALockWait() {
    for (let tries = 0; tries < 2_000; tries++) {
      const [row] = await db().database.sql.query<{ waiting: number }>(sql`
        SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (row!.waiting > 0) return;
      await new Promise((done) => setTimeout(done, 5));
    }
    throw new Error('no session waited for a lock');
  }

  /** Each incident no alert belongs to, with whether it was announced as opened and whether it pages. */
  async function incidentsWithoutAlerts() {
    return db().database.sql.query<{ id: number; opened: boolean; pages: boolean }>(sql`
      SELECT i.id,
        EXISTS (SELECT 1 FROM timeline_events t WHERE t.incident_id = i.id AND t.kind = 'incident.opened') AS opened,
        EXISTS (SELECT 1 FROM jobs j WHERE j.subject = 'incident:' || i.id AND j.kind = ${ESCALATION_STEP_JOB}) AS pages
      FROM incidents i
      WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id)
        AND NOT EXISTS (SELECT 1 FROM incident_alerts l WHERE l.incident_id = i.id)
      ORDER BY i.id`);
  }

  const storedX = () => prisma().alert.findUniqueOrThrow({ where: { source_fingerprint: { source: 'alertmanager', fingerprint: 'x' } } });

  /** A's answer says what is stored: the alert it names, and the incident holding it, if any. */
  async function expectAnswerAsStored(answer: IngestResult) {
    const x = await storedX();
    expect(answer.alertId).toBe(x.id);
    expect(answer.incidentId ?? null).toBe(x.incidentId);
    if (['created', 'refired', 'reopened'].includes(answer.outcome)) {
      expect(x.status).toBe('firing');
      expect(await prisma().incidentAlert.count({ where: { incidentId: answer.incidentId, alertId: x.id } })).toBe(1);
    }
  }
});

/**
 * One Alertmanager notification. Without a rack each alert is its own group, with no incident
 * yet; with one, the alerts are Alertmanager's group of that rack: one incident for all of them.
 * An alert is a fingerprint, critical, or a fingerprint with its severity.
 */
const notification = (alerts: string | (string | [string, string])[], status: 'firing' | 'resolved', rack?: string) =>
  normalizeAlertmanager({
    version: '4',
    status,
    receiver: 'bot',
    ...(rack ? { groupKey: `{}:{rack="${rack}"}`, groupLabels: { rack } } : { groupLabels: {} }),
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    alerts: (typeof alerts === 'string' ? [alerts] : alerts).map((alert) => {
      const [fingerprint, severity] = typeof alert === 'string' ? [alert, 'critical'] : alert;
      return {
        status,
        labels: { alertname: 'Down', instance: fingerprint, severity, ...(rack ? { rack } : {}) },
        annotations: { summary: `${fingerprint} down` },
        startsAt: '2026-11-24T09:00:00Z',
        endsAt: status === 'resolved' ? '2026-11-24T09:30:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint,
      };
    }),
  });

/** The database, its first transaction held at a gate: `reached` once one waits there, `open` lets it go. */
function firstTransactionAtAGate(database: Database) {
  let open!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let transactions = 0;
  const gated = {
    ...database,
    transaction: async <T>(work: (tx: Sql) => Promise<T>) => {
      if (transactions++ === 0) {
        arrived();
        await gate;
      }
      return database.transaction(work);
    },
    get intake() {
      return gated;
    },
  } as Database;
  return { database: gated, open, reached: () => reached };
}

/**
 * The database, its first transaction held open at a gate once its work is done, before it
 * commits: `reached` once it waits there, `open` lets it commit. `transactions` counts them all.
 */
function transactionHeldOpen(database: Database) {
  let open!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let count = 0;
  const gated = {
    ...database,
    transaction: <T>(work: (tx: Sql) => Promise<T>) => {
      const first = count++ === 0;
      return database.transaction(async (tx) => {
        const result = await work(tx);
        if (first) {
          arrived();
          await gate;
        }
        return result;
      });
    },
    get intake() {
      return gated;
    },
  } as Database;
  return { database: gated, open, reached: () => reached, transactions: () => count };
}
