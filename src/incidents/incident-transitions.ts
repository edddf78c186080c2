import { sql, type Sql } from '../db/sql.js';
import type { IncidentStatus } from '../db/generated/enums.js';
import { AppError } from '../errors.js';
import type { JobSpec } from '../engine/job.js';
import type { Actor } from './actor.js';
import type { IncidentEffects } from './incident-effects.js';
import { incidentLabel, severityLabel } from './incident-rules.js';
import { appendTimeline } from './timeline.js';

/** The incident columns the transitions need, read under a row lock. */
export interface LockedIncident {
  id: number;
  title: string;
  status: IncidentStatus;
  severity: number;
  groupKey: string | null;
  openGroupKey: string | null;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  escalationVersion: number;
}

export interface IncidentRow {
  id: number;
  title: string;
  status: IncidentStatus;
  severity: number;
  group_key: string | null;
  open_group_key: string | null;
  acknowledged_at: Date | null;
  mitigated_at: Date | null;
  resolved_at: Date | null;
  escalation_version: number;
}

/** The columns a LockedIncident is read from. */
export const LOCKED_INCIDENT_COLUMNS = sql`id, title, status, severity, group_key, open_group_key, acknowledged_at, mitigated_at, resolved_at, escalation_version`;

/** Locks the incident row for the rest of the transaction: concurrent changes take turns. */
export async function lockIncident(tx: Sql, id: number): Promise<LockedIncident | undefined> {
  const [row] = await tx.query<IncidentRow>(sql`SELECT ${LOCKED_INCIDENT_COLUMNS} FROM incidents WHERE id = ${id}::int FOR UPDATE`);
  return row ? lockedIncidentFromRow(row) : undefined;
}

export async function lockOpenIncidentOfGroup(tx: Sql, groupKey: string): Promise<LockedIncident | undefined> {
  return (await lockOpenIncidentsOfGroups(tx, [groupKey])).get(groupKey);
}

/** Locks the open incidents of these alert groups (one statement, in id order), by group key. */
export async function lockOpenIncidentsOfGroups(tx: Sql, groupKeys: readonly string[]): Promise<Map<string, LockedIncident>> {
  // Planned with its values each time, not prepared: see `prepared`.
  const rows = await tx.query<IncidentRow>(sql`
    SELECT ${LOCKED_INCIDENT_COLUMNS} FROM incidents WHERE open_group_key = ANY (${groupKeys}::text[]) ORDER BY id FOR UPDATE`);
  return new Map(rows.map((row) => [row.open_group_key!, lockedIncidentFromRow(row)]));
}

/**
 * Locks these incidents and the open incidents of these alert groups, in one statement in id
 * order: the order the escalation worker takes its batches in, so the two never wait on each other
 * in a cycle.
 */
export async function lockIncidentsAndOpenOfGroups(tx: Sql, ids: readonly number[], groupKeys: readonly string[]): Promise<LockedIncident[]> {
  // Planned with its values each time, not prepared: see `prepared`.
  const rows = await tx.query<IncidentRow>(sql`
    SELECT ${LOCKED_INCIDENT_COLUMNS} FROM incidents
    WHERE id = ANY (${ids}::int[]) OR open_group_key = ANY (${groupKeys}::text[]) ORDER BY id FOR UPDATE`);
  return rows.map(lockedIncidentFromRow);
}

export async function requireIncident(tx: Sql, id: number): Promise<LockedIncident> {
  const incident = await lockIncident(tx, id);
  if (!incident) throw new AppError('not_found', `There is no incident ${incidentLabel(id)}`);
  return incident;
}

export function lockedIncidentFromRow(row: IncidentRow): LockedIncident {
  return {
    id: Number(row.id),
    title: row.title,
    status: row.status,
    severity: Number(row.severity),
    groupKey: row.group_key,
    openGroupKey: row.open_group_key,
    acknowledgedAt: row.acknowledged_at ? new Date(row.acknowledged_at) : null,
    mitigatedAt: row.mitigated_at ? new Date(row.mitigated_at) : null,
    resolvedAt: row.resolved_at ? new Date(row.resolved_at) : null,
    escalationVersion: Number(row.escalation_version),
  };
}

/**
 * The state changes every path shares (commands, buttons, PagerDuty events, alert clears).
 * Each locks nothing itself: callers pass a locked incident and write the returned jobs.
 */
export class IncidentTransitions {
  constructor(private readonly effects: IncidentEffects) {}

  async acknowledge(tx: Sql, incident: LockedIncident, actor: Actor, at: Date): Promise<JobSpec[]> {
    if (incident.status === 'resolved') {
      throw new AppError('conflict', `${incidentLabel(incident.id)} is resolved; re-open it first`);
    }
    if (incident.status !== 'triggered') {
      throw new AppError('conflict', `${incidentLabel(incident.id)} is already ${incident.status}`);
    }
    const version = incident.escalationVersion + 1;
    await tx.query(sql`
      UPDATE incidents SET status = 'acknowledged', acknowledged_at = ${incident.acknowledgedAt ?? at}::timestamptz,
        escalation_version = ${version}::int, updated_at = ${at}::timestamptz
      WHERE id = ${incident.id}::int`);
    await appendTimeline(tx, [{ incidentId: incident.id, at, kind: 'status.acknowledged', actor, text: 'Acknowledged' }]);
    Object.assign(incident, { status: 'acknowledged', acknowledgedAt: incident.acknowledgedAt ?? at, escalationVersion: version });
    return this.effects.escalationChanged(tx, incident, 'acknowledged');
  }

  async mitigate(tx: Sql, incident: LockedIncident, actor: Actor, at: Date): Promise<JobSpec[]> {
    if (incident.status === 'resolved') throw new AppError('conflict', `${incidentLabel(incident.id)} is resolved; re-open it first`);
    if (incident.status === 'mitigated') throw new AppError('conflict', `${incidentLabel(incident.id)} is already mitigated`);
    const wasTriggered = incident.status === 'triggered';
    const version = wasTriggered ? incident.escalationVersion + 1 : incident.escalationVersion;
    // Mitigating is also taking the incident on: it counts as the acknowledgement if none came first.
    const acknowledgedAt = incident.acknowledgedAt ?? at;
    await tx.query(sql`
      UPDATE incidents SET status = 'mitigated', mitigated_at = ${at}::timestamptz, acknowledged_at = ${acknowledgedAt}::timestamptz,
        escalation_version = ${version}::int, updated_at = ${at}::timestamptz
      WHERE id = ${incident.id}::int`);
    await appendTimeline(tx, [{ incidentId: incident.id, at, kind: 'status.mitigated', actor, text: 'Mitigated: impact has stopped' }]);
    Object.assign(incident, { status: 'mitigated', mitigatedAt: at, acknowledgedAt, escalationVersion: version });
    return wasTriggered ? this.effects.escalationChanged(tx, incident, 'mitigated') : [];
  }

  async resolve(tx: Sql, incident: LockedIncident, actor: Actor, at: Date, summary?: string): Promise<JobSpec[]> {
    if (incident.status === 'resolved') throw new AppError('conflict', `${incidentLabel(incident.id)} is already resolved`);
    const version = incident.escalationVersion + 1;
    // Never before it opened: an alert's recorded end (resolving it by itself) can come before the
    // moment the bot received the alert and opened the incident, which would make MTTR negative.
    const [row] = await tx.query<{ resolved_at: Date | string }>(sql`
      UPDATE incidents SET status = 'resolved', resolved_at = GREATEST(${at}::timestamptz, opened_at), open_group_key = NULL,
        escalation_version = ${version}::int, summary = COALESCE(${summary ?? null}, summary), updated_at = ${at}::timestamptz
      WHERE id = ${incident.id}::int RETURNING resolved_at`);
    const resolvedAt = row ? new Date(row.resolved_at) : at;
    const text = summary ? `Resolved: ${summary}` : 'Resolved';
    await appendTimeline(tx, [{ incidentId: incident.id, at: resolvedAt, kind: 'status.resolved', actor, text }]);
    Object.assign(incident, { status: 'resolved', resolvedAt, openGroupKey: null, escalationVersion: version });
    return this.effects.escalationChanged(tx, incident, 'resolved');
  }

  /**
   * Re-opens a resolved incident. Refused when another open incident already holds its alert
   * group (the caller attaches to that one instead).
   */
  /** `how`: 'reopened-flapping' when a flapping alert re-opens it (escalation then skips the people already paged). */
  async reopen(tx: Sql, incident: LockedIncident, actor: Actor, at: Date, reason: string, how: 'reopened' | 'reopened-flapping' = 'reopened'): Promise<JobSpec[]> {
    if (incident.status !== 'resolved') throw new AppError('conflict', `${incidentLabel(incident.id)} is not resolved`);
    if (incident.groupKey) {
      const holder = await lockOpenIncidentOfGroup(tx, incident.groupKey);
      if (holder) {
        throw new AppError('conflict', `${incidentLabel(holder.id)} is already open for the same alerts; use that one`);
      }
    }
    const version = incident.escalationVersion + 1;
    await tx.query(sql`
      UPDATE incidents SET status = 'triggered', resolved_at = NULL, open_group_key = ${incident.groupKey},
        escalation_version = ${version}::int, reopen_count = reopen_count + 1, updated_at = ${at}::timestamptz,
        -- The summary told how it was resolved; open again, that is over (the timeline keeps it).
        summary = NULL
      WHERE id = ${incident.id}::int`);
    await appendTimeline(tx, [{ incidentId: incident.id, at, kind: 'status.reopened', actor, text: `Re-opened: ${reason}` }]);
    Object.assign(incident, { status: 'triggered', resolvedAt: null, openGroupKey: incident.groupKey, escalationVersion: version });
    return this.effects.escalationChanged(tx, incident, how);
  }

  async setSeverity(tx: Sql, incident: LockedIncident, severity: number, actor: Actor, at: Date, why?: string): Promise<void> {
    if (severity === incident.severity) {
      throw new AppError('conflict', `${incidentLabel(incident.id)} is already ${severityLabel(severity)}`);
    }
    await tx.query(sql`UPDATE incidents SET severity = ${severity}::int, updated_at = ${at}::timestamptz WHERE id = ${incident.id}::int`);
    const text = `Severity ${severityLabel(incident.severity)} → ${severityLabel(severity)}${why ? ` (${why})` : ''}`;
    await appendTimeline(tx, [{ incidentId: incident.id, at, kind: 'severity.changed', actor, text, data: { from: incident.severity, to: severity } }]);
    incident.severity = severity;
  }
}
