import type { PrismaClient } from '../db/database.js';
import type { OncallConfig, PersonConfig } from './oncall-config.js';

/**
 * Makes the people and teams of oncall.yaml rows in the database (pages and roles point at
 * rows). A person first seen in chat is matched to their oncall.yaml entry by chat id or email
 * and keeps their history. People removed from the file are kept: the timeline names them.
 */
export async function syncDirectory(prisma: PrismaClient, oncall: OncallConfig): Promise<void> {
  const personIds = new Map<string, number>();
  for (const person of Object.values(oncall.people)) personIds.set(person.key, await upsertPerson(prisma, person));
  for (const team of Object.values(oncall.teams)) {
    const row = await prisma.team.upsert({ where: { key: team.key }, create: { key: team.key, name: team.name }, update: { name: team.name } });
    const members = team.members.map((key) => personIds.get(key)).filter((id): id is number => id !== undefined);
    await prisma.$transaction([
      prisma.teamMember.deleteMany({ where: { teamId: row.id, personId: { notIn: members } } }),
      ...members.map((personId) =>
        prisma.teamMember.upsert({ where: { teamId_personId: { teamId: row.id, personId } }, create: { teamId: row.id, personId }, update: {} }),
      ),
    ]);
  }
}

async function upsertPerson(prisma: PrismaClient, person: PersonConfig): Promise<number> {
  const email = person.email?.toLowerCase() ?? null;
  const matches = await prisma.person.findMany({
    where: {
      OR: [
        { handle: person.key },
        ...(person.slackId ? [{ slackId: person.slackId }] : []),
        ...(person.discordId ? [{ discordId: person.discordId }] : []),
        ...(email ? [{ email }] : []),
      ],
    },
    orderBy: { id: 'asc' },
  });
  const data = { handle: person.key, name: person.name, email, slackId: person.slackId ?? null, discordId: person.discordId ?? null, timeZone: person.timeZone };
  const [keep, ...duplicates] = matches;
  if (!keep) return (await prisma.person.create({ data })).id;
  // Identities found on other rows move to the kept one; the unique keys allow one holder each.
  for (const duplicate of duplicates) {
    await prisma.person.update({ where: { id: duplicate.id }, data: { handle: null, slackId: null, discordId: null, email: null } });
  }
  return (await prisma.person.update({ where: { id: keep.id }, data })).id;
}
