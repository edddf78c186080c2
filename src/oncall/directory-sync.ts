import type { DbTransaction, PrismaClient } from '../db/database.js';
import type { OncallConfig, PersonConfig } from './oncall-config.js';

// Held for the length of one sync: replicas that start or reload together take turns, so none
// of them races another to the same unique key.
const DIRECTORY_SYNC_LOCK = 72707372;

/**
 * Makes the people and teams of oncall.yaml rows in the database (pages and roles point at
 * rows), in one transaction: a sync that fails leaves the directory as it was. The chat ids the
 * file gives are authoritative: an id moves to the person the file names, whoever held it.
 * People removed from the file are kept: the timeline names them.
 */
export async function syncDirectory(prisma: PrismaClient, oncall: OncallConfig): Promise<void> {
  await prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${DIRECTORY_SYNC_LOCK}::bigint)`;
      const personIds = new Map<string, number>();
      for (const person of Object.values(oncall.people)) personIds.set(person.key, await upsertPerson(tx, person));
      for (const team of Object.values(oncall.teams)) {
        const row = await tx.team.upsert({ where: { key: team.key }, create: { key: team.key, name: team.name }, update: { name: team.name } });
        const members = team.members.map((key) => personIds.get(key)).filter((id): id is number => id !== undefined);
        await tx.teamMember.deleteMany({ where: { teamId: row.id, personId: { notIn: members } } });
        await tx.teamMember.createMany({ data: members.map((personId) => ({ teamId: row.id, personId })), skipDuplicates: true });
      }
    },
    // Waiting for another replica's sync is part of the transaction's time.
    { maxWait: 30_000, timeout: 120_000 },
  );
}

async function upsertPerson(tx: DbTransaction, person: PersonConfig): Promise<number> {
  const email = person.email?.toLowerCase() ?? null;
  // The person's own row; else a row first seen in chat under an id the file now gives them.
  const own =
    (await tx.person.findUnique({ where: { handle: person.key } })) ??
    (person.slackId ? await tx.person.findFirst({ where: { slackId: person.slackId, handle: null } }) : null) ??
    (person.discordId ? await tx.person.findFirst({ where: { discordId: person.discordId, handle: null } }) : null) ??
    (person.mattermostId ? await tx.person.findFirst({ where: { mattermostId: person.mattermostId, handle: null } }) : null) ??
    (person.teamsId ? await tx.person.findFirst({ where: { teamsId: person.teamsId, handle: null } }) : null);
  const others = own ? { id: { not: own.id } } : {};

  // Identifiers the file gives this person leave whoever else holds them.
  if (person.slackId) await tx.person.updateMany({ where: { ...others, slackId: person.slackId }, data: { slackId: null, slackLinkedByEmail: false } });
  if (person.discordId) await tx.person.updateMany({ where: { ...others, discordId: person.discordId }, data: { discordId: null } });
  if (person.mattermostId) await tx.person.updateMany({ where: { ...others, mattermostId: person.mattermostId }, data: { mattermostId: null } });
  if (person.teamsId) await tx.person.updateMany({ where: { ...others, teamsId: person.teamsId }, data: { teamsId: null } });
  if (email) {
    // Someone first seen in chat under this email is not this person on the chat platform's word
    // alone: their id is dropped too, so their next command goes through the audited email link.
    const slackIdToo = !person.slackId && !own?.slackId;
    await tx.person.updateMany({ where: { ...others, email, handle: null }, data: { email: null, ...(slackIdToo ? { slackId: null, slackLinkedByEmail: false } : {}) } });
    await tx.person.updateMany({ where: { ...others, email }, data: { email: null } });
  }

  // An id the file names replaces any other; with none named, only an id linked by confirmed email stays.
  const slack = person.slackId
    ? { slackId: person.slackId, slackLinkedByEmail: false }
    : own?.slackLinkedByEmail
      ? {}
      : { slackId: null, slackLinkedByEmail: false };
  const data = { handle: person.key, name: person.name, email, discordId: person.discordId ?? null, mattermostId: person.mattermostId ?? null, teamsId: person.teamsId ?? null, timeZone: person.timeZone, ...slack };
  if (!own) return (await tx.person.create({ data })).id;
  return (await tx.person.update({ where: { id: own.id }, data })).id;
}
