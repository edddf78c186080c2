import { expect, it } from 'vitest';
import { firstDelivery } from '../../../src/db/processed-requests.js';
import { sql as q } from '../../../src/db/sql.js';
import { describeEachDatabase } from '../../support/test-database.js';

describeEachDatabase('processed requests', (db) => {
  const sql = () => db().database.sql;
  const keys = async () => (await db().database.prisma.processedRequest.findMany({ orderBy: { key: 'asc' } })).map((row) => row.key);
  const databaseNow = async () => new Date((await sql().query<{ now: Date | string }>(q`SELECT now() AS now`))[0]!.now);

  it('takes a key once, also when it is remembered only for a while', async () => {
    expect(await firstDelivery(sql(), 'weekly-report:2026-12-07')).toBe(true);
    expect(await firstDelivery(sql(), 'weekly-report:2026-12-07')).toBe(false);
    const until = new Date((await databaseNow()).getTime() + 600_000);
    expect(await firstDelivery(sql(), 'slack:request:1:a', { until })).toBe(true);
    expect(await firstDelivery(sql(), 'slack:request:1:a', { until })).toBe(false);
    expect(await firstDelivery(sql(), 'discord:interaction:1', { forMs: 3_600_000 })).toBe(true);
    expect(await firstDelivery(sql(), 'discord:interaction:1', { forMs: 3_600_000 })).toBe(false);
    const interaction = await db().database.prisma.processedRequest.findUniqueOrThrow({ where: { key: 'discord:interaction:1' } });
    expect(interaction.expiresAt!.getTime() - interaction.createdAt.getTime()).toBe(3_600_000);
  });

  it('deletes expired keys when the next expiring key is recorded, and keeps the rest', async () => {
    const now = (await databaseNow()).getTime();
    await firstDelivery(sql(), 'slack:request:2:expired', { until: new Date(now - 1_000) });
    await firstDelivery(sql(), 'slack:request:3:fresh', { until: new Date(now + 600_000) });
    expect(await keys()).not.toContain('slack:request:2:expired');
    expect(await keys()).toEqual(expect.arrayContaining(['slack:request:3:fresh', 'slack:request:1:a', 'discord:interaction:1', 'weekly-report:2026-12-07']));
    // Keys kept for ever (weekly report occurrences) are never deleted.
    await db().database.prisma.processedRequest.updateMany({ where: { key: { startsWith: 'slack:request:' } }, data: { expiresAt: new Date(now - 1_000) } });
    await firstDelivery(sql(), 'slack:request:4:next', { until: new Date(now + 600_000) });
    expect(await keys()).toEqual(['discord:interaction:1', 'slack:request:4:next', 'weekly-report:2026-12-07']);
  });
});
