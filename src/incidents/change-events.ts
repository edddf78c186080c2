import type { Database, PrismaClient } from '../db/database.js';
import { json, sql } from '../db/sql.js';
import type { ChangeEvent } from '../alerts/pagerduty-change.js';
import type { RouteDecision } from '../alerts/routing.js';
import { sourceActor } from './actor.js';
import { oneLine } from './one-line.js';
import { appendTimeline } from './timeline.js';

/** At most this many open incidents hear of one change: a change to a busy team's everything is still bounded work. */
const MAX_INCIDENTS_PER_CHANGE = 100;

export interface RecordedChange {
  id: number;
  /** The open incidents whose timeline now shows it. */
  incidentIds: number[];
}

export function changeText(change: { summary: string; source?: string | null }): string {
  return `Change: ${oneLine(change.summary)}${change.source ? ` (${oneLine(change.source)})` : ''}`;
}

/**
 * Stores a change event and notes it on the timeline of the open incidents of the same service
 * (of the same team when the change names no service), in one transaction.
 */
export async function recordChange(
  database: Database,
  change: ChangeEvent,
  decision: Pick<RouteDecision, 'routeId' | 'service' | 'team'>,
  options: { now: Date; keepKeyHash: boolean },
): Promise<RecordedChange> {
  const service = decision.service ?? null;
  const team = decision.team ?? null;
  return database.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>(sql`
      INSERT INTO change_events (summary, source, at, received_at, route_id, service, team_key, details, links, routing_key_hash)
      VALUES (${change.summary}, ${change.source ?? null}, ${change.at}::timestamptz, ${options.now}::timestamptz, ${decision.routeId},
              ${service}, ${team}, ${json(change.details)}::jsonb, ${json(change.links)}::jsonb, ${options.keepKeyHash ? change.routingKeyHash : null})
      RETURNING id`);
    const id = Number(row!.id);
    if (service === null && team === null) return { id, incidentIds: [] };
    const open = await tx.query<{ id: number }>(sql`
      SELECT i.id FROM incidents i LEFT JOIN teams t ON t.id = i.team_id
      WHERE i.status <> 'resolved'
        AND ((${service}::text IS NOT NULL AND i.service = ${service}::text) OR (${service}::text IS NULL AND t.key = ${team}::text))
      ORDER BY i.id LIMIT ${MAX_INCIDENTS_PER_CHANGE}`);
    const incidentIds = open.map((incident) => Number(incident.id));
    await appendTimeline(
      tx,
      incidentIds.map((incidentId) => ({
        incidentId,
        at: options.now,
        kind: 'change',
        actor: sourceActor('pagerduty'),
        text: changeText(change),
        data: { changeId: id, changedAt: change.at.toISOString(), links: change.links },
      })),
    );
    return { id, incidentIds };
  });
}

export interface ChangeNearIncident {
  at: Date;
  summary: string;
  source: string | null;
  service: string | null;
  links: Record<string, string>;
}

/**
 * The changes that may explain an incident: from `windowMs` before it opened until it resolved,
 * of its service, or of its team where the change or the incident names no service.
 */
export async function changesNear(
  prisma: PrismaClient,
  incident: { openedAt: Date; resolvedAt: Date | null; service: string | null; teamKey: string | null },
  windowMs: number,
  now: Date,
): Promise<ChangeNearIncident[]> {
  const where = [
    ...(incident.service ? [{ service: incident.service }] : []),
    ...(incident.teamKey ? [{ teamKey: incident.teamKey, ...(incident.service ? { service: null } : {}) }] : []),
  ];
  if (where.length === 0) return [];
  const rows = await prisma.changeEvent.findMany({
    where: { at: { gte: new Date(incident.openedAt.getTime() - windowMs), lte: incident.resolvedAt ?? now }, OR: where },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
    take: 50,
  });
  return rows.map((row) => ({ at: row.at, summary: row.summary, source: row.source, service: row.service, links: row.links as Record<string, string> }));
}
