import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical from 'ical-generator';
import { DateTime } from 'luxon';
import { shiftsBetween, type ScheduleOverride, type Shift } from '../oncall/on-call-at.js';
import type { OncallConfig, ScheduleConfig } from '../oncall/oncall-config.js';

/** How far ahead a feed reaches. */
export const CALENDAR_DAYS = 90;
const DAY_MS = 86_400_000;
// Shifts are read from this far back so that the one under way shows its real start, not "now".
const LOOKBACK_MS = 31 * DAY_MS;

export type FeedSubject = { kind: 'person'; handle: string } | { kind: 'schedule'; key: string };

interface CalendarShift extends Shift {
  schedule: ScheduleConfig;
  personKey: string;
}

/** A schedule's shifts that end after `now` and start within the horizon, one event per person's unbroken stretch. */
function upcomingShifts(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], now: Date): CalendarShift[] {
  const from = new Date(now.getTime() - LOOKBACK_MS);
  const to = new Date(now.getTime() + CALENDAR_DAYS * DAY_MS);
  const merged: CalendarShift[] = [];
  for (const shift of shiftsBetween(schedule, overrides, from, to)) {
    if (!shift.personKey) continue;
    const last = merged.at(-1);
    if (last && last.personKey === shift.personKey && last.end.getTime() === shift.start.getTime()) last.end = shift.end;
    else merged.push({ ...shift, personKey: shift.personKey, schedule });
  }
  return merged.filter((shift) => shift.end > now);
}

/**
 * The feed as iCalendar (RFC 5545): each shift an event in the schedule's time zone (with its
 * VTIMEZONE), overrides included. A person's feed has their shifts across every schedule.
 */
export function calendarFeed(config: OncallConfig, subject: FeedSubject, overrides: readonly ScheduleOverride[], now: Date, publicUrl: string): string {
  const person = subject.kind === 'person' ? config.people[subject.handle] : undefined;
  const schedules = subject.kind === 'schedule' ? [config.schedules[subject.key]!].filter(Boolean) : Object.values(config.schedules);
  const shifts = schedules
    .flatMap((schedule) => upcomingShifts(schedule, overrides, now))
    .filter((shift) => subject.kind === 'schedule' || shift.personKey === subject.handle)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  const name = subject.kind === 'person' ? `On call: ${person?.name ?? subject.handle}` : `On call: ${config.schedules[subject.key]?.name ?? subject.key}`;
  const calendar = ical({
    name,
    prodId: { company: 'incident-bot', product: 'on-call', language: 'EN' },
    // No calendar-wide zone: each event carries its schedule's, with that zone's VTIMEZONE.
    timezone: { name: null, generator: getVtimezoneComponent },
    ttl: 3600,
  });
  for (const shift of shifts) {
    const who = config.people[shift.personKey]?.name ?? shift.personKey;
    calendar.createEvent({
      id: `${shift.schedule.key}/${shift.personKey}/${shift.start.toISOString()}@incident-bot`,
      start: DateTime.fromJSDate(shift.start, { zone: shift.schedule.timeZone }),
      end: DateTime.fromJSDate(shift.end, { zone: shift.schedule.timeZone }),
      timezone: shift.schedule.timeZone,
      stamp: DateTime.fromJSDate(now, { zone: 'utc' }),
      summary: subject.kind === 'person' ? `On call: ${shift.schedule.name}` : `On call: ${who}`,
      description: `${who} is on call for ${shift.schedule.name}${shift.via === 'override' ? ' (override)' : ''}.`,
      url: publicUrl,
    });
  }
  return calendar.toString();
}
