import pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import { sql, type Sql } from '../../../src/db/sql.js';
import { recordOutcomes, type PageOutcome } from '../../../src/delivery/page-delivery.js';
import { lockIncident } from '../../../src/incidents/incident-transitions.js';
import { eventually } from '../../support/eventually.js';
import { sqlOn } from '../../support/lock-waits.js';
import { describeEachDatabase } from '../../support/test-database.js';

/**
 * A page's delivery records its outcome (the page row, then a timeline entry on its incident)
 * while its person acknowledges it from the page's button (the incident locked, then the page
 * closed). Neither may undo the other, and the two must not deadlock.
 */
describeEachDatabase('recording a page outcome beside an acknowledgement', (db) => {
  let incidentId: number;
  let pageId: number;

  beforeEach(async () => {
    const prisma = db().database.prisma;
    await prisma.$executeRawUnsafe('TRUNCATE incidents, pages, people, timeline_events RESTART IDENTITY CASCADE');
    const person = await prisma.person.create({ data: { name: 'Ada', handle: 'ada' } });
    const incident = await prisma.incident.create({ data: { title: 'api down', severity: 1, source: 'generic', openedAt: new Date('2026-12-05T03:00:00Z') } });
    const page = await prisma.page.create({ data: { incidentId: incident.id, personId: person.id, level: 1, message: 'api down', status: 'pending' } });
    incidentId = incident.id;
    pageId = page.id;
  });

  const outcome = (): PageOutcome => ({ pageId, incidentId, status: 'sent', text: 'Paged Ada by SMS', extra: {}, at: new Date('2026-12-05T03:00:05Z') });
  const acknowledgePage = (tx: Sql) => tx.query(sql`UPDATE pages SET status = 'acknowledged', acknowledged_at = now() WHERE id = ${pageId}::int`);

  it('a page acknowledged before its outcome is recorded stays acknowledged, and the timeline says it was sent', async () => {
    await acknowledgePage(db().database.sql);
    await db().database.transaction((tx) => recordOutcomes(tx, [outcome()]));
    const page = await db().database.prisma.page.findUniqueOrThrow({ where: { id: pageId } });
    expect(page.status).toBe('acknowledged');
    expect(page.sentAt).not.toBeNull();
    const entries = await db().database.prisma.timelineEvent.findMany({ where: { incidentId } });
    expect(entries.map((entry) => entry.kind)).toEqual(['page.sent']);
  });

  it('an acknowledgement holding the incident and a delivery recording its page do not deadlock', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const acknowledging = new pg.Client({ connectionString: db().url! });
    const recording = new pg.Client({ connectionString: db().url! });
    await Promise.all([acknowledging.connect(), recording.connect()]);
    try {
      const recorder = Number((await recording.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
      await acknowledging.query('BEGIN');
      expect(await lockIncident(sqlOn(acknowledging), incidentId)).toBeDefined();
      await recording.query('BEGIN');
      const recorded = recordOutcomes(sqlOn(recording), [outcome()]).then(
        () => 'ok',
        (error: { code?: string }) => String(error.code),
      );
      // The delivery waits for the incident the acknowledgement holds ...
      await eventually('the delivery to wait for a lock', async () => {
        const { rows } = await acknowledging.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [recorder]);
        return rows[0]?.wait_event_type === 'Lock';
      });
      // ... and the acknowledgement goes on to close the page. Pages taken first, this waited for
      // the delivery, which waited for it: PostgreSQL aborted one of them after deadlock_timeout.
      const acknowledged = acknowledgePage(sqlOn(acknowledging)).then(
        () => 'ok',
        (error: { code?: string }) => String(error.code),
      );
      expect(await acknowledged).toBe('ok');
      await acknowledging.query('COMMIT');
      expect(await recorded).toBe('ok');
      await recording.query('COMMIT');
    } finally {
      await Promise.all([acknowledging.end(), recording.end()]);
    }
    const page = await db().database.prisma.page.findUniqueOrThrow({ where: { id: pageId } });
    expect(page.status).toBe('acknowledged');
    const entries = await db().database.prisma.timelineEvent.findMany({ where: { incidentId } });
    expect(entries.map((entry) => entry.kind)).toEqual(['page.sent']);
  });
});
