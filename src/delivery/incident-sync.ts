import { incidentChannelName } from '../chat/channel-name.js';
import { chatIdOf } from '../chat/chat-identity.js';
import type { ChatPort } from '../chat/chat-port.js';
import { channelTopic, incidentAnnouncement, incidentCard } from '../chat/incident-card.js';
import { loadIncidentFacts, type IncidentFacts } from '../chat/incident-facts.js';
import type { NeutralMessage } from '../chat/neutral-message.js';
import type { PrismaClient } from '../db/database.js';
import { oneLine } from '../incidents/one-line.js';
import type { Logger } from '../logging.js';
import type { Delivery } from './delivery.js';
import { forEachPlatform } from './failures.js';
import { systemClock, type Clock } from '../time/clock.js';

export interface IncidentSyncOptions {
  prisma: PrismaClient;
  delivery: Delivery;
  log: Logger;
  incidentsChannel?: string;
  publicUrl?: string;
  /** The playbook's step card (or summary) for the incident channel, if it runs one. */
  stepCard?: (incidentId: number) => Promise<NeutralMessage | undefined>;
  clock?: Clock;
}

/**
 * Brings every chat platform up to date with an incident: its channel, topic, members, card and
 * announcement. It compares with what was last sent rather than replaying events, so running it
 * twice, or after a crash halfway, converges on one channel and one card.
 */
export class IncidentSync {
  constructor(private readonly options: IncidentSyncOptions) {}

  async sync(incidentId: number): Promise<void> {
    // With no chat platform set up there is nothing to bring up to date: the facts are not read.
    if (this.options.delivery.ports.length === 0) return;
    const facts = await loadIncidentFacts(this.options.prisma, incidentId);
    if (!facts) return;
    // One platform failing (and retrying later) must not hold up the other.
    await forEachPlatform(this.options.delivery.ports, (port) => this.syncPort(port, facts));
  }

  private async syncPort(port: ChatPort, facts: IncidentFacts): Promise<void> {
    // A platform that cannot keep a channel private (Teams' threads) shows a private incident nowhere.
    if (facts.private && !port.capabilities.privateChannels) return;
    const channel = await this.ensureChannel(port, facts);
    const topic = channelTopic(facts);
    if (port.capabilities.channelTopics && channel.topic !== topic) {
      await port.setTopic(channel.channelId, topic);
      await this.options.prisma.chatChannel.update({ where: { id: channel.id }, data: { topic } });
    }
    // Whoever declared it comes first: in a private channel nobody else would let them in.
    const members = [...(facts.declaredBy ? [facts.declaredBy] : []), ...facts.roles.map((role) => role.person), ...facts.paged]
      .map((person) => chatIdOf(person, port.platform))
      .filter((id): id is string => Boolean(id));
    await this.inviteNewcomers(port, channel, [...new Set(members)]);
    await this.upsertMessage(port, `incident:${facts.id}:card`, channel.channelId, incidentCard(facts, port.platform, { now: (this.options.clock ?? systemClock).now(), publicUrl: this.options.publicUrl }));
    const step = await this.options.stepCard?.(facts.id);
    if (step) await this.upsertMessage(port, `incident:${facts.id}:step`, channel.channelId, step);
    if (this.options.incidentsChannel) {
      const announcements = await port.resolveChannel(this.options.incidentsChannel);
      if (announcements) {
        await this.upsertMessage(port, `incident:${facts.id}:announcement`, announcements, incidentAnnouncement(facts, channel.channelId, port.platform));
      } else {
        this.options.log.warn({ platform: port.platform, channel: this.options.incidentsChannel }, 'INCIDENTS_CHANNEL not found; no announcement posted');
      }
    }
  }

  private async ensureChannel(port: ChatPort, facts: IncidentFacts) {
    const { prisma } = this.options;
    const existing = await prisma.chatChannel.findUnique({ where: { incidentId_platform: { incidentId: facts.id, platform: port.platform } } });
    if (existing) return existing;
    const name = incidentChannelName(facts.id, facts.title);
    // A crash between creating the channel and storing it leaves the channel behind: adopt it
    // rather than make a second one.
    const adopted = facts.private ? undefined : await port.resolveChannel(name);
    const created = adopted
      ? { channelId: adopted, name }
      : await port.createChannel({
          name,
          private: facts.private,
          purpose: `Incident ${facts.id}: ${oneLine(facts.title)}`.slice(0, 250),
        });
    await prisma.chatChannel.upsert({
      where: { incidentId_platform: { incidentId: facts.id, platform: port.platform } },
      create: { incidentId: facts.id, platform: port.platform, channelId: created.channelId, name: created.name, private: facts.private },
      update: {},
    });
    return prisma.chatChannel.findUniqueOrThrow({ where: { incidentId_platform: { incidentId: facts.id, platform: port.platform } } });
  }

  /**
   * Invites only the people not invited before: every sync used to invite everyone again (Slack
   * answering already_in_channel each time). Someone who left the channel is not pulled back in.
   */
  private async inviteNewcomers(port: ChatPort, channel: { id: number; channelId: string }, members: string[]): Promise<void> {
    if (members.length === 0) return;
    const { prisma } = this.options;
    const invited = await prisma.chatChannelInvite.findMany({ where: { chatChannelId: channel.id, userId: { in: members } }, select: { userId: true } });
    const known = new Set(invited.map((invite) => invite.userId));
    const newcomers = members.filter((id) => !known.has(id));
    if (newcomers.length === 0) return;
    await port.invite(channel.channelId, newcomers);
    await prisma.chatChannelInvite.createMany({ data: newcomers.map((userId) => ({ chatChannelId: channel.id, userId })), skipDuplicates: true });
  }

  private async upsertMessage(port: ChatPort, key: string, channelId: string, message: NeutralMessage): Promise<void> {
    await this.options.delivery.upsert(key, { kind: 'channel', via: port.platform, channelId }, message);
  }
}
