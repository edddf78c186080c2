import type { PrismaClient } from '../db/database.js';
import type { Person } from '../db/generated/client.js';
import type { Actor } from '../incidents/actor.js';
import type { ChatPlatformName, ChatPort } from './chat-port.js';

/**
 * Maps chat users to people, so the timeline and roles name people rather than ids. A user is
 * found by platform id, else by the email the platform reports (people listed in oncall.yaml
 * carry their email), else created on first sight.
 */
export class PeopleDirectory {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ports: Partial<Record<ChatPlatformName, ChatPort>> = {},
  ) {}

  register(port: ChatPort): void {
    this.ports[port.platform] = port;
  }

  /** The person already known by this platform id, from the database alone (no platform call, nothing created). */
  async knownPerson(platform: ChatPlatformName, userId: string): Promise<Person | undefined> {
    const idField = platform === 'slack' ? 'slackId' : 'discordId';
    return (await this.prisma.person.findUnique({ where: { [idField]: userId } as { slackId: string } })) ?? undefined;
  }

  async personFor(platform: ChatPlatformName, userId: string, nameHint?: string): Promise<Person> {
    const known = await this.knownPerson(platform, userId);
    if (known) return known;
    const idField = platform === 'slack' ? 'slackId' : 'discordId';
    const profile = await this.ports[platform]?.getUser(userId).catch(() => undefined);
    const email = profile?.email?.toLowerCase();
    if (email) {
      const byEmail = await this.prisma.person.findUnique({ where: { email } });
      if (byEmail) return this.prisma.person.update({ where: { id: byEmail.id }, data: { [idField]: userId } });
    }
    const data = { name: profile?.name ?? nameHint ?? userId, email: email ?? null, timeZone: profile?.timeZone ?? 'UTC', [idField]: userId };
    try {
      return await this.prisma.person.create({ data });
    } catch {
      // Created by a concurrent request for the same user.
      return this.prisma.person.findUniqueOrThrow({ where: { [idField]: userId } as { slackId: string } });
    }
  }

  async actorFor(platform: ChatPlatformName, userId: string, nameHint?: string): Promise<{ actor: Actor; person: Person }> {
    const person = await this.personFor(platform, userId, nameHint);
    return { actor: { kind: 'person', personId: person.id, name: person.name }, person };
  }
}
