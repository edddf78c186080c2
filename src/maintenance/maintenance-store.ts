import type { Database } from '../db/database.js';
import { json, sql, type Sql } from '../db/sql.js';
import { MAINTENANCE_END_JOB, MAINTENANCE_START_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobSpec } from '../engine/job.js';
import type { MaintenanceMatcher, MaintenanceWindow } from './maintenance-window.js';

interface WindowRow {
  id: number;
  matcher: MaintenanceMatcher;
  team_key: string | null;
  starts_at: Date;
  ends_at: Date;
  ended_at: Date | null;
  reason: string;
  created_by_name: string;
  origin: string;
}

const COLUMNS = sql`id, matcher, team_key, starts_at, ends_at, ended_at, reason, created_by_name, origin`;

function windowOf(row: WindowRow): MaintenanceWindow {
  return {
    id: Number(row.id),
    matcher: row.matcher,
    teamKey: row.team_key,
    startsAt: new Date(row.starts_at),
    endsAt: new Date(row.ends_at),
    endedAt: row.ended_at ? new Date(row.ended_at) : null,
    reason: row.reason,
    createdByName: row.created_by_name,
    origin: row.origin,
  };
}

export const maintenanceJob = (kind: typeof MAINTENANCE_START_JOB | typeof MAINTENANCE_END_JOB, id: number, delayMs: number, extra: Record<string, unknown> = {}): JobSpec => ({
  kind,
  subject: `maintenance:${id}`,
  payload: { id, ...extra },
  delayMs: Math.max(0, delayMs),
});

export interface NewWindow {
  matcher: MaintenanceMatcher;
  teamKey: string | null;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdById: number | null;
  createdByName: string;
  origin: 'chat' | 'api' | 'oncall.yaml';
  recurrence?: string;
}

/** Stores a window with the jobs that announce its start and end it, in the caller's transaction; undefined when a recurring one exists already. */
export async function openWindow(tx: Sql, window: NewWindow, now: Date): Promise<number | undefined> {
  const [row] = await tx.query<{ id: number }>(sql`
    INSERT INTO maintenance_windows (matcher, team_key, starts_at, ends_at, reason, created_by_id, created_by_name, origin, recurrence)
    VALUES (${json(window.matcher)}::jsonb, ${window.teamKey}, ${window.startsAt}::timestamptz, ${window.endsAt}::timestamptz, ${window.reason},
            ${window.createdById}::int, ${window.createdByName}, ${window.origin}, ${window.recurrence ?? null})
    ON CONFLICT (recurrence, starts_at) DO NOTHING
    RETURNING id`);
  if (!row) return undefined;
  const id = Number(row.id);
  await enqueueJobs(tx, [
    maintenanceJob(MAINTENANCE_START_JOB, id, window.startsAt.getTime() - now.getTime()),
    maintenanceJob(MAINTENANCE_END_JOB, id, window.endsAt.getTime() - now.getTime()),
  ]);
  return id;
}

/** The windows running at `at`. */
export async function runningWindows(db: Sql, at: Date): Promise<MaintenanceWindow[]> {
  const rows = await db.query<WindowRow>(sql`
    SELECT ${COLUMNS} FROM maintenance_windows
    WHERE starts_at <= ${at}::timestamptz AND ends_at > ${at}::timestamptz AND (ended_at IS NULL OR ended_at > ${at}::timestamptz)`);
  return rows.map(windowOf);
}

/** Running and planned windows, and those that ended in the last day, soonest first. */
export async function listWindows(db: Sql, now: Date): Promise<(MaintenanceWindow & { held: number })[]> {
  const rows = await db.query<WindowRow & { held: number }>(sql`
    SELECT ${COLUMNS}, (SELECT count(*) FROM alerts a WHERE a.held_by_window = w.id)::int AS held FROM maintenance_windows w
    WHERE LEAST(ends_at, COALESCE(ended_at, ends_at)) > ${new Date(now.getTime() - 86_400_000)}::timestamptz
    ORDER BY starts_at, id LIMIT 50`);
  return rows.map((row) => ({ ...windowOf(row), held: Number(row.held) }));
}

export async function findWindow(db: Sql, id: number): Promise<MaintenanceWindow | undefined> {
  const [row] = await db.query<WindowRow>(sql`SELECT ${COLUMNS} FROM maintenance_windows WHERE id = ${id}::int`);
  return row ? windowOf(row) : undefined;
}

/** Ends a running or planned window now: its end job runs at once. False when it was over already. */
export async function endWindowNow(database: Database, id: number, now: Date): Promise<boolean> {
  return database.transaction(async (tx) => {
    const [ended] = await tx.query<{ id: number }>(sql`
      UPDATE maintenance_windows SET ended_at = ${now}::timestamptz
      WHERE id = ${id}::int AND ends_at > ${now}::timestamptz AND (ended_at IS NULL OR ended_at > ${now}::timestamptz) RETURNING id`);
    if (!ended) return false;
    await tx.query(sql`UPDATE jobs SET due_at = now() WHERE kind = ${MAINTENANCE_END_JOB} AND subject = ${`maintenance:${id}`} AND status = 'pending'`);
    return true;
  });
}
