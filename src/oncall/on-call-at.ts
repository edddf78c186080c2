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

/** A stretch of time in which the same person is on call the same way (or nobody is). */
export interface Shift {
  personKey: string | undefined;
  via: string | undefined;
  start: Date;
  end: Date;
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
  const t = at.getTime();
  const first = handoff(layer, zone, 0);
  if (layer.rotation.kind === 'every') return Math.floor((t - first) / layer.rotation.ms);
  const periodDays = layer.rotation.kind === 'daily' ? 1 : 7;
  // Start from the estimate by elapsed time, then correct by the real wall-clock boundaries.
  let k = Math.floor((t - first) / (periodDays * DAY_MS));
  while (handoff(layer, zone, k) > t) k--;
  while (handoff(layer, zone, k + 1) <= t) k++;
  return k;
}

/** The instant shift `k` of a layer starts (shift 0 at the first handoff), in epoch milliseconds. */
function handoff(layer: LayerConfig, zone: string, k: number): number {
  const firstDay = firstHandoffDay(layer);
  if (layer.rotation.kind === 'every') return instantOf(firstDay, layer.handoffTime, zone) + k * layer.rotation.ms;
  return instantOf(firstDay + k * (layer.rotation.kind === 'daily' ? 1 : 7), layer.handoffTime, zone);
}

// Calendar days are counted as days since 1970-01-01: day arithmetic never meets a DST change.
const dayNumber = (isoDate: string) => Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
/** Luxon's weekday of a day number: 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday). */
const weekdayOf = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

/** The day of the first handoff: the start date, moved on to the handoff weekday for weekly rotations. */
function firstHandoffDay(layer: LayerConfig): number {
  const start = dayNumber(layer.start);
  if (layer.rotation.kind === 'weekly' && layer.handoffWeekday) return start + ((layer.handoffWeekday - weekdayOf(start) + 7) % 7);
  return start;
}

/**
 * The same few wall-clock times are turned into instants again and again (every shift and window
 * edge, by every question asked of a schedule), and each costs tens of microseconds: keep them.
 */
const instants = new Map<string, number>();

/** The instant a calendar day at "HH:mm" names in a zone (a gap moves on, an ambiguous time is the first). */
function instantOf(day: number, hhmm: string, zone: string): number {
  const key = `${zone} ${day} ${hhmm}`;
  const known = instants.get(key);
  if (known !== undefined) return known;
  const date = new Date(day * DAY_MS);
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  const millis = wallTimeToInstant({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour, minute }, zone).toMillis();
  if (instants.size >= 100_000) instants.clear();
  instants.set(key, millis);
  return millis;
}

/**
 * The stretch a restriction opens on one calendar day, if that is one of its days: from `from`
 * that day until `to` (the next day when `to` <= `from`). Both ends are wall-clock times mapped
 * as handoffs are: into a spring-forward gap means its end, an ambiguous time its first occurrence.
 */
function windowOn(restriction: Restriction, zone: string, day: number): [number, number] | undefined {
  if (!restriction.weekdays.includes(weekdayOf(day))) return undefined;
  const overnight = restriction.to <= restriction.from;
  return [instantOf(day, restriction.from, zone), instantOf(overnight ? day + 1 : day, restriction.to, zone)];
}

/**
 * The local days whose windows may hold an instant or open soon after it. Offsets are within
 * ±14 hours and a window lasts at most a day and a DST hour, so two days before the instant's
 * UTC day is far enough back.
 */
const utcDay = (t: number) => Math.floor(t / DAY_MS);

/** Whether a restriction window is open at an instant. */
export function windowOpen(restriction: Restriction, zone: string, at: Date): boolean {
  const t = at.getTime();
  for (let day = utcDay(t) - 2; day <= utcDay(t) + 1; day++) {
    const window = windowOn(restriction, zone, day);
    if (window && window[0] <= t && t < window[1]) return true;
  }
  return false;
}

/** The first instant after `t` at which a restriction window opens or closes, within the coming week. */
function nextWindowEdge(restriction: Restriction, zone: string, t: number): number | undefined {
  let next: number | undefined;
  for (let day = utcDay(t) - 2; day <= utcDay(t) + 8; day++) {
    const window = windowOn(restriction, zone, day);
    for (const edge of window ?? []) if (edge > t && (next === undefined || edge < next)) next = edge;
  }
  return next;
}

/** The first instant after `t` at which a layer may have someone else: its next handoff or window edge. */
function nextLayerBoundary(layer: LayerConfig, zone: string, t: number): number | undefined {
  if (layer.participants.length === 0) return undefined;
  const shift = shiftIndex(layer, zone, new Date(t));
  const candidates = [handoff(layer, zone, Math.max(shift + 1, 0)), ...layer.restrictions.map((r) => nextWindowEdge(r, zone, t))];
  return earliest(candidates, t);
}

/**
 * The first instant after `t` at which the answer of whoIsOnCall may change: an override of the
 * schedule starting or ending, or a layer's handoff or window edge. Nothing changes in between.
 */
function nextBoundary(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], t: number): number | undefined {
  const edges = overrides.filter((o) => o.scheduleKey === schedule.key).flatMap((o) => [o.startsAt.getTime(), o.endsAt.getTime()]);
  return earliest([...edges, ...schedule.layers.map((layer) => nextLayerBoundary(layer, schedule.timeZone, t))], t);
}

function earliest(instants: (number | undefined)[], after: number): number | undefined {
  let first: number | undefined;
  for (const instant of instants) if (instant !== undefined && instant > after && (first === undefined || instant < first)) first = instant;
  return first;
}

const sameOnCall = (a: OnCall | undefined, b: OnCall | undefined) => a?.personKey === b?.personKey && a?.via === b?.via;

/**
 * The first instant after `at` and before `limit` at which someone else is on call, or the same
 * person another way (an override, another layer); undefined when nothing changes before `limit`.
 * Exact: it walks the schedule's own boundaries and checks each, it does not sample.
 */
export function nextChange(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], at: Date, limit: Date): Date | undefined {
  const current = whoIsOnCall(schedule, overrides, at);
  let t = at.getTime();
  for (;;) {
    const boundary = nextBoundary(schedule, overrides, t);
    if (boundary === undefined || boundary >= limit.getTime()) return undefined;
    if (!sameOnCall(current, whoIsOnCall(schedule, overrides, new Date(boundary)))) return new Date(boundary);
    t = boundary;
  }
}

/** The shifts of a schedule between two instants, each ending exactly where the next begins. */
export function shiftsBetween(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], from: Date, to: Date): Shift[] {
  const shifts: Shift[] = [];
  for (let start = from; start < to; ) {
    const who = whoIsOnCall(schedule, overrides, start);
    const end = nextChange(schedule, overrides, start, to) ?? to;
    shifts.push({ personKey: who?.personKey, via: who?.via, start, end });
    start = end;
  }
  return shifts;
}
