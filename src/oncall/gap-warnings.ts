import { whoIsOnCall, type ScheduleOverride } from './on-call-at.js';
import type { OncallConfig } from './oncall-config.js';
import { findGaps } from './oncall-queries.js';

export interface GapWarning {
  scheduleKey: string;
  start: Date;
  end: Date;
  /** The teams whose schedule it is: their channels hear of it. */
  teams: string[];
  /** Members of those teams on call nowhere when the gap starts. */
  candidates: string[];
  /** Stays the same while the same gap is seen again, however the scan window moves. */
  key: string;
}

/**
 * The gaps of the coming `days` (from `now`): who could cover each one (members of the owning
 * teams not on call anywhere when it starts). A gap cut by the scan window is named by the edge
 * that is its own, so the next scan recognises it.
 */
export function gapWarnings(config: OncallConfig, overrides: readonly ScheduleOverride[], now: Date, days: number): GapWarning[] {
  const to = new Date(now.getTime() + days * 86_400_000);
  const warnings: GapWarning[] = [];
  for (const schedule of Object.values(config.schedules)) {
    const teams = Object.values(config.teams).filter((team) => team.schedules.includes(schedule.key));
    for (const gap of findGaps(schedule, overrides, now, to)) {
      const busy = new Set(Object.values(config.schedules).map((s) => whoIsOnCall(s, overrides, gap.start)?.personKey).filter((key): key is string => key !== undefined));
      const candidates = [...new Set(teams.flatMap((team) => team.members))].filter((member) => !busy.has(member));
      const edge = gap.start > now ? `from ${gap.start.toISOString()}` : gap.end < to ? `until ${gap.end.toISOString()}` : 'throughout';
      warnings.push({ scheduleKey: schedule.key, start: gap.start, end: gap.end, teams: teams.map((team) => team.key), candidates, key: `gap-warning:${schedule.key}:${edge}` });
    }
  }
  return warnings;
}
