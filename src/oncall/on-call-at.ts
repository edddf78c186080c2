import { DateTime } from 'luxon';
import { wallTimeToInstant } from '../time/wall-clock.js';
import type { LayerConfig, Restriction, ScheduleConfig } from './oncall-config.js';

/** An override as stored: someone covers a schedule for a while. */
export interface ScheduleOverride {
  scheduleKey: string;
  personKey: string;
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
}

export interface OnCall {
  personKey: string;
  /** The layer's name, or "override". */
  via: string;
}

const DAY_MS = 86_400_000;

/**
 * Who is on call for a schedule at an instant: an override if one covers it (the most recently
 * created wins), else the last layer that has someone then. Pure: the instant is passed in.
 */
export function whoIsOnCall(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], at: Date): OnCall | undefined {
  const covering = overrides
    .filter((o) => o.scheduleKey === schedule.key && o.startsAt.getTime() <= at.getTime() && at.getTime() < o.endsAt.getTime())
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  if (covering) return { personKey: covering.personKey, via: 'override' };
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const layer = schedule.layers[i]!;
    const personKey = layerOnCall(layer, schedule.timeZone, at);
    if (personKey) return { personKey, via: layer.name };
  }
  return undefined;
}

/** The person a layer has at an instant: its rotation's participant, if a restriction window (if any) is open. */
export function layerOnCall(layer: LayerConfig, zone: string, at: Date): string | undefined {
  if (layer.participants.length === 0) return undefined;
  if (layer.restrictions.length > 0 && !layer.restrictions.some((r) => windowOpen(r, zone, at))) return undefined;
  const shift = shiftIndex(layer, zone, at);
  if (shift < 0) return undefined;
  return layer.participants[shift % layer.participants.length];
}

/**
 * Which shift (0 = the first) holds the instant. Daily and weekly handoffs are wall-clock times
 * in the schedule's zone, so a 09:00 handoff stays at 09:00 and the shift spanning a DST change
 * is 23 or 25 hours; the instant of a handoff belongs to the next shift.
 */
export function shiftIndex(layer: LayerConfig, zone: string, at: Date): number {
  const first = firstHandoff(layer, zone);
  if (layer.rotation.kind === 'every') return Math.floor((at.getTime() - first.toMillis()) / layer.rotation.ms);
  const periodDays = layer.rotation.kind === 'daily' ? 1 : 7;
  // Start from the estimate by elapsed time, then correct by the real wall-clock boundaries.
  let k = Math.floor((at.getTime() - first.toMillis()) / (periodDays * DAY_MS));
  while (handoff(first, k, periodDays, layer, zone).toMillis() > at.getTime()) k--;
  while (handoff(first, k + 1, periodDays, layer, zone).toMillis() <= at.getTime()) k++;
  return k;
}

/** The first handoff: the start date at the handoff time, moved on to the handoff weekday for weekly rotations. */
function firstHandoff(layer: LayerConfig, zone: string): DateTime {
  let date = DateTime.fromISO(layer.start, { zone });
  if (layer.rotation.kind === 'weekly' && layer.handoffWeekday) {
    date = date.plus({ days: (layer.handoffWeekday - date.weekday + 7) % 7 });
  }
  return atWallTime(date, layer.handoffTime, zone);
}

function handoff(first: DateTime, k: number, periodDays: number, layer: LayerConfig, zone: string): DateTime {
  return atWallTime(first.plus({ days: k * periodDays }), layer.handoffTime, zone);
}

function atWallTime(date: DateTime, hhmm: string, zone: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  return wallTimeToInstant({ year: date.year, month: date.month, day: date.day, hour, minute }, zone);
}

/** Whether a restriction window is open: from `from` on one of its days until `to` (the next day when `to` <= `from`). */
export function windowOpen(restriction: Restriction, zone: string, at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone });
  const minutes = local.hour * 60 + local.minute;
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const from = toMinutes(restriction.from);
  const to = toMinutes(restriction.to);
  if (from < to) return restriction.weekdays.includes(local.weekday) && minutes >= from && minutes < to;
  const yesterday = local.minus({ days: 1 }).weekday;
  return (restriction.weekdays.includes(local.weekday) && minutes >= from) || (restriction.weekdays.includes(yesterday) && minutes < to);
}

/** The merged shifts of a schedule between two instants, found by stepping through its boundaries. */
export function shiftsBetween(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], from: Date, to: Date, stepMs = 60_000) {
  const shifts: { personKey: string | undefined; via: string | undefined; start: Date; end: Date }[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += stepMs) {
    const who = whoIsOnCall(schedule, overrides, new Date(t));
    const last = shifts.at(-1);
    if (last && last.personKey === who?.personKey && last.via === who?.via) last.end = new Date(Math.min(t + stepMs, to.getTime()));
    else shifts.push({ personKey: who?.personKey, via: who?.via, start: new Date(t), end: new Date(Math.min(t + stepMs, to.getTime())) });
  }
  return shifts;
}
