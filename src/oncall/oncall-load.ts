import { DateTime } from 'luxon';
import type { PrismaClient } from '../db/database.js';
import { shiftsBetween, type ScheduleOverride } from './on-call-at.js';
import { allOverridesBetween } from './stored-overrides.js';
import type { OncallConfig } from './oncall-config.js';

/** Night as people feel it: 22:00 to 07:00 in their own zone. */
const NIGHT_FROM_HOUR = 22;
const NIGHT_TO_HOUR = 7;

export interface PersonLoad {
  person: string;
  name: string;
  timeZone: string;
  hours: number;
  nightHours: number;
  weekendHours: number;
  pages: number;
  nightPages: number;
}

const isNight = (at: DateTime) => at.hour >= NIGHT_FROM_HOUR || at.hour < NIGHT_TO_HOUR;
const isWeekend = (at: DateTime) => at.weekday >= 6;

/** Merged stretches: someone on call in two schedules at once is counted once. */
function merge(intervals: [number, number][]): [number, number][] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = out.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/**
 * Each person's load over [from, to): hours on call, of those at night and at weekends in their own
 * time zone, and the pages they got (and at night). `people` limits it (a team's members).
 */
export function onCallLoad(config: OncallConfig, overrides: readonly ScheduleOverride[], from: Date, to: Date, pages: readonly { person: string; at: Date }[], people?: readonly string[]): PersonLoad[] {
  const intervals = new Map<string, [number, number][]>();
  for (const schedule of Object.values(config.schedules)) {
    for (const shift of shiftsBetween(schedule, overrides, from, to)) {
      if (!shift.personKey) continue;
      intervals.set(shift.personKey, [...(intervals.get(shift.personKey) ?? []), [shift.start.getTime(), shift.end.getTime()]]);
    }
  }
  const keys = people ?? [...new Set([...intervals.keys(), ...pages.map((p) => p.person)])].filter((key) => config.people[key]);
  return keys
    .map((key): PersonLoad => {
      const zone = config.people[key]?.timeZone ?? 'UTC';
      let hours = 0;
      let nightHours = 0;
      let weekendHours = 0;
      for (const [start, end] of merge(intervals.get(key) ?? [])) {
        // Walk local hours: each piece lies within one hour of one day, so one night/weekend answer holds for it.
        for (let cursor = start; cursor < end; ) {
          const local = DateTime.fromMillis(cursor, { zone });
          const next = Math.min(end, local.startOf('hour').plus({ hours: 1 }).toMillis());
          const h = (next - cursor) / 3_600_000;
          hours += h;
          if (isNight(local)) nightHours += h;
          if (isWeekend(local)) weekendHours += h;
          cursor = next;
        }
      }
      const mine = pages.filter((page) => page.person === key);
      return {
        person: key,
        name: config.people[key]?.name ?? key,
        timeZone: zone,
        hours,
        nightHours,
        weekendHours,
        pages: mine.length,
        nightPages: mine.filter((page) => isNight(DateTime.fromJSDate(page.at, { zone }))).length,
      };
    })
    .sort((a, b) => b.hours - a.hours || b.pages - a.pages || a.name.localeCompare(b.name));
}

/** The load over [from, to) as stored: overrides (planned ones too) and the pages sent. */
export async function loadBetween(prisma: PrismaClient, config: OncallConfig, from: Date, to: Date, people?: readonly string[]): Promise<PersonLoad[]> {
  const overrides = await allOverridesBetween(prisma, config, from, to);
  const rows = await prisma.page.findMany({ where: { createdAt: { gte: from, lt: to }, person: { handle: { not: null } } }, select: { createdAt: true, person: { select: { handle: true } } } });
  return onCallLoad(config, overrides, from, to, rows.map((row) => ({ person: row.person.handle!, at: row.createdAt })), people);
}

const hoursText = (h: number) => `${Math.round(h)} h`;

/** One line per person, for chat and the weekly report: the night and weekend figures in their own zone. */
export function loadLines(loads: readonly PersonLoad[]): string[] {
  if (loads.length === 0) return ['Nobody was on call or paged.'];
  return [
    ...loads.map((l) => `**${l.name}**: ${hoursText(l.hours)} on call (${hoursText(l.nightHours)} at night, ${hoursText(l.weekendHours)} at weekends) · ${l.pages} page(s), ${l.nightPages} at night`),
    `_Night is 22:00 to 07:00 and weekends Saturday and Sunday, each in the person's own time zone (oncall.yaml)._`,
  ];
}
