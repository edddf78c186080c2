import { channelJson, messageJson, userJson, type DiscordGuildState, type DiscordUser } from './discord-state.js';

/**
 * INTERACTION_CREATE payloads with every field discord.js 14.28 needs (GATEWAY-NOTES.md §7):
 * entitlements, authorizing_integration_owners, channel {id, type}, member.user, data.
 */

export type OptionValue = string | number | boolean;

export interface SlashCommandInput {
  kind: 'command';
  name: string;
  subcommand?: string;
  /** Option values by name (string 3, integer 4, number 10, boolean 5), or typed options (e.g. `{ type: 6, value: userId }`). */
  options?: Record<string, OptionValue | { type: number; value: OptionValue }>;
  userId?: string;
  channelId?: string;
}

export interface ButtonClickInput {
  kind: 'button';
  customId: string;
  /** The message the button is on: one the bot posted (by id) or defaults to a bare message. */
  messageId?: string;
  userId?: string;
  channelId?: string;
}

export type InteractionInput = SlashCommandInput | ButtonClickInput;

function optionType(value: OptionValue): number {
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}

const ALL_PERMISSIONS = '2251799813685247';

export function buildInteraction(state: DiscordGuildState, input: InteractionInput, ids: { id: string; token: string }): Record<string, unknown> {
  const user: DiscordUser | undefined = state.users.get(input.userId ?? '');
  if (!user) throw new Error(`fake-discord: unknown user ${input.userId}`);
  const channel = state.channels.get(input.channelId ?? '');
  if (!channel) throw new Error(`fake-discord: unknown channel ${input.channelId}`);
  const inGuild = channel.type !== 1;
  const base: Record<string, unknown> = {
    id: ids.id,
    application_id: state.applicationId,
    token: ids.token,
    version: 1,
    channel_id: channel.id,
    channel: channelJson(channel),
    entitlements: [],
    authorizing_integration_owners: inGuild ? { '0': state.guildId } : { '1': user.id },
    app_permissions: ALL_PERMISSIONS,
    locale: 'en-US',
    context: inGuild ? 0 : 1,
    attachment_size_limit: 10 * 1024 * 1024,
    ...(inGuild
      ? {
          guild_id: state.guildId,
          guild_locale: 'en-US',
          guild: { id: state.guildId, locale: 'en-US', features: [] },
          member: { user: userJson(user), roles: [], nick: null, avatar: null, joined_at: '2024-01-01T00:00:00.000000+00:00', premium_since: null, deaf: false, mute: false, flags: 0, pending: false, permissions: ALL_PERMISSIONS, communication_disabled_until: null },
        }
      : { user: userJson(user) }),
  };

  if (input.kind === 'button') {
    const known = input.messageId ? state.findMessage(channel.id, input.messageId) : undefined;
    if (input.messageId && !known) throw new Error(`fake-discord: no message ${input.messageId} in channel ${channel.id}`);
    const message = known
      ? messageJson(known)
      : { id: state.ids.next(), type: 0, channel_id: channel.id, author: userJson(state.botUser), content: '', embeds: [], components: [], attachments: [], mentions: [], mention_roles: [], mention_everyone: false, pinned: false, tts: false, flags: 0, timestamp: new Date().toISOString(), edited_timestamp: null };
    return { ...base, type: 3, message, data: { custom_id: input.customId, component_type: 2 } };
  }

  const registered = state.commands.find((c) => c.name === input.name);
  if (state.commands.length > 0 && !registered) throw new Error(`fake-discord: /${input.name} is not registered; Discord would never send it`);
  const subcommands = ((registered?.options as Array<{ type: number; name: string }> | undefined) ?? []).filter((o) => o.type === 1).map((o) => o.name);
  if (registered && input.subcommand && !subcommands.includes(input.subcommand)) throw new Error(`fake-discord: /${input.name} has no subcommand ${input.subcommand}`);
  const values = Object.entries(input.options ?? {}).map(([name, option]) =>
    typeof option === 'object' ? { name, type: option.type, value: option.value } : { name, type: optionType(option), value: option },
  );
  const resolvedUsers = values.filter((o) => o.type === 6).map((o) => state.users.get(String(o.value))).filter((u): u is DiscordUser => !!u);
  const options = input.subcommand ? [{ type: 1, name: input.subcommand, options: values }] : values;
  return {
    ...base,
    type: 2,
    data: {
      id: (registered?.id as string | undefined) ?? state.ids.next(),
      name: input.name,
      type: 1,
      guild_id: inGuild ? state.guildId : undefined,
      options,
      ...(resolvedUsers.length > 0
        ? { resolved: { users: Object.fromEntries(resolvedUsers.map((u) => [u.id, userJson(u)])), members: Object.fromEntries(resolvedUsers.map((u) => [u.id, { roles: [], joined_at: '2024-01-01T00:00:00.000000+00:00', permissions: ALL_PERMISSIONS, flags: 0 }])) } }
        : {}),
    },
  };
}
