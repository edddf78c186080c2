import { CronExpressionParser } from 'cron-parser';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import type { OncallConfig, RecurringMaintenance } from '../oncall/oncall-config.js';
import { ownerTeamOf } from './maintenance-window.js';
import { openWindow } from './maintenance-store.js';

/**
 * The occurrences of a recurring window worth having as windows at `now`: the one running (if
 * any) and the next. Occurrences are instants from the cron read in its zone, so one across a
 * change to or from summer time lasts exactly its duration.
 */
export function upcomingOccurrences(recurring: RecurringMaintenance, now: Date): { startsAt: Date; endsAt: Date }[] {
  const occurrence = (startsAt: Date) => ({ startsAt, endsAt: new Date(startsAt.getTime() + recurring.durationMs) });
  const before = CronExpressionParser.parse(recurring.cron, { currentDate: now, tz: recurring.timeZone }).prev().toDate();
  const next = CronExpressionParser.parse(recurring.cron, { currentDate: now, tz: recurring.timeZone }).next().toDate();
  const running = occurrence(before);
  return [...(running.endsAt > now ? [running] : []), occurrence(next)];
}

/**
 * Brings the stored windows of oncall.yaml's `maintenance:` in line with the file: the running
 * and the next occurrence of each exist (a replica or a restart doing it again adds nothing),
 * and planned occurrences the file no longer asks for (a key removed, a schedule changed) go.
 * Run at start, on every reload, and when a recurring window ends (which plans the one after).
 */
export async function syncRecurringMaintenance(database: Database, config: OncallConfig, now: Date, planFrom: Date = now): Promise<void> {
  // planFrom: the occurrences wanted are those running or next then (an occurrence cancelled
  // before it ran plans the one after it, as its end would have).
  const wanted = Object.values(config.maintenance).flatMap((recurring) => upcomingOccurrences(recurring, planFrom).map((occurrence) => ({ recurring, ...occurrence })));
  await database.transaction(async (tx) => {
    const keep = wanted.map((w) => `${w.recurring.key}@${w.startsAt.toISOString()}`);
    await tx.query(sql`
      DELETE FROM maintenance_windows WHERE origin = 'oncall.yaml' AND starts_at > ${now}::timestamptz AND ended_at IS NULL
        AND NOT ((recurrence || '@' || to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) = ANY(${keep}::text[]))`);
    for (const { recurring, startsAt, endsAt } of wanted) {
      await openWindow(
        tx,
        { matcher: recurring.matcher, teamKey: ownerTeamOf(recurring.matcher, config) ?? null, startsAt, endsAt, reason: recurring.reason, createdById: null, createdByName: `oncall.yaml (maintenance.${recurring.key})`, origin: 'oncall.yaml', recurrence: recurring.key },
        now,
      );
    }
  });
}
