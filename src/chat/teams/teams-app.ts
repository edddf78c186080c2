import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Retention } from '../../db/processed-requests.js';
import type { RouteModule } from '../../http/server.js';
import type { Logger } from '../../logging.js';
import type { Clock } from '../../time/clock.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { CommandReply } from '../commands/command-dispatch.js';
import type { CommandGateway } from '../commands/command-gateway.js';
import { parseButtonAction } from '../commands/button-actions.js';
import { parseCommandText, type CommandParseResult } from '../commands/parse-command-text.js';
import { plainMessageText } from './adaptive-card.js';
import { BotFrameworkJwtVerifier, BotTokenRefused, type VerifiedBotToken } from './bot-framework-jwt.js';
import { commandTextOf, parseActivity, tenantOf, type TeamsActivity } from './teams-activity.js';
import { TeamsChatPort, teamChannelOf } from './teams-chat-port.js';

export interface TeamsAppOptions {
  appId: string;
  appPassword: string;
  tenantId: string;
  teamId: string;
  incidentsChannel?: string;
  apiUrl?: string;
  /** TEAMS_GRAPH=on: channels and files through Microsoft Graph, in the team with this group id. */
  graph?: { groupId: string; url?: string };
  /** The stored incident conversations in a team channel: the channel's own id, or its threads' ("19:…;messageid=…"), at most two. */
  incidentConversations?(teamChannel: string): Promise<string[]>;
  log: Logger;
  clock: Clock;
  commands: CommandGateway;
  firstDelivery(key: string, keep: Retention): Promise<boolean>;
}

// The connector redelivers an activity it got no answer to within seconds; a day covers it.
const DELIVERY_MEMORY: Retention = { forMs: 24 * 60 * 60_000 };
const INVOKE_MESSAGE = 'application/vnd.microsoft.activity.message';

declare module 'fastify' {
  interface FastifyRequest {
    teamsToken?: VerifiedBotToken;
  }
}

/**
 * Microsoft Teams for the bot: activities from the Bot Connector (their JWT checked before the
 * body is read), typed commands (@mentions in a channel, or words in a 1:1 chat) and
 * Action.Execute clicks into the shared command gateway, and the chat port the engine posts through.
 */
export class TeamsApp implements ChatAdapter {
  readonly port: TeamsChatPort;
  private readonly verifier: BotFrameworkJwtVerifier;

  constructor(private readonly options: TeamsAppOptions) {
    this.port = TeamsChatPort.create(options);
    this.verifier = new BotFrameworkJwtVerifier({ appId: options.appId, openIdUrl: options.apiUrl, clock: options.clock });
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  routes(): RouteModule[] {
    return [
      (server) => {
        const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
          try {
            request.teamsToken = await this.verifier.verify(header(request, 'authorization'));
          } catch (error) {
            return this.refuse(reply, error);
          }
        };
        server.post('/teams/messages', { onRequest: authenticate }, (request, reply) => this.receive(request, reply));
      },
    ];
  }

  private refuse(reply: FastifyReply, error: unknown): FastifyReply {
    const reason = error instanceof BotTokenRefused ? error.reason : 'unverifiable token';
    this.options.log.warn({ reason }, `Teams: refused a request to /teams/messages (${reason})`);
    return reply.status(401).send({ error: 'unauthorized', message: 'not an activity the Bot Connector signed for this bot' });
  }

  private async receive(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const activity = parseActivity(typeof request.body === 'string' ? request.body : '');
    if (!activity) return reply.status(400).send({ error: 'bad_request', message: 'not a Bot Framework activity' });
    try {
      this.verifier.checkActivity(request.teamsToken!, activity);
    } catch (error) {
      return this.refuse(reply, error);
    }
    if (tenantOf(activity) !== undefined && tenantOf(activity)!.toLowerCase() !== this.options.tenantId.toLowerCase()) {
      this.options.log.warn({ tenant: tenantOf(activity) }, 'Teams: ignored an activity from another tenant than TEAMS_TENANT_ID');
      return reply.status(403).send({ error: 'forbidden', message: 'the activity came from another tenant than TEAMS_TENANT_ID' });
    }
    const conversationId = activity.conversation?.id;
    const isClick = activity.type === 'invoke' && activity.name === 'adaptiveCard/action';
    if ((activity.type !== 'message' && !isClick) || !conversationId) return reply.status(200).send({});
    if (activity.id && !(await this.options.firstDelivery(`teams:activity:${conversationId}:${activity.id}`, DELIVERY_MEMORY))) {
      return reply.status(200).send(isClick ? invokeAnswer('This click was handled already.') : {});
    }
    return isClick ? this.click(activity, conversationId, reply) : this.message(activity, conversationId, reply);
  }

  private async message(activity: TeamsActivity, conversationId: string, reply: FastifyReply): Promise<unknown> {
    const typed = commandTextOf(activity, await this.mentionedPeople(activity));
    const result = await this.run(parseCommandText(typed.command ?? 'incident', typed.command ? typed.text : typed.text || 'help'), activity, conversationId, 'typed');
    await this.answer(result, activity, conversationId);
    return reply.status(200).send({});
  }

  private async click(activity: TeamsActivity, conversationId: string, reply: FastifyReply): Promise<unknown> {
    const action = activity.value?.action;
    const verb = typeof action?.verb === 'string' ? action.verb : '';
    const value = action?.data?.value;
    const result = await this.run(parseButtonAction({ action: verb, value: typeof value === 'string' || typeof value === 'number' ? String(value) : '' }), activity, conversationId, 'button');
    // Only the clicker sees the invoke's answer: what Teams has instead of an ephemeral message.
    if (result.visibility === 'ephemeral') return reply.status(200).send(invokeAnswer(plainMessageText(result.message)));
    await this.answer(result, activity, conversationId);
    return reply.status(200).send(invokeAnswer(plainMessageText(result.message, 200)));
  }

  /**
   * Teams sends a mentioned person as "<at>Name</at>" with an entity naming their Teams id (29:…),
   * not their Entra object id, which is how oncall.yaml knows them: each is looked up in the team's
   * roster and written as <@objectid|Name>, as Slack and Discord send mentions. An unknown one is
   * left as text for the parser to refuse.
   */
  private async mentionedPeople(activity: TeamsActivity): Promise<Map<string, string>> {
    const people = new Map<string, string>();
    const others = (activity.entities ?? []).filter((e) => e.type === 'mention' && e.mentioned?.id && e.mentioned.id !== activity.recipient?.id && typeof e.text === 'string').slice(0, 10);
    for (const entity of others) {
      const member = await this.port.member(entity.mentioned!.id!).catch(() => undefined);
      if (member?.aadObjectId) people.set(entity.text!, `<@${member.aadObjectId.toLowerCase()}|${(member.name ?? '').replace(/[<>|]/g, '')}>`);
    }
    return people;
  }

  /** Public answers go into the conversation as a reply; private ones to the asker by direct message. */
  private async answer(result: CommandReply, activity: TeamsActivity, conversationId: string): Promise<void> {
    try {
      const personal = activity.conversation?.conversationType === 'personal';
      if (result.visibility === 'in_channel' || personal) await this.port.postMessage(conversationId, result.message, activity.id);
      else await this.port.sendDirectMessage(actorId(activity), result.message);
    } catch (error) {
      this.options.log.warn({ err: error }, 'Teams: could not post the answer to a command');
    }
  }

  private async run(parsed: CommandParseResult, activity: TeamsActivity, conversationId: string, input: 'typed' | 'button'): Promise<CommandReply> {
    const channelId = await this.incidentConversationOf(conversationId).catch(() => conversationId);
    return this.options.commands.run(parsed, { platform: 'teams', actor: { platformId: actorId(activity), name: activity.from?.name }, channelId, input });
  }

  /**
   * With Graph an incident has a channel of its own, its conversation the thread of the bot's
   * first post; a command typed as a new post in that channel (a thread of its own) is the
   * incident's too. Only where the channel holds exactly one incident: never General nor
   * INCIDENTS_CHANNEL, whose threads are each a different incident's.
   */
  private async incidentConversationOf(conversationId: string): Promise<string> {
    if (!this.port.graph || !this.options.incidentConversations) return conversationId;
    const teamChannel = teamChannelOf(conversationId);
    if (!teamChannel || teamChannel === this.options.teamId) return conversationId;
    const known = await this.options.incidentConversations(teamChannel);
    if (known.length !== 1 || known[0] === conversationId) return conversationId;
    const incidents = this.options.incidentsChannel ? await this.port.resolveChannel(this.options.incidentsChannel) : undefined;
    return teamChannel === incidents ? conversationId : known[0]!;
  }
}

/** People are known by their Entra object id (oncall.yaml `teams:`), lowercase. */
function actorId(activity: TeamsActivity): string {
  return (activity.from?.aadObjectId ?? activity.from?.id ?? '').toLowerCase();
}

function invokeAnswer(text: string): { statusCode: 200; type: string; value: string } {
  return { statusCode: 200, type: INVOKE_MESSAGE, value: text };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
