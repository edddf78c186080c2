import type { PrismaClient } from '../db/database.js';
import type { Person } from '../db/generated/client.js';
import type { Actor } from '../incidents/actor.js';
import { CHAT_ID_FIELD, PLATFORM_DISPLAY_NAME as PLATFORM_NAME, type MaybeChatIdentities } from './chat-identity.js';
import type { ChatPlatformName, ChatPort, ChatUserProfile } from './chat-port.js';

/** A chat user whose platform email is a known person's: linked to them, or refused and why. */
export interface EmailMatch {
  platform: ChatPlatformName;
  userId: string;
  person: Person;
  linked: boolean;
  /** Why the user was not linked, in words for the audit trail. */
  refusal?: string;
}

/**
 * Why a chat user whose platform email equals `person`'s must not become that person; undefined
 * when they may. An id the person already has (from oncall.yaml or an earlier link) is never
 * replaced, and only an address the platform says its owner confirmed counts: Discord cannot
 * say, so it never links by email.
 */
export function emailLinkRefusal(platform: ChatPlatformName, profile: ChatUserProfile, person: Pick<Person, 'name'> & MaybeChatIdentities): string | undefined {
  const existing = person[CHAT_ID_FIELD[platform]];
  if (existing) return `${person.name} already has the ${PLATFORM_NAME[platform]} account ${existing}; an email match never replaces it`;
  if (profile.emailConfirmed !== true) return `${PLATFORM_NAME[platform]} does not say this account confirmed the email address`;
  return undefined;
}

/**
 * Maps chat users to people, so the timeline and roles name people rather than ids. A user is
 * found by platform id (oncall.yaml's ids are synced into the same column), else linked by the
 * email the platform reports when emailLinkRefusal allows it, else created on first sight.
 */
export class PeopleDirectory {
  private readonly emailMatchListeners: ((match: EmailMatch) => Promise<void>)[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ports: Partial<Record<ChatPlatformName, ChatPort>> = {},
  ) {}

  register(port: ChatPort): void {
    this.ports[port.platform] = port;
  }

  /** Told of every email match, linked or refused (the audit trail, the notice to the person). */
  onEmailMatch(listener: (match: EmailMatch) => Promise<void>): void {
    this.emailMatchListeners.push(listener);
  }

  /** The person already known by this platform id, from the database alone (no platform call, nothing created). */
  async knownPerson(platform: ChatPlatformName, userId: string): Promise<Person | undefined> {
    return (await this.prisma.person.findUnique({ where: { [CHAT_ID_FIELD[platform]]: userId } as { slackId: string } })) ?? undefined;
  }

  async personFor(platform: ChatPlatformName, userId: string, nameHint?: string): Promise<Person> {
    const known = await this.knownPerson(platform, userId);
    if (known) return known;
    const idField = CHAT_ID_FIELD[platform];
    const profile = await this.ports[platform]?.getUser(userId).catch(() => undefined);
    const email = profile?.email?.toLowerCase();
    const holder = email ? await this.prisma.person.findUnique({ where: { email } }) : null;
    if (holder && profile) {
      const refusal = emailLinkRefusal(platform, profile, holder);
      if (refusal) {
        await this.tell({ platform, userId, person: holder, linked: false, refusal });
      } else {
        // Only while the person still has no id here: two users racing for one person cannot both win.
        const { count } = await this.prisma.person.updateMany({
          where: { id: holder.id, [idField]: null },
          data: { [idField]: userId, ...(platform === 'slack' ? { slackLinkedByEmail: true } : {}) },
        });
        if (count === 1) {
          const person = await this.prisma.person.findUniqueOrThrow({ where: { id: holder.id } });
          await this.tell({ platform, userId, person, linked: true });
          return person;
        }
      }
    }
    // A newcomer keeps an email only if it is theirs by the platform's word and nobody holds it.
    const ownEmail = email && !holder && profile?.emailConfirmed === true ? email : null;
    const data = { name: profile?.name ?? nameHint ?? userId, email: ownEmail, timeZone: profile?.timeZone ?? 'UTC', [idField]: userId };
    try {
      return await this.prisma.person.create({ data });
    } catch {
      // Created by a concurrent request for the same user, or the email was taken meanwhile.
      return (await this.knownPerson(platform, userId)) ?? this.prisma.person.create({ data: { ...data, email: null } });
    }
  }

  async actorFor(platform: ChatPlatformName, userId: string, nameHint?: string): Promise<{ actor: Actor; person: Person }> {
    const person = await this.personFor(platform, userId, nameHint);
    return { actor: { kind: 'person', personId: person.id, name: person.name }, person };
  }

  private async tell(match: EmailMatch): Promise<void> {
    for (const listener of this.emailMatchListeners) await listener(match);
  }
}
