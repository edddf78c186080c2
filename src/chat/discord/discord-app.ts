import { Client, Events, GatewayIntentBits, MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import type { Logger } from '../../logging.js';
import { StartupError } from '../../startup-error.js';
import { decodeCustomId, parseButtonAction } from '../commands/button-actions.js';
import type { CommandReply } from '../commands/command-dispatch.js';
import type { CommandGateway } from '../commands/command-gateway.js';
import { discordCommandDefinitions } from './discord-command-definitions.js';
import type { CommandParseResult } from '../commands/parse-command-text.js';
import { parseStructuredCommand } from '../commands/parse-structured-command.js';
import type { ChatCommandName } from '../commands/parsed-command.js';
import { ChatApiError } from '../chat-port.js';
import type { Retention } from '../../db/processed-requests.js';
import { DiscordChatPort } from './discord-chat-port.js';
import { discordInviteUrl } from './discord-invite.js';
import { renderDiscordMessage } from './embed.js';
import type { LeaderLock } from './leader-lock.js';

export interface DiscordAppOptions {
  token: string;
  applicationId: string;
  guildId: string;
  apiUrl?: string;
  log: Logger;
  commands: CommandGateway;
  /** Only the holder connects to the gateway; every replica still posts through REST. */
  leader: LeaderLock;
  /** True the first time a key is seen, across replicas and restarts. */
  firstDelivery(key: string, keep: Retention): Promise<boolean>;
}

// An interaction can be answered for 15 minutes; a redelivery (a resumed gateway session, or the
// gateway passing to another replica) comes well within the hour its id is remembered.
const INTERACTION_ID_MEMORY_MS = 60 * 60_000;

/** Subcommands whose answer only the asker needs; the rest change state and are answered in the channel. */
const PRIVATE_ANSWERS = new Set(['help', 'list', 'timeline', 'note', 'step', 'report', 'who', 'schedule', 'preview', 'postmortem', 'contact', 'verify', 'test-page']);

/**
 * Discord for the bot: slash commands and buttons arrive over the gateway (discord.js, which
 * reconnects and resumes by itself), are answered within Discord's 3 seconds with a deferred
 * reply, and run through the same dispatch as Slack.
 */
export class DiscordApp {
  readonly port: DiscordChatPort;
  private client: Client | undefined;
  private stopped = false;

  constructor(private readonly options: DiscordAppOptions) {
    this.port = DiscordChatPort.create({ token: options.token, guildId: options.guildId, applicationId: options.applicationId, apiUrl: options.apiUrl, log: options.log });
  }

  async start(): Promise<void> {
    const invite = discordInviteUrl(this.options.applicationId, this.options.guildId);
    this.options.log.info({ inviteUrl: invite }, `Discord: a server admin adds the bot and its commands with ${invite}`);
    try {
      await this.port.registerCommands(discordCommandDefinitions());
    } catch (error) {
      throw setupProblem(error, this.options.guildId, invite) ?? error;
    }
    this.options.leader.onAcquired(() => this.connect());
    this.options.leader.onLost(() => this.disconnect());
    await this.options.leader.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.options.leader.stop();
    await this.disconnect();
  }

  /** Resolves once the gateway session is ready (for tests and start-up logs). */
  get ready(): boolean {
    return this.client?.isReady() ?? false;
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.client) return;
    const client = new Client({ intents: [GatewayIntentBits.Guilds], ...(this.options.apiUrl ? { rest: { api: this.options.apiUrl } } : {}) });
    client.on(Events.InteractionCreate, (interaction) => {
      this.onInteraction(interaction).catch((error: unknown) => this.options.log.error({ err: error }, 'Discord interaction failed'));
    });
    client.on(Events.ShardDisconnect, () => this.options.log.warn('Discord gateway disconnected; discord.js reconnects'));
    client.on(Events.ShardResume, () => this.options.log.info('Discord gateway resumed'));
    client.on(Events.Error, (error) => this.options.log.warn({ err: error }, 'Discord client error'));
    this.client = client;
    await client.login(this.options.token);
    this.options.log.info('Discord gateway connected (this replica holds it)');
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.destroy();
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (!interaction.isChatInputCommand() && !interaction.isButton()) return;
    if (!(await this.options.firstDelivery(`discord:interaction:${interaction.id}`, { forMs: INTERACTION_ID_MEMORY_MS }))) {
      this.options.log.info({ interaction: interaction.id }, 'ignored a Discord interaction delivered again');
      return;
    }
    if (interaction.isChatInputCommand()) await this.onCommand(interaction);
    else await this.onButton(interaction);
  }

  private async onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const subcommand = interaction.options.getSubcommand(false) ?? 'who';
    const privately = PRIVATE_ANSWERS.has(subcommand);
    await interaction.deferReply(privately ? { flags: MessageFlags.Ephemeral } : {});
    const options: Record<string, string | number | boolean | undefined> = {};
    for (const option of interaction.options.data[0]?.options ?? []) options[option.name] = option.value as string | number | boolean | undefined;
    const parsed = parseStructuredCommand(interaction.commandName as ChatCommandName, { subcommand, options });
    await this.answer(interaction, await this.run(parsed, interaction, 'typed'), privately);
  }

  private async onButton(interaction: ButtonInteraction): Promise<void> {
    await interaction.deferReply();
    const parsed = parseButtonAction(decodeCustomId(interaction.customId));
    await this.answer(interaction, await this.run(parsed, interaction, 'button'), false);
  }

  /** The deferred reply becomes the answer; an answer meant for the asker alone replaces a public deferral. */
  private async answer(interaction: ChatInputCommandInteraction | ButtonInteraction, reply: CommandReply, deferredPrivately: boolean): Promise<void> {
    // discord.js sends allowed_mentions only when told (allowedMentions); without it Discord pings all the content names.
    const { allowed_mentions: allowedMentions, ...body } = renderDiscordMessage(reply.message);
    const rendered = { ...body, allowedMentions };
    if (reply.visibility === 'ephemeral' && !deferredPrivately) {
      await interaction.deleteReply();
      await interaction.followUp({ ...rendered, flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.editReply(rendered);
  }

  private async run(parsed: CommandParseResult, interaction: ChatInputCommandInteraction | ButtonInteraction, input: 'typed' | 'button'): Promise<CommandReply> {
    return this.options.commands.run(parsed, {
      platform: 'discord',
      actor: { platformId: interaction.user.id, name: interaction.user.globalName ?? interaction.user.username },
      channelId: interaction.channelId,
      input,
    });
  }
}

/** Discord's refusals at start that a person setting the bot up can fix, said as the fix. */
function setupProblem(error: unknown, guildId: string, invite: string): StartupError | undefined {
  if (!(error instanceof ChatApiError)) return undefined;
  const code = error.platformCode;
  if (error.options.status === 401) {
    return new StartupError('config_invalid', 'Discord refused DISCORD_BOT_TOKEN (401 Unauthorized): copy the token again from the Bot page of your application (Reset Token gives a new one).');
  }
  if (code === '10004') {
    return new StartupError('config_invalid', `DISCORD_GUILD_ID: Discord knows no server ${guildId} for this bot (10004 Unknown Guild). Copy the server ID (Developer Mode, right-click the server, Copy Server ID), and invite the bot: ${invite}`);
  }
  if (code === '50001' || error.options.status === 403) {
    return new StartupError('config_invalid', `Discord refused to register the slash commands in server ${guildId} (${code} Missing Access): the bot is not in that server, was invited without the applications.commands scope, or DISCORD_APPLICATION_ID is another application's. Invite it with: ${invite}`);
  }
  return undefined;
}
