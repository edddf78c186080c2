import { chatIdsOf } from '../chat/chat-identity.js';
import type { PrismaClient } from '../db/database.js';
import type { IncidentAccessFacts } from './permissions.js';

/**
 * What an access decision needs to know of an incident (team, commander, privacy), read from the
 * database; for a private incident, also whether the requester is one of the people in it.
 */
export async function incidentAccessFacts(prisma: PrismaClient, number: number, requesterPersonId?: number): Promise<IncidentAccessFacts> {
  const incident = await prisma.incident.findUnique({
    where: { id: number },
    select: { private: true, team: { select: { key: true } }, roles: { where: { role: 'commander' }, select: { personId: true } } },
  });
  if (!incident) return { number };
  const facts: IncidentAccessFacts = { number, team: incident.team?.key, commanderPersonId: incident.roles[0]?.personId, private: incident.private };
  if (incident.private && requesterPersonId !== undefined) facts.requesterIsIn = await isInIncident(prisma, number, requesterPersonId);
  return facts;
}

/**
 * Whether a person is one of the people in an incident: a role on it, paged for it, an entry of
 * theirs on its timeline, or invited to its chat channel. The web console's `visibleTo`
 * (src/web/incident-visibility.ts) is the same rule in SQL, for lists; a test holds them equal.
 */
export async function isInIncident(prisma: PrismaClient, incidentId: number, personId: number): Promise<boolean> {
  const person = await prisma.person.findUnique({ where: { id: personId }, select: { slackId: true, discordId: true, mattermostId: true, teamsId: true } });
  const chatIds = person ? chatIdsOf(person) : [];
  const found = await prisma.incident.count({
    where: {
      id: incidentId,
      OR: [
        { roles: { some: { personId } } },
        { pages: { some: { personId } } },
        { timeline: { some: { actorType: 'person', actorId: personId } } },
        ...(chatIds.length ? [{ channels: { some: { invites: { some: { userId: { in: chatIds } } } } } }] : []),
      ],
    },
  });
  return found > 0;
}
