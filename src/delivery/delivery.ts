import { ChatApiError, type ChatPlatformName, type ChatPort } from '../chat/chat-port.js';
import type { NeutralMessage } from '../chat/neutral-message.js';
import type { PrismaClient } from '../db/database.js';
import { GiveUpError } from '../engine/job.js';
import { systemClock, type Clock } from '../time/clock.js';
import type { ContactMessage, ContactPort } from '../paging/contact-port.js';
import type { DeliveryTarget } from './delivery-target.js';

/** What went out: on which way, to which channel or person, and the provider's id for it. */
export interface Sent {
  via: string;
  /** The channel the message landed in (a person's direct-message channel for a DM). */
  channelId: string;
  messageId: string;
}

export interface FileToSend {
  filename: string;
  title: string;
  content: Buffer;
  comment?: string;
}

/** Platforms answer "message not found" this way when someone deleted the message. */
const DELETED = ['message_not_found', '10008'];

/**
 * The one way out. Everything the bot sends (cards, reminders, pages, reports, notices) goes
 * through here under an idempotency key: the key is looked up in the table of sent messages
 * first, so a job retried after one platform failed, or re-run after a crash, does not post on
 * the platform that already has it. Failures are the providers' own errors, which carry a retry
 * hint the job worker reads (wait out a Retry-After, back off, or give up).
 *
 * Between the provider answering and the row being written a crash can still lose the record,
 * and the retry then sends once more: at least once, never twice in the ordinary course.
 */
export class Delivery {
  constructor(private readonly deps: { prisma: PrismaClient; ports: readonly ChatPort[]; contacts?: readonly ContactPort[]; clock?: Clock }) {}

  /** Whether any way beyond chat is configured: without one, a page plans chat alone. */
  get hasContactPorts(): boolean {
    return (this.deps.contacts?.length ?? 0) > 0;
  }

  /** The ways beyond chat that are configured (email, SMS, ...). */
  contact(via: ContactPort['via']): ContactPort | undefined {
    return this.deps.contacts?.find((port) => port.via === via);
  }

  /**
   * Sends once under `key` to a person beyond chat: an email, an SMS, a call, a push, a webhook.
   * `already` says the key was sent before (a retried job), and nothing went out this time.
   */
  async notifyOnce(key: string, via: ContactPort['via'], address: string, message: () => Promise<ContactMessage>): Promise<{ providerId: string; already: boolean }> {
    const done = await this.sent(via, key);
    if (done) return { providerId: done.messageId, already: true };
    const port = this.contact(via);
    if (!port) throw new GiveUpError(`no ${via} provider is configured`);
    const { providerId } = await port.send(address, await message(), { key });
    await this.record(via, key, address, providerId);
    return { providerId, already: false };
  }

  /** The ways out that are configured, in order of preference. */
  get ports(): readonly ChatPort[] {
    return this.deps.ports;
  }

  port(via: ChatPlatformName): ChatPort | undefined {
    return this.deps.ports.find((port) => port.platform === via);
  }

  /** Already sent under this key on this way? */
  async sent(via: string, key: string): Promise<Sent | undefined> {
    const row = await this.deps.prisma.sentMessage.findUnique({ where: { via_idempotencyKey: { via, idempotencyKey: key } } });
    return row ? { via: row.via, channelId: row.target, messageId: row.messageId } : undefined;
  }

  /** Sends once under `key`: a second call with the same key returns what the first sent. */
  async deliverOnce(key: string, target: DeliveryTarget, message: NeutralMessage): Promise<Sent> {
    const done = await this.sent(target.via, key);
    if (done) return done;
    const posted = await this.post(target, message);
    await this.record(target.via, key, posted.channelId, posted.messageId);
    return { via: target.via, ...posted };
  }

  /** Posts once under `key`, then edits that message in place (the incident card); posts again if someone deleted it. */
  async upsert(key: string, target: Extract<DeliveryTarget, { kind: 'channel' }>, message: NeutralMessage): Promise<Sent> {
    const port = this.requirePort(target.via);
    const done = await this.sent(target.via, key);
    if (done && done.channelId === target.channelId) {
      try {
        await port.updateMessage(done.channelId, done.messageId, message);
        await this.deps.prisma.sentMessage.update({ where: { via_idempotencyKey: { via: target.via, idempotencyKey: key } }, data: { updatedAt: (this.deps.clock ?? systemClock).now() } });
        return done;
      } catch (error) {
        if (!(error instanceof ChatApiError) || !DELETED.includes(error.platformCode)) throw error;
      }
    }
    const posted = await port.postMessage(target.channelId, message);
    await this.record(target.via, key, posted.channelId, posted.messageId);
    return { via: target.via, ...posted };
  }

  /** Uploads a file once under `key` (the weekly report's chart). */
  async deliverFileOnce(key: string, target: Extract<DeliveryTarget, { kind: 'channel' }>, file: FileToSend): Promise<void> {
    if (await this.sent(target.via, key)) return;
    await this.requirePort(target.via).uploadFile(target.channelId, file);
    await this.record(target.via, key, target.channelId, `file:${file.filename}`);
  }

  /**
   * Answers to a person's own request (an ephemeral reply, a postmortem upload, a private
   * notice): not keyed, because the request they answer is already taken once (processed
   * requests) and the person sees the outcome at once.
   */
  async reply(target: DeliveryTarget, message: NeutralMessage): Promise<Sent> {
    const posted = await this.post(target, message);
    return { via: target.via, ...posted };
  }

  async uploadFile(target: Extract<DeliveryTarget, { kind: 'channel' }>, file: FileToSend): Promise<void> {
    await this.requirePort(target.via).uploadFile(target.channelId, file);
  }

  private async post(target: DeliveryTarget, message: NeutralMessage): Promise<{ channelId: string; messageId: string }> {
    const port = this.requirePort(target.via);
    switch (target.kind) {
      case 'person':
        return port.sendDirectMessage(target.userId, message);
      case 'channel':
        return port.postMessage(target.channelId, message);
      case 'named-channel': {
        const channelId = await port.resolveChannel(target.name);
        if (!channelId) throw new GiveUpError(`${target.setting ? `${target.setting} ` : ''}${target.name} not found on ${target.via}`);
        return port.postMessage(channelId, message);
      }
    }
  }

  private async record(via: string, key: string, target: string, messageId: string): Promise<void> {
    await this.deps.prisma.sentMessage.upsert({
      where: { via_idempotencyKey: { via, idempotencyKey: key } },
      create: { via, idempotencyKey: key, target, messageId },
      update: { target, messageId },
    });
  }

  private requirePort(via: ChatPlatformName): ChatPort {
    const port = this.port(via);
    if (!port) throw new GiveUpError(`no ${via} connection is configured`);
    return port;
  }
}
