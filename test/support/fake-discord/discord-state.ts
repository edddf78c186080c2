/** The guild a fake Discord holds: users, channels, messages, DMs, commands, interactions. */

import type { DiscordPings } from './discord-mentions.js';

export interface DiscordUser {
  id: string;
  username: string;
  global_name: string | null;
  bot?: boolean;
  /** The user accepts no DMs from the bot (Discord answers 50007). */
  dmsClosed?: boolean;
}

export interface PermissionOverwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

export interface DiscordChannel {
  id: string;
  type: number;
  guild_id?: string;
  name?: string;
  topic?: string | null;
  parent_id?: string | null;
  position?: number;
  permission_overwrites?: PermissionOverwrite[];
  recipients?: DiscordUser[];
}

export interface MessageVersion {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  allowed_mentions?: unknown;
  pings?: DiscordPings;
  editedAt: Date;
}

export interface DiscordAttachment {
  id: string;
  filename: string;
  description?: string;
  size: number;
  content_type?: string;
  bytes: Buffer;
}

export interface DiscordMessage {
  id: string;
  channel_id: string;
  author: DiscordUser;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: DiscordAttachment[];
  flags: number;
  timestamp: string;
  edited_timestamp: string | null;
  /** Set on interaction replies and follow-ups. */
  interaction_id?: string;
  /** allowed_mentions as the bot sent it (undefined: it sent none, and Discord parsed everything). */
  allowed_mentions?: unknown;
  /** Who this version of the message pinged, as Discord reads content and allowed_mentions. */
  pings: DiscordPings;
  /** Earlier versions, oldest first. */
  edits: MessageVersion[];
  deleted?: boolean;
}

export interface InteractionCallback {
  type: number;
  data?: Record<string, unknown>;
  at: Date;
}

export interface DiscordInteraction {
  id: string;
  token: string;
  /** 2 application command, 3 message component. */
  type: 2 | 3;
  channel_id: string;
  payload: Record<string, unknown>;
  sentAt: number;
  callbacks: InteractionCallback[];
  /** The reply (type 4/5) or, for a component after type 6/7, the message the component sits on. */
  original?: DiscordMessage;
  followups: DiscordMessage[];
}

export const VIEW_CHANNEL = 1n << 10n;

export class Snowflakes {
  private n = 0n;
  next(): string {
    this.n++;
    return String(1200000000000000000n + this.n);
  }
}

export class DiscordGuildState {
  readonly users = new Map<string, DiscordUser>();
  readonly channels = new Map<string, DiscordChannel>();
  readonly messages = new Map<string, DiscordMessage[]>();
  readonly interactions = new Map<string, DiscordInteraction>();
  commands: Array<Record<string, unknown>> = [];
  readonly ids = new Snowflakes();

  constructor(
    readonly guildId: string,
    readonly applicationId: string,
    readonly botUser: DiscordUser,
    users: DiscordUser[],
  ) {
    this.users.set(botUser.id, botUser);
    for (const user of users) this.users.set(user.id, user);
  }

  addChannel(channel: Omit<DiscordChannel, 'id'>): DiscordChannel {
    const created: DiscordChannel = { id: this.ids.next(), ...channel };
    this.channels.set(created.id, created);
    this.messages.set(created.id, []);
    return created;
  }

  /** Whether the bot sees the channel: @everyone's overwrite (role id = guild id), then the bot's own. */
  botCanView(channel: DiscordChannel): boolean {
    if (channel.type === 1) return true;
    let visible = true;
    const everyone = channel.permission_overwrites?.find((o) => o.id === this.guildId && o.type === 0);
    if (everyone && BigInt(everyone.deny) & VIEW_CHANNEL) visible = false;
    if (everyone && BigInt(everyone.allow) & VIEW_CHANNEL) visible = true;
    const own = channel.permission_overwrites?.find((o) => o.id === this.botUser.id && o.type === 1);
    if (own && BigInt(own.deny) & VIEW_CHANNEL) visible = false;
    if (own && BigInt(own.allow) & VIEW_CHANNEL) visible = true;
    return visible;
  }

  /** Members a private channel admits through member overwrites. */
  admitted(channel: DiscordChannel): string[] {
    return (channel.permission_overwrites ?? []).filter((o) => o.type === 1 && BigInt(o.allow) & VIEW_CHANNEL).map((o) => o.id);
  }

  findMessage(channelId: string, messageId: string): DiscordMessage | undefined {
    return this.messages.get(channelId)?.find((m) => m.id === messageId && !m.deleted);
  }
}

export function userJson(user: DiscordUser): Record<string, unknown> {
  return { id: user.id, username: user.username, global_name: user.global_name, discriminator: '0', avatar: null, ...(user.bot ? { bot: true } : {}), public_flags: 0 };
}

export function channelJson(channel: DiscordChannel): Record<string, unknown> {
  if (channel.type === 1) return { id: channel.id, type: 1, last_message_id: null, flags: 0, recipients: (channel.recipients ?? []).map(userJson) };
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guild_id,
    name: channel.name,
    position: channel.position ?? 0,
    parent_id: channel.parent_id ?? null,
    ...(channel.type === 0 ? { topic: channel.topic ?? null, last_message_id: null, rate_limit_per_user: 0 } : {}),
    nsfw: false,
    flags: 0,
    permission_overwrites: channel.permission_overwrites ?? [],
  };
}

export function messageJson(message: DiscordMessage, webhookId?: string): Record<string, unknown> {
  return {
    id: message.id,
    type: message.interaction_id ? 20 : 0,
    channel_id: message.channel_id,
    author: userJson(message.author),
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      size: a.size,
      url: `https://cdn.discordapp.com/attachments/${message.channel_id}/${a.id}/${a.filename}`,
      proxy_url: `https://media.discordapp.net/attachments/${message.channel_id}/${a.id}/${a.filename}`,
      ...(a.description ? { description: a.description } : {}),
      ...(a.content_type ? { content_type: a.content_type } : {}),
    })),
    mentions: message.pings.users.map((id) => ({ id, username: id, global_name: null, discriminator: '0', avatar: null, public_flags: 0 })),
    mention_roles: message.pings.roles,
    mention_everyone: message.pings.everyone,
    pinned: false,
    tts: false,
    flags: message.flags,
    timestamp: message.timestamp,
    edited_timestamp: message.edited_timestamp,
    ...(webhookId ? { webhook_id: webhookId, application_id: webhookId } : {}),
  };
}

/** A copy of the guild for assertions. */
export interface DiscordStateView {
  channels: DiscordChannel[];
  channel(idOrName: string): DiscordChannel | undefined;
  /** Messages in a channel or DM (including non-ephemeral interaction replies), deleted ones left out. */
  messages(channelIdOrName: string): DiscordMessage[];
  dms: DiscordChannel[];
  commands: Array<Record<string, unknown>>;
  interactions: DiscordInteraction[];
  interaction(id: string): DiscordInteraction | undefined;
  /** Members a private channel admits through member overwrites. */
  admitted(channelIdOrName: string): string[];
}

export function viewOf(state: DiscordGuildState): DiscordStateView {
  const find = (idOrName: string) => state.channels.get(idOrName) ?? [...state.channels.values()].find((c) => c.name === idOrName.replace(/^#/, ''));
  return {
    get channels() {
      return [...state.channels.values()].filter((c) => c.type !== 1);
    },
    channel: find,
    messages: (idOrName) => {
      const channel = find(idOrName);
      return channel ? (state.messages.get(channel.id) ?? []).filter((m) => !m.deleted) : [];
    },
    get dms() {
      return [...state.channels.values()].filter((c) => c.type === 1);
    },
    get commands() {
      return state.commands;
    },
    get interactions() {
      return [...state.interactions.values()];
    },
    interaction: (id) => state.interactions.get(id),
    admitted: (idOrName) => {
      const channel = find(idOrName);
      return channel ? state.admitted(channel) : [];
    },
  };
}
