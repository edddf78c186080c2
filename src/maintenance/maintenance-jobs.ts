import type { NormalizedAlert } from '../alerts/alert.js';
import { routeAlert } from '../alerts/routing.js';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import type { Delivery } from '../delivery/delivery.js';
import { forEachPlatform } from '../delivery/failures.js';
import { MAINTENANCE_END_JOB, MAINTENANCE_START_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobHandler } from '../engine/job.js';
import type { AlertIntake } from '../incidents/alert-intake.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import type { Clock } from '../time/clock.js';
import { findWindow, maintenanceJob, runningWindows } from './maintenance-store.js';
import { syncRecurringMaintenance } from './recurring-maintenance.js';
import { describeWindow, holdingWindow, wasCancelled, windowEnd, type MaintenanceWindow } from './maintenance-window.js';

/** A release is swept once more this long after a window ends: a replica that had not yet seen the end may have held one more alert meanwhile. */
const SWEEP_AFTER_MS = 5_000;

interface HeldRow {
  id: number;
  source: NormalizedAlert['source'];
  fingerprint: string;
  title: string;
  description: string | null;
  source_severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  links: Record<string, string>;
  starts_at: Date;
}

export interface MaintenanceJobDeps {
  database: Database;
  intake: AlertIntake;
  delivery: Delivery;
  oncall: () => OncallConfig;
  /** INCIDENTS_CHANNEL: where a window without a team (or whose team has no channel) is announced. */
  incidentsChannel?: string;
  /** REPORT_TIMEZONE: the zone announcements give times in (a channel has readers in many). */
  timeZone?: string;
  clock: Clock;
  log: Logger;
}

/**
 * A window's start is announced in its team's channel; at its end the alerts it held that are
 * still firing open their incidents (unless another running window holds them), and the end is
 * announced with how many alerts it held.
 */
export function maintenanceJobHandlers(deps: MaintenanceJobDeps): Map<string, JobHandler> {
  const announce = async (window: MaintenanceWindow, key: string, text: string) => {
    const channel = (window.teamKey ? deps.oncall().teams[window.teamKey]?.channel : undefined) ?? deps.incidentsChannel;
    if (!channel || deps.delivery.ports.length === 0) {
      deps.log.info({ window: window.id }, 'maintenance window not announced: no team channel or INCIDENTS_CHANNEL, or no chat platform');
      return;
    }
    const title = text.split('\n')[0]!;
    await forEachPlatform(deps.delivery.ports, async (port) => {
      await deps.delivery.deliverOnce(key, { kind: 'named-channel', via: port.platform, name: channel, setting: window.teamKey ? `teams.${window.teamKey}.channel` : 'INCIDENTS_CHANNEL' }, { summary: title, title, color: 'blue', sections: [{ text: text.split('\n').slice(1).join('\n') }] });
    });
  };

  const start: JobHandler = async (job) => {
    const window = await findWindow(deps.database.sql, Number(job.payload.id));
    const now = deps.clock.now();
    if (!window || windowEnd(window) <= now) return;
    await announce(window, `maintenance:${window.id}:start`, `Maintenance #${window.id} started\n${describeWindow(window, deps.timeZone ?? 'UTC', now)}\nMatching alerts are recorded but open no incident and page nobody until it ends.`);
  };

  const end: JobHandler = async (job) => {
    const window = await findWindow(deps.database.sql, Number(job.payload.id));
    const now = deps.clock.now();
    if (!window) return;
    if (windowEnd(window) > now) {
      await deps.database.transaction((tx) => enqueueJobs(tx, [maintenanceJob(MAINTENANCE_END_JOB, window.id, windowEnd(window).getTime() - now.getTime())]));
      return;
    }
    const opened = await releaseHeld(deps, now);
    if (job.payload.sweep) return;
    // Called off before it began, it held nothing and its start was never announced: nor is its end.
    if (!wasCancelled(window)) {
      const [{ held }] = (await deps.database.sql.query<{ held: number }>(sql`SELECT count(*)::int AS held FROM alerts WHERE held_by_window = ${window.id}::int`)) as [{ held: number }];
      const incidents = opened.length ? ` Still firing, these open their incidents now: ${opened.map(incidentLabel).join(', ')}.` : '';
      await announce(window, `maintenance:${window.id}:end`, `Maintenance #${window.id} ended\n${describeWindow(window, deps.timeZone ?? 'UTC', now)}\nIt held ${Number(held)} alert(s).${incidents}`);
    }
    await deps.database.transaction((tx) => enqueueJobs(tx, [maintenanceJob(MAINTENANCE_END_JOB, window.id, SWEEP_AFTER_MS, { sweep: true })]));
    // A recurring window plans the one after it; a cancelled one, as of when it would have ended.
    if (window.origin === 'oncall.yaml') {
      await syncRecurringMaintenance(deps.database, deps.oncall(), now, wasCancelled(window) && window.endsAt > now ? window.endsAt : now);
    }
  };

  return new Map([
    [MAINTENANCE_START_JOB, start],
    [MAINTENANCE_END_JOB, end],
  ]);
}

/** Every held alert still firing that no running window holds any more opens (or joins) its incident; returns the incidents. */
async function releaseHeld(deps: MaintenanceJobDeps, now: Date): Promise<number[]> {
  const rows = await deps.database.sql.query<HeldRow>(sql`
    SELECT id, source, fingerprint, title, description, source_severity, labels, annotations, links, starts_at FROM alerts
    WHERE status = 'firing' AND incident_id IS NULL AND held_by_window IS NOT NULL ORDER BY id`);
  if (rows.length === 0) return [];
  const running = await runningWindows(deps.database.sql, now);
  const config = deps.oncall();
  const free = rows
    .map((row): NormalizedAlert => ({
      source: row.source,
      fingerprint: row.fingerprint,
      status: 'firing',
      title: row.title,
      ...(row.description ? { description: row.description } : {}),
      ...(row.source_severity ? { sourceSeverity: row.source_severity } : {}),
      labels: row.labels,
      annotations: row.annotations,
      links: row.links,
      startsAt: new Date(row.starts_at),
    }))
    .filter((alert) => {
      const decision = routeAlert(alert, config);
      return !holdingWindow(running, { labels: alert.labels, service: decision.service, team: decision.team }, now);
    });
  if (free.length === 0) return [];
  const results = await deps.intake.release(free);
  return [...new Set(results.flatMap((result) => (result.outcome === 'created' && result.incidentId ? [result.incidentId] : [])))];
}
