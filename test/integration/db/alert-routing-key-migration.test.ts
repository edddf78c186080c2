import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBefore, databaseKinds, type TestDatabase } from '../../support/test-database.js';

const MIGRATION = '20261203075903_alert_routing_key_hash';
const KEY = 'a7c1e09f3b5d4e2a8c6f0b1d3e5a7c9f';

// Alerts stored before routing keys were treated as credentials: the upgrade hashes the key each
// PagerDuty alert came in with (so its sender can still resolve it) and masks it in the payload.
for (const kind of databaseKinds()) {
  describe(`migration ${MIGRATION} [${kind}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      const before = await databaseBefore(kind, MIGRATION);
      db = before;
      const insert = (fingerprint: string, source: string, raw: unknown) =>
        db.database.prisma.$executeRawUnsafe(
          `INSERT INTO alerts (source, fingerprint, status, title, labels, annotations, links, starts_at, last_received_at, content_hash, raw)
           VALUES ($1, $2, 'firing', 't', '{}', '{}', '{}', now(), now(), 'h', $3::jsonb)`,
          source,
          fingerprint,
          raw === null ? null : JSON.stringify(raw),
        );
      await insert('keyed', 'pagerduty', { routing_key: KEY, event_action: 'trigger', payload: { summary: 'Disk full' } });
      await insert('no-raw', 'pagerduty', null);
      await insert('odd-key', 'pagerduty', { routing_key: 42 });
      await insert('other-source', 'generic', { routing_key: KEY, title: 'not PagerDuty' });
      await before.finish();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('hashes the routing key of stored PagerDuty alerts and masks it in their payloads, and touches nothing else', async () => {
      const rows = await db.database.prisma.alert.findMany({ orderBy: { fingerprint: 'asc' }, select: { fingerprint: true, raw: true, routingKeyHash: true } });
      expect(rows).toEqual([
        { fingerprint: 'keyed', raw: { routing_key: 'a7c1…', event_action: 'trigger', payload: { summary: 'Disk full' } }, routingKeyHash: createHash('sha256').update(KEY).digest('hex') },
        { fingerprint: 'no-raw', raw: null, routingKeyHash: null },
        { fingerprint: 'odd-key', raw: { routing_key: 42 }, routingKeyHash: null },
        { fingerprint: 'other-source', raw: { routing_key: KEY, title: 'not PagerDuty' }, routingKeyHash: null },
      ]);
    });
  });
}
