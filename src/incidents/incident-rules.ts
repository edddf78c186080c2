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

export function incidentLabel(id: number): string {
  return `INC-${id}`;
}

export function severityLabel(severity: number): string {
  return `SEV${severity}`;
}
