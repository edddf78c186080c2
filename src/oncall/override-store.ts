import type { PrismaClient } from '../db/database.js';
import { AppError } from '../errors.js';
import type { OncallConfig, ScheduleConfig } from './oncall-config.js';
import { schedulesFor } from './oncall-queries.js';

/** An override as lists show it: stored ones (set from chat or the API) have an id; planned leave in oncall.yaml has none. */
export interface OverrideView {
  id: number | null;
  origin: 'chat' | 'api' | 'oncall.yaml';
  schedule: string;
  scheduleName: string;
  /** The teams whose schedule it is. */
  teams: string[];
  person: string;
  personName: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
  createdBy: string | null;
  /** When it was set: of two overlapping overrides, the later set wins. */
  createdAt: Date;
}

/** The schedule an override of `name` (a schedule, team or service) is for; a team's first schedule. */
export function scheduleToOverride(config: OncallConfig, name: string): ScheduleConfig {
  const [schedule] = schedulesFor(config, name);
  if (!schedule) throw new AppError('not_found', `"${name.slice(0, 60)}" has no schedule to override`);
  return schedule;
}

const teamsOf = (config: OncallConfig, scheduleKey: string) => Object.values(config.teams).filter((team) => team.schedules.includes(scheduleKey)).map((team) => team.key);

/** Current and coming overrides (not yet ended at `now`), soonest first; of one team's (or schedule's) schedules when `name` is given. */
export async function listOverrides(prisma: PrismaClient, config: OncallConfig, now: Date, name?: string, range?: { from: Date; to: Date }): Promise<OverrideView[]> {
  const scheduleKeys = name === undefined ? undefined : schedulesFor(config, name).map((s) => s.key);
  // Current and coming ones by default; with a range, those overlapping it, past ones included.
  const overlaps = (o: { startsAt: Date; endsAt: Date }) => (range ? o.endsAt > range.from && o.startsAt < range.to : o.endsAt > now);
  const rows = await prisma.oncallOverride.findMany({
    where: { ...(range ? { endsAt: { gt: range.from }, startsAt: { lt: range.to } } : { endsAt: { gt: now } }), ...(scheduleKeys ? { scheduleKey: { in: scheduleKeys } } : {}) },
    include: { person: { select: { handle: true, name: true } }, createdBy: { select: { name: true } } },
    orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    // A list for people is kept short; a range (a CLI working out shifts) needs every one in it.
    ...(range ? {} : { take: 200 }),
  });
  const stored: OverrideView[] = rows.map((row) => ({
    id: row.id,
    origin: row.createdById === null ? 'api' : 'chat',
    schedule: row.scheduleKey,
    scheduleName: config.schedules[row.scheduleKey]?.name ?? row.scheduleKey,
    teams: teamsOf(config, row.scheduleKey),
    person: row.person.handle ?? row.person.name,
    personName: row.person.name,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    reason: row.reason,
    createdBy: row.createdBy?.name ?? null,
    createdAt: row.createdAt,
  }));
  const planned: OverrideView[] = config.plannedOverrides
    .filter((o) => overlaps(o) && (!scheduleKeys || scheduleKeys.includes(o.scheduleKey)))
    .map((o) => ({
      id: null,
      origin: 'oncall.yaml',
      schedule: o.scheduleKey,
      scheduleName: config.schedules[o.scheduleKey]?.name ?? o.scheduleKey,
      teams: teamsOf(config, o.scheduleKey),
      person: o.personKey,
      personName: config.people[o.personKey]?.name ?? o.personKey,
      startsAt: o.startsAt,
      endsAt: o.endsAt,
      reason: o.reason ?? null,
      createdBy: null,
      createdAt: o.createdAt,
    }));
  return [...planned, ...stored].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

export interface NewOverride {
  scheduleKey: string;
  personHandle: string;
  startsAt: Date;
  endsAt: Date;
  reason?: string;
  createdById: number | null;
}

/** Stores an override for a person oncall.yaml lists. */
/** Why an override for someone outside every team that owns the schedule deserves a word, or undefined. */
export function outsiderWarning(config: OncallConfig, scheduleKey: string, personHandle: string): string | undefined {
  const owners = Object.values(config.teams).filter((team) => team.schedules.includes(scheduleKey));
  if (owners.length === 0 || owners.some((team) => team.members.includes(personHandle))) return undefined;
  return `${config.people[personHandle]?.name ?? personHandle} is not a member of ${owners.map((team) => team.name).join(' or ')} in oncall.yaml, and is on call for it all the same`;
}

export async function addOverride(prisma: PrismaClient, config: OncallConfig, override: NewOverride): Promise<number> {
  if (!config.people[override.personHandle]) throw new AppError('not_found', `No person "${override.personHandle.slice(0, 60)}" under people in oncall.yaml`);
  if (override.endsAt <= override.startsAt) throw new AppError('bad_request', 'The override must end after it starts');
  const person = await prisma.person.findUnique({ where: { handle: override.personHandle } });
  if (!person) throw new AppError('unavailable', `${override.personHandle} is in oncall.yaml but not stored yet; try again in a moment`);
  const row = await prisma.oncallOverride.create({
    data: { scheduleKey: override.scheduleKey, personId: person.id, startsAt: override.startsAt, endsAt: override.endsAt, reason: override.reason ?? null, createdById: override.createdById },
  });
  return row.id;
}

export async function findOverride(prisma: PrismaClient, config: OncallConfig, id: number, now: Date): Promise<OverrideView | undefined> {
  const row = await prisma.oncallOverride.findUnique({ where: { id } });
  if (!row) return undefined;
  return (await listOverrides(prisma, config, new Date(Math.min(now.getTime(), row.endsAt.getTime() - 1)))).find((o) => o.id === id);
}

/**
 * Removes an override: one not yet begun goes; one under way ends now, so the record of who was
 * on call until then stays. False when it had already ended (or never was).
 */
export async function removeOverride(prisma: PrismaClient, id: number, now: Date): Promise<boolean> {
  const row = await prisma.oncallOverride.findUnique({ where: { id } });
  if (!row || row.endsAt <= now) return false;
  if (row.startsAt >= now) await prisma.oncallOverride.deleteMany({ where: { id, endsAt: { gt: now } } });
  else await prisma.oncallOverride.updateMany({ where: { id, endsAt: { gt: now } }, data: { endsAt: now } });
  return true;
}
