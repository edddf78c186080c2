import { App, ErrorCode, LogLevel, type CodedError, type Logger as BoltLogger } from '@slack/bolt';
import type { AuditLog } from '../../access/audit-log.js';
import type { CommandGateway } from '../commands/command-gateway.js';
import type { RouteModule } from '../../http/server.js';
import type { Logger } from '../../logging.js';
import type { CommandReply } from '../commands/command-dispatch.js';
import { BUTTON_ACTIONS, parseButtonAction } from '../commands/button-actions.js';
import { parseCommandText, type CommandParseResult } from '../commands/parse-command-text.js';
import type { ChatCommandName } from '../commands/parsed-command.js';
import { renderSlackMessage } from './block-kit.js';
import { SlackChatPort } from './slack-chat-port.js';
import type { Retention } from '../../db/processed-requests.js';
import { FastifySlackReceiver } from './slack-receiver.js';
import { RequestRefused, SlackWorkspaceGuard } from './slack-workspace.js';
import { systemClock, type Clock } from '../../time/clock.js';

export interface SlackAppOptions {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
  log: Logger;
  commands: CommandGateway;
  audit: Pick<AuditLog, 'record'>;
  firstDelivery(key: string, keep: Retention): Promise<boolean>;
  /** The bot's clock for request timestamps (tests move it); the system clock by default. */
  clock?: Clock;
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
  private readonly workspace: SlackWorkspaceGuard;

  constructor(private readonly options: SlackAppOptions) {
    this.port = SlackChatPort.create(options.botToken, options.apiUrl, options.log);
    this.workspace = new SlackWorkspaceGuard({ client: this.port.client, botToken: options.botToken, apiUrl: options.apiUrl, log: options.log, audit: options.audit });
    const clientOptions = { slackApiUrl: options.apiUrl };
    const logger = boltLogger(options.log);
    // Bolt asks our guard who the bot is instead of calling auth.test itself, so a request from
    // another workspace reaches no listener, over HTTP and Socket Mode alike.
    const authorize = this.workspace.authorize;
    if (options.appToken) {
      // The socket client opens its connection through its own Web API client, configured here.
      this.app = new App({ authorize, appToken: options.appToken, socketMode: true, clientOptions, installerOptions: { clientOptions }, logger });
    } else {
      this.receiver = new FastifySlackReceiver({
        signingSecret: options.signingSecret!,
        log: options.log,
        clock: options.clock ?? systemClock,
        firstDelivery: options.firstDelivery,
        workspace: (ms) => this.workspace.within(ms),
      });
      this.app = new App({ authorize, receiver: this.receiver, clientOptions, logger });
    }
    // A refused request is logged and audited already; Bolt then acknowledges it with nothing done.
    this.app.error(async (error: CodedError) => {
      const original = (error as CodedError & { original?: unknown }).original;
      if (error.code === ErrorCode.AuthorizationError && original instanceof RequestRefused) return;
      throw error;
    });
    this.listen();
  }

  /** The HTTP route, in HTTP mode; none in Socket Mode. */
  routes(): RouteModule[] {
    return this.receiver ? [this.receiver.routes()] : [];
  }

  /** Learns the bot's workspace (auth.test), then opens the socket in Socket Mode. */
  async start(): Promise<void> {
    await this.workspace.learn();
    if (this.options.appToken) await this.app.start();
  }

  async stop(): Promise<void> {
    this.workspace.stop();
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
    // Every action the cards carry, so a new button is never dropped on Slack's side.
    this.app.action(new RegExp(`^(${[...new Set(BUTTON_ACTIONS.map((action) => action.split('.')[0]))].join('|')})\\.`), async ({ ack, body, action, respond }) => {
      await ack();
      const button = action as { action_id: string; value?: string };
      const user = (body as { user: { id: string; username?: string; name?: string } }).user;
      const channelId = (body as { channel?: { id: string } }).channel?.id ?? '';
      const result = await this.run(parseButtonAction({ action: button.action_id, value: button.value ?? '' }), user.id, user.username ?? user.name, channelId, 'button');
      await respond({ response_type: result.visibility, replace_original: false, ...renderSlackMessage(result.message) } as never);
    });
  }

  private async run(parsed: CommandParseResult, userId: string, userName: string | undefined, channelId: string, input: 'typed' | 'button'): Promise<CommandReply> {
    return this.options.commands.run(parsed, { platform: 'slack', actor: { platformId: userId, name: userName }, channelId, input });
  }
}
