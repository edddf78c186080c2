import { ErrorCode, WebClient, type WebAPICallResult } from '@slack/web-api';
import { ChatApiError, type ChatCapabilities, type ChatPort, type ChatUserProfile, type CreatedChannel, type PostedMessage } from '../chat-port.js';
import type { Logger } from '../../logging.js';
import type { NeutralMessage } from '../neutral-message.js';
import { PlatformOutageLog } from '../platform-outage-log.js';
import { renderSlackMessage } from './block-kit.js';
import { slackLogger } from './slack-logger.js';
import { escapeSlackText, slackPlainText } from './slack-mrkdwn.js';

/** Slack errors that mean "already so": the goal of the call is met. */
const ALREADY_DONE = new Set(['already_in_channel', 'cant_invite_self']);
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
/** conversations.setTopic and setPurpose refuse more (too_long). */
const TOPIC_MAX = 250;

export const SLACK_CAPABILITIES: ChatCapabilities = {
  privateChannels: true,
  channelTopics: true,
  ephemeralReplies: true,
  fileUploads: true,
  maxUploadBytes: 1024 * 1024 * 1024,
};

/**
 * The chat port on Slack's Web API. The client neither retries nor waits out rate limits
 * itself: a failed call surfaces as ChatApiError and the durable job that made it retries,
 * honouring Retry-After, so a restart in the meantime loses nothing.
 */
export class SlackChatPort implements ChatPort {
  readonly platform = 'slack' as const;
  readonly capabilities = SLACK_CAPABILITIES;
  private readonly channelIds = new Map<string, string>();
  private readonly userGroupIds = new Map<string, string>();

  constructor(
    readonly client: WebClient,
    private readonly outage?: PlatformOutageLog,
  ) {}

  /** With `log`, an outage is logged once by the port (host, method, count), not once per call by the client. */
  static create(token: string, apiUrl?: string, log?: Logger): SlackChatPort {
    const host = new URL(apiUrl ?? 'https://slack.com/api/').host;
    return new SlackChatPort(
      new WebClient(token, {
        slackApiUrl: apiUrl,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        timeout: 10_000,
        ...(log ? { logger: slackLogger(log, /^http request failed/) } : {}),
      }),
      log ? new PlatformOutageLog(log, 'slack', host) : undefined,
    );
  }

  private async call<T extends WebAPICallResult>(method: string, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.outage?.callEnded(method);
      return result;
    } catch (error) {
      const chatError = toChatApiError(method, error);
      this.outage?.callEnded(method, chatError, error);
      throw chatError;
    }
  }

  async createChannel(input: { name: string; private: boolean; topic?: string; purpose?: string }): Promise<CreatedChannel> {
    for (let suffix = 1; suffix <= 20; suffix++) {
      const name = suffix === 1 ? input.name : `${input.name.slice(0, 80 - String(suffix).length - 1)}-${suffix}`;
      try {
        const result = await this.call('conversations.create', () => this.client.conversations.create({ name, is_private: input.private }));
        const channelId = result.channel!.id!;
        this.channelIds.set(name, channelId);
        if (input.topic) await this.setTopic(channelId, input.topic);
        if (input.purpose) {
          const purpose = slackPlainText(input.purpose, TOPIC_MAX);
          await this.call('conversations.setPurpose', () => this.client.conversations.setPurpose({ channel: channelId, purpose }));
        }
        return { channelId, name };
      } catch (error) {
        if (!(error instanceof ChatApiError) || error.platformCode !== 'name_taken') throw error;
      }
    }
    throw new ChatApiError('slack', 'conversations.create', 'name_taken', { retryable: false });
  }

  async invite(channelId: string, userIds: string[]): Promise<void> {
    // One at a time: Slack refuses the whole list when one member is already in.
    for (const user of userIds) {
      try {
        await this.call('conversations.invite', () => this.client.conversations.invite({ channel: channelId, users: user }));
      } catch (error) {
        if (!(error instanceof ChatApiError) || !ALREADY_DONE.has(error.platformCode)) throw error;
      }
    }
  }

  /** The topic is plain text (it carries the incident's title): Slack would read <!channel> in it. */
  async setTopic(channelId: string, topic: string): Promise<void> {
    await this.call('conversations.setTopic', () => this.client.conversations.setTopic({ channel: channelId, topic: slackPlainText(topic, TOPIC_MAX) }));
  }

  async resolveChannel(nameOrId: string): Promise<string | undefined> {
    const name = nameOrId.replace(/^#/, '');
    if (CHANNEL_ID.test(name)) return name;
    const known = this.channelIds.get(name);
    if (known) return known;
    let cursor: string | undefined;
    do {
      const page = await this.call('conversations.list', () =>
        this.client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 1000, cursor }),
      );
      for (const channel of page.channels ?? []) if (channel.name && channel.id) this.channelIds.set(channel.name, channel.id);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && !this.channelIds.has(name));
    return this.channelIds.get(name);
  }

  async postMessage(channelId: string, message: NeutralMessage): Promise<PostedMessage> {
    const rendered = renderSlackMessage(message);
    const result = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel: channelId, text: rendered.text, blocks: rendered.blocks as never, unfurl_links: false }),
    );
    return { channelId: result.channel ?? channelId, messageId: result.ts! };
  }

  async updateMessage(channelId: string, messageId: string, message: NeutralMessage): Promise<void> {
    const rendered = renderSlackMessage(message);
    await this.call('chat.update', () => this.client.chat.update({ channel: channelId, ts: messageId, text: rendered.text, blocks: rendered.blocks as never }));
  }

  async postEphemeral(channelId: string, userId: string, message: NeutralMessage): Promise<void> {
    const rendered = renderSlackMessage(message);
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel: channelId, user: userId, text: rendered.text, blocks: rendered.blocks as never }),
    );
  }

  async sendDirectMessage(userId: string, message: NeutralMessage): Promise<PostedMessage> {
    const opened = await this.call('conversations.open', () => this.client.conversations.open({ users: userId }));
    return this.postMessage(opened.channel!.id!, message);
  }

  async uploadFile(channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void> {
    await this.call('files.uploadV2', () =>
      this.client.files.uploadV2({
        channel_id: channelId,
        file: file.content,
        filename: file.filename,
        title: file.title,
        ...(file.comment ? { initial_comment: escapeSlackText(file.comment) } : {}),
      }),
    );
  }

  async setUserGroupMembers(handle: string, userIds: string[]): Promise<void> {
    let id = this.userGroupIds.get(handle);
    if (!id) {
      const list = await this.call('usergroups.list', () => this.client.usergroups.list({}));
      for (const group of list.usergroups ?? []) if (group.handle && group.id) this.userGroupIds.set(group.handle, group.id);
      id = this.userGroupIds.get(handle);
    }
    if (!id) throw new ChatApiError('slack', 'usergroups.list', `no user group @${handle} in this workspace (create it in Slack first)`);
    await this.call('usergroups.users.update', () => this.client.usergroups.users.update({ usergroup: id, users: userIds.join(',') }));
  }

  async getUser(userId: string): Promise<ChatUserProfile> {
    const result = await this.call('users.info', () => this.client.users.info({ user: userId }));
    const user = result.user!;
    return {
      userId,
      name: user.profile?.real_name || user.real_name || user.name || userId,
      email: user.profile?.email,
      emailConfirmed: user.is_email_confirmed === true,
      timeZone: user.tz,
    };
  }
}

export function toChatApiError(method: string, error: unknown): ChatApiError {
  if (error instanceof ChatApiError) return error;
  const coded = error as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number };
  switch (coded.code) {
    case ErrorCode.PlatformError:
      // ratelimited can also come as ok:false; everything else is Slack saying no.
      return new ChatApiError('slack', method, coded.data?.error ?? 'unknown_error', {
        retryable: ['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(coded.data?.error ?? ''),
      });
    case ErrorCode.RateLimitedError:
      return new ChatApiError('slack', method, 'ratelimited', { retryable: true, retryAfterMs: (coded.retryAfter ?? 1) * 1000, status: 429 });
    case ErrorCode.HTTPError:
      return new ChatApiError('slack', method, `http_${coded.statusCode}`, { retryable: (coded.statusCode ?? 500) >= 500, status: coded.statusCode });
    case ErrorCode.RequestError:
      return new ChatApiError('slack', method, 'request_failed', { retryable: true });
    default:
      return new ChatApiError('slack', method, (error as Error)?.message ?? 'unknown_error', { retryable: true });
  }
}
