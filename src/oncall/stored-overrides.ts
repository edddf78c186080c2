import type { PrismaClient } from '../db/database.js';
import type { ScheduleOverride } from './on-call-at.js';

/**
 * The overrides stored (set from chat) that overlap [from, to), as the rotation math takes them.
 * Someone first seen in chat has no oncall.yaml key, so no schedule can name them.
 */
export async function overridesBetween(prisma: PrismaClient, from: Date, to: Date): Promise<ScheduleOverride[]> {
  const rows = await prisma.oncallOverride.findMany({
    where: { endsAt: { gt: from }, startsAt: { lt: to }, person: { handle: { not: null } } },
    include: { person: { select: { handle: true } } },
  });
  return rows.map((row) => ({ scheduleKey: row.scheduleKey, personKey: row.person.handle!, startsAt: row.startsAt, endsAt: row.endsAt, createdAt: row.createdAt }));
}
