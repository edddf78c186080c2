import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandToken } from '../../config.js';
import type { Retention } from '../../db/processed-requests.js';
import type { RouteModule } from '../../http/server.js';
import type { Logger } from '../../logging.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { CommandReply } from '../commands/command-dispatch.js';
import type { CommandGateway } from '../commands/command-gateway.js';
import { parseButtonAction } from '../commands/button-actions.js';
import { parseCommandText, type CommandParseResult } from '../commands/parse-command-text.js';
import type { ChatCommandName } from '../commands/parsed-command.js';
import { MattermostChatPort } from './mattermost-chat-port.js';
import { mattermostText, renderMattermostPost, verifyButton } from './mattermost-post.js';
import { actionKeyOf, actionUrlKey, commandTokenOf, isOneOf, parseActionRequest, parseCommandRequest } from './mattermost-requests.js';

export interface MattermostAppOptions {
  url: string;
  botToken: string;
  team: string;
  /** Each slash command's token (/incident's, /oncall's), named by its command where the setting says. */
  commandTokens: CommandToken[];
  /** The bot's public address: buttons call back PUBLIC_URL/mattermost/actions. */
  publicUrl: string;
  log: Logger;
  commands: CommandGateway;
  firstDelivery(key: string, keep: Retention): Promise<boolean>;
}

// Mattermost does not resend a command or a click; a copy sent again is a replay, remembered a day.
const TRIGGER_MEMORY: Retention = { forMs: 24 * 60 * 60_000 };

const COMMANDS: readonly ChatCommandName[] = ['incident', 'oncall'];

/**
 * Mattermost for the bot: slash commands (each checked against its own token before the body is
 * read) and button clicks (through the integration URL, whose key the server never shows users)
 * into the shared command gateway, and the chat port the engine posts through.
 */
export class MattermostApp implements ChatAdapter {
  readonly port: MattermostChatPort;
  private readonly actionKey: Buffer;
  private readonly urlKey: string;
  private teamId: string | undefined;

  constructor(private readonly options: MattermostAppOptions) {
    this.actionKey = actionKeyOf(options.botToken);
    this.urlKey = actionUrlKey(this.actionKey);
    const actionsUrl = new URL('mattermost/actions', options.publicUrl.endsWith('/') ? options.publicUrl : `${options.publicUrl}/`);
    actionsUrl.searchParams.set('key', this.urlKey);
    this.port = MattermostChatPort.create({ url: options.url, token: options.botToken, team: options.team, buttons: { url: actionsUrl.toString(), key: this.actionKey }, log: options.log });
  }

  /** Checks the token and the team (a wrong one is logged; the jobs retry once it is fixed). */
  async start(): Promise<void> {
    try {
      this.teamId = (await this.port.learn()).teamId;
    } catch (error) {
      this.options.log.error({ err: error, team: this.options.team }, `Mattermost: could not find the team "${this.options.team}" or the bot account with MATTERMOST_BOT_TOKEN; messages wait in the job queue`);
    }
  }

  async stop(): Promise<void> {}

  routes(): RouteModule[] {
    return [
      (server) => {
        const commandToken = async (request: FastifyRequest, reply: FastifyReply) => {
          const token = commandTokenOf(header(request, 'authorization'));
          if (!token || !isOneOf(token, this.options.commandTokens.map((known) => known.token))) return reply.status(401).send({ error: 'unauthorized', message: 'not a slash command token of this bot (MATTERMOST_COMMAND_TOKENS)' });
        };
        const actionKey = async (request: FastifyRequest, reply: FastifyReply) => {
          const key = (request.query as { key?: unknown }).key;
          if (typeof key !== 'string' || !isOneOf(key, [this.urlKey])) return reply.status(401).send({ error: 'unauthorized', message: 'not a button of this bot' });
        };
        server.post('/mattermost/commands', { onRequest: commandToken }, (request, reply) => this.command(request, reply));
        server.post('/mattermost/actions', { onRequest: actionKey }, (request, reply) => this.action(request, reply));
      },
    ];
  }

  private async command(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const body = parseCommandRequest(typeof request.body === 'string' ? request.body : '');
    if (!body) return reply.status(400).send({ error: 'bad_request', message: 'a slash command needs command, user_id and channel_id' });
    const name = body.command.replace(/^\//, '') as ChatCommandName;
    if (!COMMANDS.includes(name)) return reply.status(200).send({ response_type: 'ephemeral', text: `This bot answers /incident and /oncall, not ${body.command.slice(0, 40)}.` });
    // A token named for one command runs that command only: /oncall's token leaked is not /incident resolve.
    const presented = commandTokenOf(header(request, 'authorization'));
    const bound = this.options.commandTokens.find((known) => known.command !== undefined && presented !== undefined && isOneOf(presented, [known.token]));
    if (bound && bound.command !== name) return reply.status(401).send({ error: 'unauthorized', message: `this is the token of /${bound.command}, not of /${name} (MATTERMOST_COMMAND_TOKENS)` });
    if (!this.teamId) this.teamId = await this.port.learn().then((learned) => learned.teamId).catch(() => undefined);
    if (!this.teamId) return reply.status(503).send({ response_type: 'ephemeral', text: 'The bot cannot reach Mattermost or find its team (MATTERMOST_TEAM) just now; try again in a moment.' });
    if (body.team_id !== this.teamId) return reply.status(403).send({ error: 'forbidden', message: 'the command came from another team than MATTERMOST_TEAM' });
    if (body.trigger_id && !(await this.options.firstDelivery(`mattermost:trigger:${body.trigger_id}`, TRIGGER_MEMORY))) {
      return reply.status(409).send({ error: 'conflict', message: 'this command was run already' });
    }
    const result = await this.run(parseCommandText(name, await this.withMentions(body.text)), body.user_id, body.user_name, body.channel_id, 'typed');
    // Usernames of the people the answer names are looked up; without Mattermost the answer still goes, naming ids as text.
    const post = await this.port.render(result.message).catch(() => renderMattermostPost(result.message, this.port.buttons));
    return reply.status(200).send({ response_type: result.visibility, text: post.message, ...(post.props.attachments.length ? { attachments: post.props.attachments } : {}) });
  }

  private async action(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const body = parseActionRequest(typeof request.body === 'string' ? request.body : '');
    if (!body) return reply.status(400).send({ error: 'bad_request', message: 'a click needs user_id, channel_id and post_id' });
    const button = verifyButton(this.actionKey, body.context);
    if (!button) return reply.status(401).send({ error: 'unauthorized', message: 'not a button of this bot' });
    if (body.trigger_id && !(await this.options.firstDelivery(`mattermost:trigger:${body.trigger_id}`, TRIGGER_MEMORY))) {
      return reply.status(200).send({ ephemeral_text: 'This click was handled already.' });
    }
    const result = await this.run(parseButtonAction(button), body.user_id, body.user_name, body.channel_id, 'button');
    if (result.visibility === 'ephemeral') return reply.status(200).send({ ephemeral_text: mattermostText(result.message) });
    // Everyone sees the outcome of a click: a post in the channel; the card itself is updated by the incident's sync.
    await this.port.postMessage(body.channel_id, result.message).catch((error: unknown) => this.options.log.warn({ err: error }, 'Mattermost: could not post the answer to a click'));
    return reply.status(200).send({});
  }

  /**
   * Mattermost sends what was typed: "@alice" and "~inc-12-db" as text. People become mentions
   * (<@id|username>) as Slack and Discord send them, channels "#name"; an unknown @name is left
   * for the parser to refuse.
   */
  private async withMentions(text: string): Promise<string> {
    const tokens = text.split(/(\s+)/);
    const usernames = [...new Set(tokens.map((token) => /^@([a-z0-9][a-z0-9._-]{0,63})$/i.exec(token)?.[1]?.toLowerCase()).filter((name): name is string => name !== undefined))].slice(0, 20);
    const ids = await this.port.idsOfUsernames(usernames).catch(() => new Map<string, string>());
    return tokens
      .map((token) => {
        const username = /^@([a-z0-9][a-z0-9._-]{0,63})$/i.exec(token)?.[1]?.toLowerCase();
        if (username && ids.has(username)) return `<@${ids.get(username)!}|${username}>`;
        return /^~[a-z0-9][a-z0-9_-]*$/.test(token) ? `#${token.slice(1)}` : token;
      })
      .join('');
  }

  private run(parsed: CommandParseResult, userId: string, userName: string | undefined, channelId: string, input: 'typed' | 'button'): Promise<CommandReply> {
    return this.options.commands.run(parsed, { platform: 'mattermost', actor: { platformId: userId, name: userName }, channelId, input });
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
