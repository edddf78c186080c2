import pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import type { Database } from '../../../src/db/database.js';
import type { Sql, SqlFragment } from '../../../src/db/sql.js';
import { escalationEffects } from '../../../src/engine/escalation-jobs.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { lockWaitSeen } from '../../support/lock-waits.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;

/**
 * A stored alert fires again and its group has no open incident, so it opens one; meanwhile
 * another replica opens the group's incident (the insert finds it taken) and a responder resolves
 * that one before it can be locked. The alert opens the group's next incident, as it would have
 * with neither: no error for the sender, nothing left half-written.
 */
describeEachDatabase('an alert whose group`s incident is opened and resolved elsewhere while it opens one', (db) => {
  let now: Date;
  const prisma = () => db().database.prisma;

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs RESTART IDENTITY CASCADE');
    now = new Date('2026-11-24T10:00:00Z');
  });

  const replica = (database: Database) =>
    new AlertIntake({ database, oncall: () => emptyOncallConfig(), effects: escalationEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock: { now: () => now } });

  // Two transactions at once, which PGlite's single connection does not run.
  it('opens the group`s next incident', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    // x fired and resolved long ago: its incident is resolved, past the reopen window.
    const [first] = await replica(db().database).receive(notification('x', 'firing', '2026-11-24T09:00:00Z'));
    await replica(db().database).receive(notification('x', 'resolved'));
    await prisma().incident.update({ where: { id: first!.incidentId }, data: { status: 'resolved', resolvedAt: now, openGroupKey: null } });
    now = new Date(now.getTime() + 120 * MINUTE);

    const other = new pg.Client({ connectionString: db().url });
    const responder = new pg.Client({ connectionString: db().url });
    await Promise.all([other.connect(), responder.connect()]);
    try {
      // Another replica opens the group's incident for y, not yet committed.
      await other.query('BEGIN');
      const { rows } = await other.query<{ id: number; group_key: string }>(
        `INSERT INTO incidents (title, severity, status, source, open_group_key, group_key, opened_at, updated_at)
         SELECT 'y down', 1, 'triggered', 'alertmanager', i.group_key, i.group_key, now(), now() FROM incidents i WHERE i.id = $1 RETURNING id, group_key`,
        [first!.incidentId],
      );
      // Once x's insert found that incident, and before x locks it, the responder resolves it.
      const database = beforeStatement(db().database, /WHERE open_group_key = ANY \(\$1::text\[\]\) ORDER BY id FOR UPDATE$/, () =>
        responder.query(`UPDATE incidents SET status = 'resolved', resolved_at = now(), open_group_key = NULL WHERE id = $1`, [rows[0]!.id]).then(() => undefined),
      );
      const refiring = replica(database.database).receive(notification('x', 'firing', '2026-11-24T11:50:00Z'));
      await lockWaitSeen(responder, 'x`s insert to wait for the other replica`s incident');
      await other.query('COMMIT');
      const [answer] = await refiring;

      expect(database.intercepted()).toBe(1);
      expect(answer).toMatchObject({ outcome: 'refired', incidentId: expect.any(Number) });
      expect([first!.incidentId, rows[0]!.id]).not.toContain(answer!.incidentId);
      const open = await prisma().incident.findMany({ where: { openGroupKey: { not: null } }, select: { id: true, groupKey: true } });
      expect(open).toEqual([{ id: answer!.incidentId, groupKey: rows[0]!.group_key }]);
      const x = await prisma().alert.findUniqueOrThrow({ where: { source_fingerprint: { source: 'alertmanager', fingerprint: 'x' } } });
      expect(x).toMatchObject({ status: 'firing', incidentId: answer!.incidentId });
      expect(await prisma().timelineEvent.count({ where: { incidentId: answer!.incidentId, kind: 'incident.opened' } })).toBe(1);
    } finally {
      await Promise.all([other.end(), responder.end()]);
    }
  });
});

const notification = (fingerprint: string, status: 'firing' | 'resolved', startsAt = '2026-11-24T09:00:00Z') =>
  normalizeAlertmanager({
    version: '4',
    status,
    receiver: 'bot',
    groupKey: '{}:{rack="rack-1"}',
    groupLabels: { rack: 'rack-1' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: '',
    alerts: [
      {
        status,
        labels: { alertname: 'Down', instance: fingerprint, severity: 'critical', rack: 'rack-1' },
        annotations: { summary: `${fingerprint} down` },
        startsAt,
        endsAt: status === 'resolved' ? '2026-11-24T09:30:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint,
      },
    ],
  });

/** The database, running `action` once before the first statement in a transaction whose text matches `pattern`. */
function beforeStatement(database: Database, pattern: RegExp, action: () => Promise<void>) {
  let intercepted = 0;
  const watched: Database = {
    ...database,
    transaction: <T>(work: (tx: Sql) => Promise<T>) =>
      database.transaction((tx) =>
        work({
          query: async <Row>(fragment: SqlFragment) => {
            if (intercepted === 0 && pattern.test(fragment.toQuery().text.trim())) {
              intercepted++;
              await action();
            }
            return tx.query<Row>(fragment);
          },
        }),
      ),
    get intake() {
      return watched;
    },
  } as Database;
  return { database: watched, intercepted: () => intercepted };
}
