import { ChatApiError, type ChatCapabilities, type ChatPort, type ChatUserProfile, type CreatedChannel, type PostedMessage } from '../chat-port.js';
import type { Logger } from '../../logging.js';
import type { NeutralMessage } from '../neutral-message.js';
import { PlatformOutageLog } from '../platform-outage-log.js';
import { MattermostApi } from './mattermost-api.js';
import { plainMattermostText } from './mattermost-markdown.js';
import { renderMattermostPost, type ButtonEndpoint, type MattermostPost } from './mattermost-post.js';

export const MATTERMOST_CAPABILITIES: ChatCapabilities = {
  privateChannels: true,
  channelTopics: true,
  ephemeralReplies: true,
  fileUploads: true,
  // The server's default MaxFileSize (FileSettings): 100 MB.
  maxUploadBytes: 100 * 1024 * 1024,
};

interface MattermostUser {
  id: string;
  username: string;
  first_name?: string;
  last_name?: string;
  nickname?: string;
  email?: string;
  timezone?: { useAutomaticTimezone?: string | boolean; automaticTimezone?: string; manualTimezone?: string };
}

interface MattermostChannel {
  id: string;
  name: string;
  team_id: string;
  creator_id?: string;
}

const CHANNEL_EXISTS = 'store.sql_channel.save_channel.exists.app_error';
const MAX_NAME_ATTEMPTS = 20;

/** The chat port on Mattermost's API v4, in one team, as the bot account. */
export class MattermostChatPort implements ChatPort {
  readonly platform = 'mattermost' as const;
  readonly capabilities = MATTERMOST_CAPABILITIES;
  private teamId: string | undefined;
  private botUserId: string | undefined;
  private readonly usernames = new Map<string, string>();
  private readonly channelNames = new Map<string, string>();

  constructor(
    readonly api: MattermostApi,
    private readonly teamName: string,
    readonly buttons: ButtonEndpoint,
  ) {}

  static create(options: { url: string; token: string; team: string; buttons: ButtonEndpoint; log?: Logger }): MattermostChatPort {
    const outage = options.log ? new PlatformOutageLog(options.log, 'mattermost', new URL(options.url).host) : undefined;
    return new MattermostChatPort(new MattermostApi(options.url, options.token, outage), options.team, options.buttons);
  }

  /** The team's id and the bot's own user id: checks the token and the team at start. */
  async learn(): Promise<{ teamId: string; botUserId: string }> {
    if (!this.teamId) this.teamId = (await this.api.call<{ id: string }>('GET', `/teams/name/${encodeURIComponent(this.teamName)}`)).id;
    if (!this.botUserId) this.botUserId = (await this.api.call<MattermostUser>('GET', '/users/me')).id;
    return { teamId: this.teamId, botUserId: this.botUserId };
  }

  async createChannel(input: { name: string; private: boolean; topic?: string; purpose?: string }): Promise<CreatedChannel> {
    const { teamId } = await this.learn();
    for (let attempt = 0; ; attempt++) {
      const name = attempt === 0 ? input.name.slice(0, 64) : `${input.name.slice(0, 60)}-${attempt + 1}`;
      try {
        const channel = await this.api.call<MattermostChannel>('POST', '/channels', {
          team_id: teamId,
          name,
          display_name: name.slice(0, 64),
          type: input.private ? 'P' : 'O',
          ...(input.purpose ? { purpose: plainMattermostText(input.purpose).slice(0, 250) } : {}),
          ...(input.topic ? { header: plainMattermostText(input.topic).slice(0, 1024) } : {}),
        });
        this.channelNames.set(channel.id, channel.name);
        return { channelId: channel.id, name: channel.name };
      } catch (error) {
        if (!(error instanceof ChatApiError) || error.platformCode !== CHANNEL_EXISTS || attempt >= MAX_NAME_ATTEMPTS) throw error;
        // A retry of a create whose answer was lost finds the channel the bot made: that one is used.
        const existing = await this.api.call<MattermostChannel>('GET', `/teams/${teamId}/channels/name/${encodeURIComponent(name)}`).catch(() => undefined);
        if (existing && existing.creator_id === (await this.learn()).botUserId) {
          this.channelNames.set(existing.id, existing.name);
          return { channelId: existing.id, name: existing.name };
        }
      }
    }
  }

  async invite(channelId: string, userIds: string[]): Promise<void> {
    // Adding a member who is one already answers 201: inviting twice is fine.
    for (const userId of userIds) await this.api.call('POST', `/channels/${channelId}/members`, { user_id: userId });
  }

  async setTopic(channelId: string, topic: string): Promise<void> {
    await this.api.call('PUT', `/channels/${channelId}/patch`, { header: plainMattermostText(topic).slice(0, 1024) });
  }

  async resolveChannel(nameOrId: string): Promise<string | undefined> {
    const name = nameOrId.replace(/^[#~]/, '').toLowerCase();
    const { teamId } = await this.learn();
    try {
      const channel = await this.api.call<MattermostChannel>('GET', `/teams/${teamId}/channels/name/${encodeURIComponent(name)}`);
      this.channelNames.set(channel.id, channel.name);
      return channel.id;
    } catch (error) {
      if (!(error instanceof ChatApiError) || error.options.status !== 404) throw error;
    }
    if (!/^[a-z0-9]{26}$/.test(name)) return undefined;
    try {
      return (await this.api.call<MattermostChannel>('GET', `/channels/${name}`)).id;
    } catch (error) {
      if (error instanceof ChatApiError && (error.options.status === 404 || error.options.status === 403)) return undefined;
      throw error;
    }
  }

  async postMessage(channelId: string, message: NeutralMessage): Promise<PostedMessage> {
    const post = await this.render(message);
    const created = await this.api.call<{ id: string }>('POST', '/posts', { channel_id: channelId, ...post });
    return { channelId, messageId: created.id };
  }

  async updateMessage(_channelId: string, messageId: string, message: NeutralMessage): Promise<void> {
    await this.api.call('PUT', `/posts/${messageId}/patch`, await this.render(message));
  }

  async postEphemeral(channelId: string, userId: string, message: NeutralMessage): Promise<void> {
    await this.api.call('POST', '/posts/ephemeral', { user_id: userId, post: { channel_id: channelId, ...(await this.render(message)) } });
  }

  async sendDirectMessage(userId: string, message: NeutralMessage): Promise<PostedMessage> {
    const { botUserId } = await this.learn();
    const channel = await this.api.call<{ id: string }>('POST', '/channels/direct', [botUserId, userId]);
    return this.postMessage(channel.id, message);
  }

  async uploadFile(channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void> {
    const form = new FormData();
    form.append('channel_id', channelId);
    form.append('files', new Blob([new Uint8Array(file.content)]), file.filename);
    const uploaded = await this.api.call<{ file_infos: { id: string }[] }>('POST', '/files', form, 'POST /files');
    await this.api.call('POST', '/posts', { channel_id: channelId, message: plainMattermostText(file.comment ?? file.title), file_ids: uploaded.file_infos.map((info) => info.id) });
  }

  async getUser(userId: string): Promise<ChatUserProfile> {
    const user = await this.api.call<MattermostUser>('GET', `/users/${userId}`);
    this.usernames.set(user.id, user.username);
    const fullName = [user.first_name, user.last_name].filter(Boolean).join(' ');
    const zone = user.timezone;
    const automatic = zone?.useAutomaticTimezone === true || zone?.useAutomaticTimezone === 'true';
    const timeZone = (automatic ? zone?.automaticTimezone : zone?.manualTimezone) || undefined;
    // Mattermost does not say whether an address was verified to bots: never linked by email.
    return { userId, name: fullName || user.nickname || user.username, ...(user.email ? { email: user.email } : {}), ...(timeZone ? { timeZone } : {}) };
  }

  /** The ids of these usernames (those that exist), as Mattermost spells them. */
  async idsOfUsernames(usernames: string[]): Promise<Map<string, string>> {
    if (usernames.length === 0) return new Map();
    const users = await this.api.call<MattermostUser[]>('POST', '/users/usernames', usernames);
    for (const user of users) this.usernames.set(user.id, user.username);
    return new Map(users.map((user) => [user.username, user.id]));
  }

  /** Renders with the usernames and channel names the message names (looked up once, then cached). */
  async render(message: NeutralMessage): Promise<MattermostPost> {
    const wanted = message.mentions ?? [];
    const unknownUsers = wanted.filter((id) => /^[a-z0-9]{26}$/.test(id) && !this.usernames.has(id) && !this.channelNames.has(id));
    if (unknownUsers.length) {
      const users = await this.api.call<MattermostUser[]>('POST', '/users/ids', unknownUsers);
      for (const user of users) this.usernames.set(user.id, user.username);
    }
    for (const id of wanted) {
      if (this.usernames.has(id) || this.channelNames.has(id) || !message.sections.some((s) => s.text?.includes(`<#${id}>`) || s.fields?.some((f) => f.value.includes(`<#${id}>`)))) continue;
      const channel = await this.api.call<MattermostChannel>('GET', `/channels/${id}`).catch(() => undefined);
      if (channel) this.channelNames.set(channel.id, channel.name);
    }
    return renderMattermostPost(message, this.buttons, this.usernames, this.channelNames);
  }
}
