import type { IncidentStatus } from '../db/generated/enums.js';

/** Pure lifecycle rules, shared by ingestion and commands. */

export const OPEN_STATUSES: IncidentStatus[] = ['triggered', 'acknowledged', 'mitigated'];

export function isOpen(status: IncidentStatus): boolean {
  return status !== 'resolved';
}

/** When the last alert of an incident clears: resolve it, unless a human already took it on. */
export function onAllAlertsCleared(incident: { status: IncidentStatus; acknowledgedAt: Date | null }): 'auto-resolve' | 'note-only' | 'nothing' {
  if (incident.status === 'resolved') return 'nothing';
  return incident.status === 'triggered' && incident.acknowledgedAt === null ? 'auto-resolve' : 'note-only';
}

/** An alert firing again shortly after its incident resolved is the same problem (flapping). */
export function shouldReopen(resolvedAt: Date | null, now: Date, reopenWindowMs: number): boolean {
  return resolvedAt !== null && now.getTime() - resolvedAt.getTime() <= reopenWindowMs;
}

/**
 * A firing notification of an occurrence that had already ended: it started before the alert's
 * recorded resolution. Alertmanager (Grafana's too) re-sends firing notifications every
 * repeat_interval, and a peer of an HA pair that has not yet heard of the resolve may deliver
 * one after it; such a repeat neither re-opens the incident nor opens a new one. A new
 * occurrence starts after the resolution (an equal instant counts as new: senders that stamp
 * an alert with the time it arrived may stamp a quick re-trigger with the resolve's instant).
 * PagerDuty is left out: there a trigger after a resolve always starts a new incident, whatever
 * its payload.timestamp says.
 */
export function isRepeatOfEndedOccurrence(
  alert: { source: string; status: 'firing' | 'resolved'; startsAt: Date },
  stored: { status: 'firing' | 'resolved'; endsAt: Date | null },
): boolean {
  if (alert.source === 'pagerduty' || alert.status !== 'firing' || stored.status !== 'resolved' || stored.endsAt === null) return false;
  return alert.startsAt.getTime() < stored.endsAt.getTime();
}

export function incidentLabel(id: number): string {
  return `INC-${id}`;
}

export function severityLabel(severity: number): string {
  return `SEV${severity}`;
}
