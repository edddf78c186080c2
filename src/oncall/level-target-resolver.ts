import { plannedOverlapping } from './stored-overrides.js';
import { prepared, sql, type Sql } from '../db/sql.js';
import type { TargetResolver } from '../engine/escalation-jobs.js';
import type { OncallConfig } from './oncall-config.js';
import type { ScheduleOverride } from './on-call-at.js';
import { targetsAt } from './oncall-queries.js';

type OverrideLoader = (at: Date, tx: Sql) => Promise<ScheduleOverride[]>;

/** Overrides that cover an instant, as the rotation math takes them. */
export const overridesFromDatabase: OverrideLoader = async (at, tx) => {
  const rows = await tx.query<{ schedule_key: string; handle: string; starts_at: Date; ends_at: Date; created_at: Date }>(prepared('oncall.overrides-at', sql`
    SELECT o.schedule_key, p.handle, o.starts_at, o.ends_at, o.created_at
    FROM oncall_overrides o JOIN people p ON p.id = o.person_id
    WHERE o.starts_at <= ${at}::timestamptz AND o.ends_at > ${at}::timestamptz AND p.handle IS NOT NULL`));
  return rows.map((row) => ({
    scheduleKey: row.schedule_key,
    personKey: row.handle,
    startsAt: new Date(row.starts_at),
    endsAt: new Date(row.ends_at),
    createdAt: new Date(row.created_at),
  }));
};

/**
 * Person handles an escalation level pages at the instant it fires: a person target is that
 * person; a schedule target whoever is on call then (overrides included); a team target the
 * on-call people of the team's schedules, or all its members when it has none on call.
 */
export function levelTargetResolver(oncall: () => OncallConfig, loadOverrides: OverrideLoader = async () => []): TargetResolver {
  return async (level, at, tx) => {
    const config = oncall();
    return targetsAt(config, level, [...plannedOverlapping(config, at, new Date(at.getTime() + 1)), ...(await loadOverrides(at, tx))], at);
  };
}
