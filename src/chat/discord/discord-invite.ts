import { PermissionFlagsBits } from 'discord.js';

/**
 * What the bot does in a server, and the permission each needs: the incident channels and their
 * category (Manage Channels, also for the topic), a private incident's member overwrites (Manage
 * Roles), the card, updates and buttons (View Channels, Send Messages, Embed Links, Read Message
 * History), and the postmortem and report files (Attach Files). Nothing else: no Administrator,
 * no Mention Everyone.
 */
export const DISCORD_BOT_PERMISSIONS =
  PermissionFlagsBits.ManageChannels |
  PermissionFlagsBits.ManageRoles |
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory;

/** The address a server admin opens to add the bot, with its slash commands, to that one server. */
export function discordInviteUrl(applicationId: string, guildId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: 'bot applications.commands',
    permissions: String(DISCORD_BOT_PERMISSIONS),
    guild_id: guildId,
    disable_guild_select: 'true',
  });
  return `https://discord.com/oauth2/authorize?${query}`;
}
