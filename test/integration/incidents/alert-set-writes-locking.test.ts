import pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import type { IngestItem } from '../../../src/incidents/alert-ingestion.js';
import { insertAlertsOpeningIncidents, type AlertToInsert, type IncidentToOpen } from '../../../src/incidents/alert-set-writes.js';
import { sqlOn } from '../../support/lock-waits.js';
import { describeEachDatabase } from '../../support/test-database.js';

/**
 * Two replicas writing overlapping sets take their row locks in one order. A deadlock is broken
 * by PostgreSQL only after deadlock_timeout (a second's stall in the middle of a storm) and costs
 * the batch a retry; a conflict on a group key another replica opened is retried at once.
 */
describeEachDatabase('locking order of set writes', (db) => {
  beforeEach(async () => {
    await db().database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts RESTART IDENTITY CASCADE');
  });

  it('two replicas opening the same new groups from different alerts, in opposite orders, do not deadlock', async (context) => {
    if (db().kind !== 'postgres') context.skip();
    const groups = Array.from({ length: 200 }, (_, i) => i);
    const outcomes: string[][] = [];
    // A deadlock needs the two to interleave; three tries caught it every time before the fix.
    for (let attempt = 0; attempt < 3; attempt++) {
      await db().database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts RESTART IDENTITY CASCADE');
      outcomes.push(await side(db().url!, [batch('a', groups), batch('b', [...groups].reverse())]));
    }
    // One opens the groups; the other finds them opened (a unique violation the intake retries),
    // or, had it started after the first committed, joins them.
    for (const outcome of outcomes) {
      expect(outcome).not.toContain('40P01');
      expect(outcome).toContain('ok');
      expect(outcome.every((code) => code === 'ok' || code === '23505')).toBe(true);
    }
  });
});

/** Runs each batch's statement in a transaction of its own, side by side; answers 'ok' or each error's code. */
async function side(url: string, batches: ReturnType<typeof batch>[]): Promise<string[]> {
  const clients = batches.map(() => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((client) => client.connect()));
  try {
    await Promise.all(clients.map((client) => client.query('BEGIN')));
    return await Promise.all(
      batches.map(async ({ alerts, candidates }, i) => {
        const client = clients[i]!;
        try {
          await insertAlertsOpeningIncidents(sqlOn(client), alerts, candidates, new Date());
          await client.query('COMMIT');
          return 'ok';
        } catch (error) {
          await client.query('ROLLBACK');
          return String((error as { code?: string }).code);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

/** One new alert per entry of `groups`, in that order, each opening (or joining) group g<n>. */
function batch(prefix: string, groups: number[]): { alerts: AlertToInsert[]; candidates: IncidentToOpen[] } {
  const alerts: AlertToInsert[] = [];
  const candidates: IncidentToOpen[] = [];
  groups.forEach((group, i) => {
    const fingerprint = `${prefix}-${i}`;
    const openedAt = new Date('2026-11-24T09:00:00Z');
    const item = {
      alert: { source: 'generic', fingerprint, status: 'firing', title: `${fingerprint} down`, labels: {}, annotations: {}, links: {}, startsAt: openedAt },
      decision: { groupKey: `g${group}`, severity: 3, routeId: 'default' },
      contentHash: fingerprint,
      raw: null,
    } as unknown as IngestItem;
    alerts.push({ item, incidentId: null, groupKey: `g${group}`, heldBy: null });
    candidates.push({ groupKey: `g${group}`, title: `${fingerprint} down`, severity: 3, team: null, service: null, private: false, source: 'generic', routeId: 'default', escalationPolicy: null, playbookId: null, openedAt, fingerprint });
  });
  return { alerts, candidates };
}
