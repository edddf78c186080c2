import { ChannelType, DiscordAPIError, HTTPError, OverwriteType, PermissionFlagsBits, RateLimitError, REST, Routes } from 'discord.js';
import { ChatApiError, type ChatCapabilities, type ChatPort, type ChatUserProfile, type CreatedChannel, type PostedMessage } from '../chat-port.js';
import type { Logger } from '../../logging.js';
import type { NeutralMessage } from '../neutral-message.js';
import { PlatformOutageLog } from '../platform-outage-log.js';
import { inertMentions } from './discord-markdown.js';
import { NO_MENTIONS, renderDiscordMessage } from './embed.js';

export const INCIDENTS_CATEGORY = 'Incidents';

export const DISCORD_CAPABILITIES: ChatCapabilities = {
  privateChannels: true,
  channelTopics: true,
  // Outside an interaction a bot cannot whisper in a channel: the core sends a DM instead.
  ephemeralReplies: false,
  fileUploads: true,
  maxUploadBytes: 8 * 1024 * 1024,
};

const NOBODY: ReadonlySet<string> = new Set();
/** Topics and file comments are plain text from the core: nothing in them is a mention. */
const plain = (text: string) => inertMentions(text, NOBODY);

const SEE_AND_TALK = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory;

interface GuildChannel {
  id: string;
  name: string;
  type: number;
  parent_id?: string | null;
}

/**
 * The chat port on Discord's REST API. Like Slack's, it neither retries nor waits out rate limits
 * itself: a 429 surfaces as a retryable ChatApiError carrying retry_after, for the durable job.
 */
export class DiscordChatPort implements ChatPort {
  readonly platform = 'discord' as const;
  readonly capabilities = DISCORD_CAPABILITIES;
  private categoryId: string | undefined;

  constructor(
    readonly rest: REST,
    private readonly guildId: string,
    private readonly applicationId: string,
    private readonly outage?: PlatformOutageLog,
  ) {}

  /** With `log`, an outage is logged once (host, method, count) instead of only failing job after job. */
  static create(options: { token: string; guildId: string; applicationId: string; apiUrl?: string; log?: Logger }): DiscordChatPort {
    const rest = new REST({ ...(options.apiUrl ? { api: options.apiUrl } : {}), rejectOnRateLimit: () => true, retries: 0, timeout: 10_000 }).setToken(options.token);
    const host = new URL(options.apiUrl ?? 'https://discord.com/api').host;
    return new DiscordChatPort(rest, options.guildId, options.applicationId, options.log ? new PlatformOutageLog(options.log, 'discord', host) : undefined);
  }

  private async call<T>(method: string, work: () => Promise<unknown>): Promise<T> {
    try {
      const result = (await work()) as T;
      this.outage?.callEnded(method);
      return result;
    } catch (error) {
      const chatError = toChatApiError(method, error);
      this.outage?.callEnded(method, chatError, error);
      throw chatError;
    }
  }

  /** Registers (or updates in place) the guild's slash commands. */
  async registerCommands(definitions: unknown): Promise<void> {
    await this.call('PUT commands', () => this.rest.put(Routes.applicationGuildCommands(this.applicationId, this.guildId), { body: definitions }));
  }

  private async guildChannels(): Promise<GuildChannel[]> {
    return this.call('GET guild channels', () => this.rest.get(Routes.guildChannels(this.guildId)));
  }

  private async incidentsCategory(): Promise<string> {
    if (this.categoryId) return this.categoryId;
    const existing = (await this.guildChannels()).find((c) => c.type === ChannelType.GuildCategory && c.name.toLowerCase() === INCIDENTS_CATEGORY.toLowerCase());
    const category =
      existing ??
      (await this.call<GuildChannel>('POST category', () =>
        this.rest.post(Routes.guildChannels(this.guildId), { body: { name: INCIDENTS_CATEGORY, type: ChannelType.GuildCategory } }),
      ));
    this.categoryId = category.id;
    return category.id;
  }

  async createChannel(input: { name: string; private: boolean; topic?: string; purpose?: string }): Promise<CreatedChannel> {
    const parent = await this.incidentsCategory();
    // @everyone's role id is the guild id: denying it the view makes the channel private.
    const overwrites = input.private
      ? [
          { id: this.guildId, type: OverwriteType.Role, deny: String(PermissionFlagsBits.ViewChannel) },
          { id: this.applicationId, type: OverwriteType.Member, allow: String(SEE_AND_TALK) },
        ]
      : [];
    const topic = input.topic ?? input.purpose;
    const channel = await this.call<GuildChannel>('POST channel', () =>
      this.rest.post(Routes.guildChannels(this.guildId), {
        body: {
          name: input.name,
          type: ChannelType.GuildText,
          parent_id: parent,
          topic: topic === undefined ? undefined : plain(topic).slice(0, 1024),
          permission_overwrites: overwrites,
        },
      }),
    );
    return { channelId: channel.id, name: channel.name };
  }

  async invite(channelId: string, userIds: string[]): Promise<void> {
    for (const user of userIds) {
      await this.call('PUT permissions', () =>
        this.rest.put(Routes.channelPermission(channelId, user), { body: { type: OverwriteType.Member, allow: String(SEE_AND_TALK) } }),
      );
    }
  }

  async setTopic(channelId: string, topic: string): Promise<void> {
    await this.call('PATCH channel', () => this.rest.patch(Routes.channel(channelId), { body: { topic: plain(topic).slice(0, 1024) } }));
  }

  async resolveChannel(nameOrId: string): Promise<string | undefined> {
    const name = nameOrId.replace(/^#/, '');
    if (/^\d{5,}$/.test(name)) return name;
    return (await this.guildChannels()).find((c) => c.type === ChannelType.GuildText && c.name === name.toLowerCase())?.id;
  }

  async postMessage(channelId: string, message: NeutralMessage): Promise<PostedMessage> {
    const posted = await this.call<{ id: string }>('POST message', () =>
      this.rest.post(Routes.channelMessages(channelId), { body: renderDiscordMessage(message) }),
    );
    return { channelId, messageId: posted.id };
  }

  async updateMessage(channelId: string, messageId: string, message: NeutralMessage): Promise<void> {
    await this.call('PATCH message', () => this.rest.patch(Routes.channelMessage(channelId, messageId), { body: renderDiscordMessage(message) }));
  }

  async postEphemeral(_channelId: string, userId: string, message: NeutralMessage): Promise<void> {
    await this.sendDirectMessage(userId, message);
  }

  async sendDirectMessage(userId: string, message: NeutralMessage): Promise<PostedMessage> {
    const dm = await this.call<{ id: string }>('POST dm', () => this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } }));
    return this.postMessage(dm.id, message);
  }

  async uploadFile(channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void> {
    await this.call('POST attachment', () =>
      this.rest.post(Routes.channelMessages(channelId), {
        body: { content: plain(file.comment ?? file.title), allowed_mentions: NO_MENTIONS, attachments: [{ id: 0, filename: file.filename, description: file.title }] },
        files: [{ name: file.filename, data: file.content }],
      }),
    );
  }

  async getUser(userId: string): Promise<ChatUserProfile> {
    const user = await this.call<{ username: string; global_name?: string | null }>('GET user', () => this.rest.get(Routes.user(userId)));
    // Discord tells bots neither email nor time zone.
    return { userId, name: user.global_name || user.username };
  }
}

export function toChatApiError(method: string, error: unknown): ChatApiError {
  if (error instanceof ChatApiError) return error;
  if (error instanceof RateLimitError) return new ChatApiError('discord', method, 'rate_limited', { retryable: true, retryAfterMs: error.retryAfter, status: 429 });
  if (error instanceof DiscordAPIError) {
    return new ChatApiError('discord', method, String(error.code), { retryable: error.status >= 500, status: error.status });
  }
  if (error instanceof HTTPError) return new ChatApiError('discord', method, `http_${error.status}`, { retryable: error.status >= 500, status: error.status });
  return new ChatApiError('discord', method, (error as Error)?.message ?? 'request_failed', { retryable: true });
}
