import type { PrismaClient } from '../db/database.js';
import type { IncidentStatus } from '../db/generated/enums.js';
import { loadIncidentRecord } from './incident-record.js';
import { incidentLabel, OPEN_STATUSES, severityLabel } from './incident-rules.js';

export type IncidentListFilter = 'open' | IncidentStatus | 'all';

export interface IncidentSummary {
  number: number;
  id: string;
  title: string;
  severity: string;
  status: IncidentStatus;
  team: string | null;
  service: string | null;
  private: boolean;
  source: string;
  openedAt: string;
  acknowledgedAt: string | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  alertCount: number;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Newest first; `groupKey` narrows to the open incident alerts of that group join. */
export async function listIncidents(prisma: PrismaClient, filter: IncidentListFilter, limit: number, groupKey?: string): Promise<IncidentSummary[]> {
  const where = {
    ...(filter === 'all' ? {} : filter === 'open' ? { status: { in: OPEN_STATUSES } } : { status: filter }),
    ...(groupKey !== undefined ? { openGroupKey: groupKey } : {}),
  };
  const incidents = await prisma.incident.findMany({
    where,
    orderBy: { id: 'desc' },
    take: limit,
    include: { team: true, _count: { select: { alerts: true } } },
  });
  return incidents.map((incident) => ({
    number: incident.id,
    id: incidentLabel(incident.id),
    title: incident.title,
    severity: severityLabel(incident.severity),
    status: incident.status,
    team: incident.team?.key ?? null,
    service: incident.service,
    private: incident.private,
    source: incident.source,
    openedAt: incident.openedAt.toISOString(),
    acknowledgedAt: iso(incident.acknowledgedAt),
    mitigatedAt: iso(incident.mitigatedAt),
    resolvedAt: iso(incident.resolvedAt),
    alertCount: incident._count.alerts,
  }));
}

/** An incident as the read API shows it. */
export async function getIncident(prisma: PrismaClient, id: number) {
  const incident = await loadIncidentRecord(prisma, id);
  if (!incident) return undefined;
  return {
    number: incident.id,
    id: incidentLabel(incident.id),
    title: incident.title,
    severity: severityLabel(incident.severity),
    status: incident.status,
    team: incident.team?.key ?? null,
    service: incident.service,
    private: incident.private,
    source: incident.source,
    route: incident.routeId,
    playbook: incident.playbookId,
    summary: incident.summary,
    openedAt: incident.openedAt.toISOString(),
    acknowledgedAt: iso(incident.acknowledgedAt),
    mitigatedAt: iso(incident.mitigatedAt),
    resolvedAt: iso(incident.resolvedAt),
    reopenCount: incident.reopenCount,
    roles: Object.fromEntries(incident.roles.map((role) => [role.role, role.person.name])),
    alertCount: incident.alerts.length,
    alerts: incident.alerts.map((alert) => ({
      source: alert.source,
      fingerprint: alert.fingerprint,
      status: alert.status,
      title: alert.title,
      severity: alert.sourceSeverity,
      labels: alert.labels,
      links: alert.links,
      startsAt: alert.startsAt.toISOString(),
      endsAt: iso(alert.endsAt),
      fireCount: alert.fireCount,
    })),
  };
}

export async function getTimeline(prisma: PrismaClient, id: number, options: { limit: number; afterId?: bigint }) {
  const events = await prisma.timelineEvent.findMany({
    where: { incidentId: id, ...(options.afterId !== undefined ? { id: { gt: options.afterId } } : {}) },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
    take: options.limit,
  });
  return events.map((event) => ({
    id: String(event.id),
    at: event.at.toISOString(),
    kind: event.kind,
    actor: { type: event.actorType, name: event.actorName },
    text: event.text,
    ...(event.tag ? { tag: event.tag } : {}),
    ...(event.data ? { data: event.data } : {}),
  }));
}
