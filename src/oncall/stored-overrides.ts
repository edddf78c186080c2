import type { PrismaClient } from '../db/database.js';
import type { OncallConfig } from './oncall-config.js';
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

/** The planned leave in oncall.yaml (`overrides:`) that overlaps [from, to). */
export function plannedOverlapping(config: Pick<OncallConfig, 'plannedOverrides'>, from: Date, to: Date): ScheduleOverride[] {
  return config.plannedOverrides.filter((o) => o.endsAt > from && o.startsAt < to);
}

/** Every override over [from, to): planned in oncall.yaml, and set from chat or the API. */
export async function allOverridesBetween(prisma: PrismaClient, config: Pick<OncallConfig, 'plannedOverrides'>, from: Date, to: Date): Promise<ScheduleOverride[]> {
  return [...plannedOverlapping(config, from, to), ...(await overridesBetween(prisma, from, to))];
}
