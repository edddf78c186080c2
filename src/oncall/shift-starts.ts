import { shiftsBetween, type ScheduleOverride } from './on-call-at.js';
import type { OncallConfig, ScheduleConfig } from './oncall-config.js';

export interface ShiftStart {
  scheduleKey: string;
  personKey: string;
  start: Date;
  end: Date;
  /** Who was on call before (undefined after a gap). */
  previousPersonKey?: string;
  /** When the previous person's stretch began. */
  previousStart?: Date;
}

const LOOKBACK_MS = 31 * 86_400_000;

/** Every person's unbroken stretch on call that begins within (from, to], with who had it before. */
export function shiftStartsBetween(config: OncallConfig, overrides: readonly ScheduleOverride[], from: Date, to: Date): ShiftStart[] {
  const starts: ShiftStart[] = [];
  for (const schedule of Object.values(config.schedules)) {
    // From well before, so that a stretch's start is its own and not the window's.
    const stretches: { personKey: string | undefined; start: Date; end: Date }[] = [];
    for (const shift of shiftsBetween(schedule, overrides, new Date(from.getTime() - LOOKBACK_MS), new Date(to.getTime() + 86_400_000))) {
      const last = stretches.at(-1);
      if (last && last.personKey === shift.personKey) last.end = shift.end;
      else stretches.push({ personKey: shift.personKey, start: shift.start, end: shift.end });
    }
    stretches.forEach((stretch, i) => {
      if (!stretch.personKey || i === 0 || stretch.start <= from || stretch.start > to) return;
      const previous = stretches[i - 1]!;
      starts.push({ scheduleKey: schedule.key, personKey: stretch.personKey, start: stretch.start, end: stretch.end, ...(previous.personKey ? { previousPersonKey: previous.personKey, previousStart: previous.start } : {}) });
    });
  }
  return starts.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The unbroken stretch someone (or nobody) is on call in a schedule around an instant, within a month either way. */
export function stretchAt(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], at: Date): { personKey: string | undefined; start: Date; end: Date } | undefined {
  const stretches: { personKey: string | undefined; start: Date; end: Date }[] = [];
  for (const shift of shiftsBetween(schedule, overrides, new Date(at.getTime() - LOOKBACK_MS), new Date(at.getTime() + LOOKBACK_MS))) {
    const last = stretches.at(-1);
    if (last && last.personKey === shift.personKey) last.end = shift.end;
    else stretches.push({ personKey: shift.personKey, start: shift.start, end: shift.end });
  }
  return stretches.find((s) => s.start <= at && at < s.end);
}
