import { expect, it } from 'vitest';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { syncRecurringMaintenance, upcomingOccurrences } from '../../../src/maintenance/recurring-maintenance.js';
import { runningWindows } from '../../../src/maintenance/maintenance-store.js';
import { describeEachDatabase } from '../../support/test-database.js';

const yaml = (cron: string) =>
  parseOncallYaml(
    [
      'teams:',
      '  data: { name: Data, services: [postgres] }',
      'maintenance:',
      '  nightly-vacuum:',
      '    match: { service: postgres }',
      `    cron: "${cron}"`,
      '    timezone: Europe/Berlin',
      '    duration: 3h',
      '    reason: nightly vacuum and backups',
    ].join('\n'),
  );

describeEachDatabase('recurring maintenance windows from oncall.yaml', (db) => {
  it('keeps the running and the next occurrence, across the change to summer time, once however often it syncs; a changed schedule replaces the planned one', async () => {
    const database = db().database;
    await database.prisma.$executeRawUnsafe('TRUNCATE maintenance_windows, jobs RESTART IDENTITY CASCADE');
    const config = yaml('0 1 * * *');
    // 28 March, noon in Berlin; the night after, 02:00 becomes 03:00.
    const now = new Date('2026-03-28T11:00:00Z');
    expect(upcomingOccurrences(config.maintenance['nightly-vacuum']!, now)).toEqual([
      { startsAt: new Date('2026-03-29T00:00:00Z'), endsAt: new Date('2026-03-29T03:00:00Z') },
    ]);
    await syncRecurringMaintenance(database, config, now);
    await syncRecurringMaintenance(database, config, now);
    const stored = await database.prisma.maintenanceWindow.findMany();
    expect(stored.map((w) => [w.startsAt.toISOString(), w.endsAt.toISOString(), w.teamKey, w.origin, w.recurrence])).toEqual([
      ['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z', 'data', 'oncall.yaml', 'nightly-vacuum'],
    ]);
    // 01:00 CET to 05:00 CEST: three real hours, running at 04:30 local summer time.
    expect((await runningWindows(database.sql, new Date('2026-03-29T02:30:00Z'))).map((w) => w.id)).toEqual([stored[0]!.id]);
    expect(await runningWindows(database.sql, new Date('2026-03-29T03:00:00Z'))).toEqual([]);

    // Inside the window, a sync keeps it and plans the next night's.
    await syncRecurringMaintenance(database, config, new Date('2026-03-29T01:00:00Z'));
    expect((await database.prisma.maintenanceWindow.findMany({ orderBy: { startsAt: 'asc' } })).map((w) => w.startsAt.toISOString())).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z']);

    // The schedule moves to 02:30: the planned 01:00 occurrence goes, the new one comes (none on the 29th at 02:30, which does not exist there).
    await syncRecurringMaintenance(database, yaml('30 2 * * *'), new Date('2026-03-29T01:00:00Z'));
    const after = await database.prisma.maintenanceWindow.findMany({ orderBy: { startsAt: 'asc' } });
    expect(after.map((w) => w.startsAt.toISOString())).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });
});
