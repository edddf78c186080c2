import type { PrismaClient } from '../db/database.js';
import type { IncidentAccessFacts } from './permissions.js';

/** What an access decision needs to know of an incident (team, commander), read from the database. */
export async function incidentAccessFacts(prisma: PrismaClient, number: number): Promise<IncidentAccessFacts> {
  const incident = await prisma.incident.findUnique({
    where: { id: number },
    select: { team: { select: { key: true } }, roles: { where: { role: 'commander' }, select: { personId: true } } },
  });
  if (!incident) return { number };
  return { number, team: incident.team?.key, commanderPersonId: incident.roles[0]?.personId };
}
