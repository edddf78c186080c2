import type { PrismaClient } from '../db/database.js';
import type { IncidentStatus } from '../db/generated/enums.js';

export interface PersonRef {
  id: number;
  name: string;
  slackId: string | null;
  discordId: string | null;
}

/** What chat shows of an incident, read fresh each time a card or channel is brought up to date. */
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
  playbook: { name: string; currentStepTitle: string | null; status: string } | null;
}

const personSelect = { id: true, name: true, slackId: true, discordId: true } as const;

export async function loadIncidentFacts(prisma: PrismaClient, id: number): Promise<IncidentFacts | undefined> {
  const incident = await prisma.incident.findUnique({
    where: { id },
    include: {
      team: true,
      roles: { include: { person: { select: personSelect } }, orderBy: { role: 'asc' } },
      pages: { include: { person: { select: personSelect } } },
      alerts: { include: { alert: true }, orderBy: { attachedAt: 'asc' } },
      playbookRun: true,
    },
  });
  if (!incident) return undefined;
  const declared = await prisma.timelineEvent.findFirst({
    where: { incidentId: id, kind: 'incident.declared', actorType: 'person' },
    orderBy: { id: 'asc' },
    select: { actor: { select: personSelect } },
  });
  const first = incident.alerts[0]?.alert;
  const run = incident.playbookRun;
  const steps = (run?.definition as { steps?: { id: string; title: string }[] } | undefined)?.steps ?? [];
  const paged = new Map(incident.pages.map((page) => [page.person.id, page.person]));
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
    roles: incident.roles.map((role) => ({ role: role.role, person: role.person })),
    paged: [...paged.values()],
    declaredBy: declared?.actor ?? null,
    firstAlert: first ? { title: first.title, description: first.description, links: first.links as Record<string, string> } : null,
    alertCount: incident.alerts.length,
    firingCount: incident.alerts.filter(({ alert }) => alert.status === 'firing' && alert.incidentId === incident.id).length,
    playbook: run
      ? { name: run.playbookName, status: run.status, currentStepTitle: steps.find((step) => step.id === run.currentStepId)?.title ?? null }
      : null,
  };
}
