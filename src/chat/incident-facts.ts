import type { PrismaClient } from '../db/database.js';
import type { IncidentStatus } from '../db/generated/enums.js';
import { loadIncidentRecord, PERSON_REF_SELECT, type PersonRef } from '../incidents/incident-record.js';

/** What chat shows of an incident. */
export interface IncidentFacts {
  id: number;
  title: string;
  severity: number;
  status: IncidentStatus;
  private: boolean;
  team: string | null;
  service: string | null;
  source: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  summary: string | null;
  roles: { role: string; person: PersonRef }[];
  /** People paged for it, who are invited to its channel. */
  paged: PersonRef[];
  /** Who declared it in chat (not set for incidents opened by alerts), also invited to its channel. */
  declaredBy: PersonRef | null;
  firstAlert: { title: string; description: string | null; links: Record<string, string> } | null;
  alertCount: number;
  firingCount: number;
  /** Its alerts that are flapping now: "DiskFull on node-1", fired 3 times in the window. */
  flapping: { title: string; fires: number }[];
  playbook: { name: string; currentStepTitle: string | null; status: string } | null;
}

/** What chat shows of an incident, read fresh each time a card or channel is brought up to date. */
export async function loadIncidentFacts(prisma: PrismaClient, id: number): Promise<IncidentFacts | undefined> {
  const incident = await loadIncidentRecord(prisma, id);
  if (!incident) return undefined;
  const [pages, declared] = await Promise.all([
    prisma.page.findMany({ where: { incidentId: id }, select: { person: { select: PERSON_REF_SELECT } }, orderBy: { id: 'asc' } }),
    prisma.timelineEvent.findFirst({ where: { incidentId: id, kind: 'incident.declared', actorType: 'person' }, orderBy: { id: 'asc' }, select: { actor: { select: PERSON_REF_SELECT } } }),
  ]);
  const first = incident.alerts[0];
  const run = incident.playbook;
  const paged = new Map(pages.map((page) => [page.person.id, page.person]));
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    private: incident.private,
    team: incident.team?.name ?? null,
    service: incident.service,
    source: incident.source,
    openedAt: incident.openedAt,
    acknowledgedAt: incident.acknowledgedAt,
    mitigatedAt: incident.mitigatedAt,
    resolvedAt: incident.resolvedAt,
    summary: incident.summary,
    roles: incident.roles,
    paged: [...paged.values()],
    declaredBy: declared?.actor ?? null,
    firstAlert: first ? { title: first.title, description: first.description, links: first.links } : null,
    alertCount: incident.alerts.length,
    firingCount: incident.alerts.filter((alert) => alert.status === 'firing' && alert.current).length,
    flapping: incident.alerts.flatMap((alert) => (alert.flapping && alert.current ? [{ title: alert.title, fires: alert.flapping.fires }] : [])),
    playbook: run ? { name: run.name, status: run.status, currentStepTitle: run.steps.find((step) => step.id === run.currentStepId)?.title ?? null } : null,
  };
}
