import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { PrismaClient } from '../../db/database.js';
import type { CommandGateway } from '../commands/command-gateway.js';
import type { RouteModule } from '../../http/server.js';
import type { Logger } from '../../logging.js';
import type { CommandReply } from '../commands/command-dispatch.js';
import { parseButtonAction } from '../commands/button-actions.js';
import { parseCommandText, type CommandParseResult } from '../commands/parse-command-text.js';
import type { ChatCommandName } from '../commands/parsed-command.js';
import { renderSlackMessage } from './block-kit.js';
import { SlackChatPort } from './slack-chat-port.js';
import { FastifySlackReceiver } from './slack-receiver.js';

export interface SlackAppOptions {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
  prisma: PrismaClient;
  log: Logger;
  commands: CommandGateway;
  firstDelivery(key: string): Promise<boolean>;
}

/** Bolt's logger interface on pino. */
function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'slack' });
  return {
    debug: (...args: unknown[]) => child.debug(args.map(String).join(' ')),
    info: (...args: unknown[]) => child.debug(args.map(String).join(' ')),
    warn: (...args: unknown[]) => child.warn(args.map(String).join(' ')),
    error: (...args: unknown[]) => child.error(args.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/**
 * Slack for the bot: Bolt in HTTP mode on the bot's own server (or Socket Mode with an app
 * token), its listeners turning slash commands and clicks into the shared dispatch, and the chat
 * port the engine uses to post.
 */
export class SlackApp {
  readonly port: SlackChatPort;
  private readonly app: App;
  private readonly receiver: FastifySlackReceiver | undefined;

  constructor(private readonly options: SlackAppOptions) {
    this.port = SlackChatPort.create(options.botToken, options.apiUrl, options.log);
    const clientOptions = { slackApiUrl: options.apiUrl };
    const logger = boltLogger(options.log);
    if (options.appToken) {
      // The socket client opens its connection through its own Web API client, configured here.
      this.app = new App({ token: options.botToken, appToken: options.appToken, socketMode: true, clientOptions, installerOptions: { clientOptions }, logger });
    } else {
      this.receiver = new FastifySlackReceiver({ signingSecret: options.signingSecret!, log: options.log, firstDelivery: options.firstDelivery });
      this.app = new App({ token: options.botToken, receiver: this.receiver, clientOptions, logger });
    }
    this.listen();
  }

  /** The HTTP route, in HTTP mode; none in Socket Mode. */
  routes(): RouteModule[] {
    return this.receiver ? [this.receiver.routes()] : [];
  }

  async start(): Promise<void> {
    if (this.options.appToken) await this.app.start();
  }

  async stop(): Promise<void> {
    if (this.options.appToken) await this.app.stop();
  }

  private listen(): void {
    for (const name of ['incident', 'oncall'] as ChatCommandName[]) {
      this.app.command(`/${name}`, async ({ command, ack, respond }) => {
        // Acknowledged at once (Slack allows 3 s); the result follows on the response URL.
        await ack();
        const result = await this.run(parseCommandText(name, command.text ?? ''), command.user_id, command.user_name, command.channel_id, 'typed');
        await respond({ response_type: result.visibility, replace_original: false, ...renderSlackMessage(result.message) } as never);
      });
    }
    this.app.action(/^(incident|step|page)\./, async ({ ack, body, action, respond }) => {
      await ack();
      const button = action as { action_id: string; value?: string };
      const user = (body as { user: { id: string; username?: string; name?: string } }).user;
      const channelId = (body as { channel?: { id: string } }).channel?.id ?? '';
      const result = await this.run(parseButtonAction({ action: button.action_id, value: button.value ?? '' }), user.id, user.username ?? user.name, channelId, 'button');
      await respond({ response_type: result.visibility, replace_original: false, ...renderSlackMessage(result.message) } as never);
    });
  }

  private async run(parsed: CommandParseResult, userId: string, userName: string | undefined, channelId: string, input: 'typed' | 'button'): Promise<CommandReply> {
    const channel = await this.options.prisma.chatChannel.findUnique({ where: { platform_channelId: { platform: 'slack', channelId } } });
    return this.options.commands.run(parsed, { platform: 'slack', actor: { platformId: userId, name: userName }, channelId, incidentNumber: channel?.incidentId, input });
  }
}
