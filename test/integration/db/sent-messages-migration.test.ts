import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../src/db/sql.js';
import { databaseBefore, databaseKinds, type TestDatabase } from '../../support/test-database.js';

const MIGRATION = '20261203233000_sent_messages';

// chat_messages became sent_messages (any way out, not only chat): what was posted before the
// upgrade must still be found under its key, or every card would be posted a second time.
for (const kind of databaseKinds()) {
  describe(`migration ${MIGRATION} [${kind}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      const before = await databaseBefore(kind, MIGRATION);
      db = before;
      await db.database.sql.query(sql`
        INSERT INTO chat_messages (platform, idempotency_key, channel_id, message_id, updated_at)
        VALUES ('slack', 'incident:7:card', 'C7', '1700000000.000100', now()), ('discord', 'incident:7:card', '991', '1234567890', now())`);
      await before.finish();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('keeps every message chat sent, under the same way and key, with its target and message id', async () => {
      const sent = await db.database.prisma.sentMessage.findMany({ orderBy: { via: 'asc' } });
      expect(sent).toMatchObject([
        { via: 'discord', idempotencyKey: 'incident:7:card', target: '991', messageId: '1234567890' },
        { via: 'slack', idempotencyKey: 'incident:7:card', target: 'C7', messageId: '1700000000.000100' },
      ]);
    });
  });
}
