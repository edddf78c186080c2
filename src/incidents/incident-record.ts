import type { PrismaClient } from '../db/database.js';
import type { AlertStatus, IncidentStatus } from '../db/generated/enums.js';

/** A person as every view of an incident names them: by name, and by mention on each platform. */
export interface PersonRef {
  id: number;
  name: string;
  slackId: string | null;
  discordId: string | null;
  mattermostId: string | null;
  teamsId: string | null;
}

export interface IncidentAlertRecord {
  source: string;
  fingerprint: string;
  status: AlertStatus;
  title: string;
  description: string | null;
  sourceSeverity: string | null;
  labels: unknown;
  links: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  fireCount: number;
  /** Set while it is flapping (FLAP_DETECTION), with how often it fired in the window. */
  flapping: { since: Date; fires: number } | null;
  /** Whether the alert still belongs to this incident (it may have moved on to a newer one). */
  current: boolean;
}

/**
 * One incident as it is stored, read in one query: the single mapping from the database that the
 * chat card, the postmortem and the read API each shape into what they show.
 */
export interface IncidentRecord {
  id: number;
  title: string;
  severity: number;
  status: IncidentStatus;
  private: boolean;
  team: { key: string; name: string } | null;
  service: string | null;
  source: string;
  routeId: string | null;
  playbookId: string | null;
  summary: string | null;
  openedAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  reopenCount: number;
  roles: { role: string; person: PersonRef }[];
  /** In the order they joined the incident. */
  alerts: IncidentAlertRecord[];
  playbook: {
    name: string;
    status: string;
    currentStepId: string | null;
    /** The steps as the run's copy of the playbook lists them, with what happened to each. */
    steps: { id: string; title: string; status: string | null; by: string | null; choice: string | null }[];
  } | null;
}

export const PERSON_REF_SELECT = { id: true, name: true, slackId: true, discordId: true, mattermostId: true, teamsId: true } as const;

export async function loadIncidentRecord(prisma: PrismaClient, id: number): Promise<IncidentRecord | undefined> {
  const incident = await prisma.incident.findUnique({
    where: { id },
    include: {
      team: true,
      roles: { include: { person: { select: PERSON_REF_SELECT } }, orderBy: { role: 'asc' } },
      alerts: { include: { alert: true }, orderBy: { attachedAt: 'asc' } },
      playbookRun: { include: { steps: { include: { actor: { select: { name: true } } } } } },
    },
  });
  if (!incident) return undefined;
  const run = incident.playbookRun;
  const definition = (run?.definition as { steps?: { id: string; title: string }[] } | undefined)?.steps ?? [];
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    private: incident.private,
    team: incident.team ? { key: incident.team.key, name: incident.team.name } : null,
    service: incident.service,
    source: incident.source,
    routeId: incident.routeId,
    playbookId: incident.playbookId,
    summary: incident.summary,
    openedAt: incident.openedAt,
    acknowledgedAt: incident.acknowledgedAt,
    mitigatedAt: incident.mitigatedAt,
    resolvedAt: incident.resolvedAt,
    reopenCount: incident.reopenCount,
    roles: incident.roles.map((role) => ({ role: role.role, person: role.person })),
    alerts: incident.alerts.map(({ alert }) => ({
      source: alert.source,
      fingerprint: alert.fingerprint,
      status: alert.status,
      title: alert.title,
      description: alert.description,
      sourceSeverity: alert.sourceSeverity,
      labels: alert.labels,
      links: alert.links as Record<string, string>,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      fireCount: alert.fireCount,
      flapping: alert.flappingSince ? { since: alert.flappingSince, fires: alert.recentFires.length } : null,
      current: alert.incidentId === incident.id,
    })),
    playbook: run
      ? {
          name: run.playbookName,
          status: run.status,
          currentStepId: run.currentStepId,
          steps: definition.map((step) => {
            const state = run.steps.find((s) => s.stepId === step.id);
            return { id: step.id, title: step.title, status: state?.status ?? null, by: state?.actor?.name ?? null, choice: state?.choice ?? null };
          }),
        }
      : null,
  };
}
