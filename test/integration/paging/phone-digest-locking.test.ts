import pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import type { ClaimedJob } from '../../../src/engine/job.js';
import { phoneDigestHandler } from '../../../src/paging/phone-digest.js';
import { lockWaitSeen } from '../../support/lock-waits.js';
import { describeEachDatabase } from '../../support/test-database.js';

/**
 * In a storm, a person's held texts fold into one (PAGE_RATE_LIMIT), and each of their incidents'
 * timelines says so, while the escalation worker holds a batch of those incidents, locked in id
 * order. The digest must reference them in the same order.
 */
describeEachDatabase('a phone digest beside an escalation batch', (db) => {
  const now = new Date('2026-12-05T03:00:00Z');
  let personId: number;

  beforeEach(async () => {
    const prisma = db().database.prisma;
    await prisma.$executeRawUnsafe('TRUNCATE incidents, pages, people, notifications, timeline_events, jobs RESTART IDENTITY CASCADE');
    personId = (await prisma.person.create({ data: { name: 'Ada', handle: 'ada' } })).id;
    for (const title of ['api down', 'db down']) {
      await prisma.incident.create({ data: { title, severity: 1, source: 'generic', openedAt: now } });
    }
    // Held texts about INC-2, then INC-1 (in the order they came due).
    for (const [incidentId, due] of [[2, '2026-12-05T02:58:00Z'], [1, '2026-12-05T02:59:00Z']] as const) {
      const page = await prisma.page.create({ data: { incidentId, personId, level: 1, message: `INC-${incidentId}`, status: 'pending' } });
      await prisma.notification.create({ data: { pageId: page.id, via: 'sms', address: '+15550100', dueAt: new Date(due), status: 'held' } });
    }
  });

  const digest = () => phoneDigestHandler({ database: db().database, clock: { now: () => now }, limit: 3 })({ payload: { personId } } as unknown as ClaimedJob);

  it('folds the held texts into one and says so on both timelines', async () => {
    await digest();
    const prisma = db().database.prisma;
    expect((await prisma.notification.findMany({ orderBy: { id: 'asc' } })).map((n) => n.status)).toEqual(['pending', 'folded']);
    expect((await prisma.timelineEvent.findMany({ orderBy: { incidentId: 'asc' } })).map((e) => [e.incidentId, e.kind])).toEqual([
      [1, 'page.folded'],
      [2, 'page.folded'],
    ]);
  });

  it('waits for an escalation batch holding the incidents without a deadlock', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const worker = new pg.Client({ connectionString: db().url! });
    await worker.connect();
    try {
      // The escalation worker has locked INC-1 and is about to lock INC-2.
      await worker.query('BEGIN');
      await worker.query('SELECT id FROM incidents WHERE id = 1 FOR UPDATE');
      const folded = digest().then(
        () => 'ok',
        (error: { code?: string }) => String(error.code),
      );
      await lockWaitSeen(worker, 'the digest to wait for INC-1');
      // Referenced in the texts' order, INC-2 was held by the digest by now, and this waited for
      // it while it waited for INC-1, until PostgreSQL aborted one of them.
      await worker.query('SELECT id FROM incidents WHERE id = 2 FOR UPDATE');
      await worker.query('COMMIT');
      expect(await folded).toBe('ok');
    } finally {
      await worker.end();
    }
    expect(await db().database.prisma.timelineEvent.count({ where: { kind: 'page.folded' } })).toBe(2);
  });
});
