import type { AuthorizeResult, AuthorizeSourceData } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AuditLog } from '../../access/audit-log.js';
import { backoffMs } from '../../engine/backoff.js';
import type { Logger } from '../../logging.js';
import { StartupError } from '../../startup-error.js';
import { ChatApiError } from '../chat-port.js';
import { toChatApiError } from './slack-chat-port.js';

/** The workspace (or, for an org-wide install, the Enterprise Grid org) the bot token belongs to, from auth.test. */
export interface BotWorkspace {
  teamId: string;
  enterpriseId?: string;
  enterpriseInstall: boolean;
  botUserId: string;
  botId?: string;
}

/** Where Bolt says a request comes from (its own reading of team_id, team.id, authorizations...). */
export type RequestOrigin = Pick<AuthorizeSourceData<boolean>, 'teamId' | 'enterpriseId'>;

/**
 * A Slack app has one signing secret for every workspace it is installed in, so a valid signature
 * does not say the request is for this bot's workspace: the team does.
 */
export function fromBotWorkspace(workspace: BotWorkspace, origin: RequestOrigin): boolean {
  if (workspace.enterpriseInstall) return workspace.enterpriseId !== undefined && origin.enterpriseId === workspace.enterpriseId;
  return origin.teamId === workspace.teamId;
}

/** A request Bolt must not hand to the listeners; already logged and audited. */
export class RequestRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestRefused';
  }
}

/** SLACK_API_URL as it can be shown: without any user or password in it. */
function shownApiUrl(apiUrl: string | undefined): string {
  if (!apiUrl) return '';
  try {
    const url = new URL(apiUrl);
    url.username = '';
    url.password = '';
    return ` at SLACK_API_URL=${url.toString()}`;
  } catch {
    return ' at SLACK_API_URL';
  }
}

/** What to tell the operator when auth.test says no; which setting to look at depends on how it failed. */
export function authTestRefusal(error: ChatApiError, apiUrl: string | undefined): string {
  if (error.options.status !== undefined) {
    return `Slack's auth.test answered HTTP ${error.options.status}${shownApiUrl(apiUrl)}: check SLACK_API_URL (the Web API base, e.g. https://slack.com/api/)`;
  }
  return (
    `Slack refused SLACK_BOT_TOKEN (auth.test: ${error.platformCode}): set it to the app's Bot User OAuth Token (xoxb-...) ` +
    `from the Slack app's "OAuth & Permissions" page, and reinstall the app if the token was revoked`
  );
}

export interface SlackWorkspaceGuardOptions {
  client: WebClient;
  botToken: string;
  apiUrl?: string;
  log: Logger;
  audit: Pick<AuditLog, 'record'>;
}

/**
 * Learns the bot's workspace with auth.test when the bot starts and then lets through, as Bolt's
 * `authorize` hook, only requests from that workspace (HTTP and Socket Mode alike). A token Slack
 * refuses stops the start with the setting to fix; Slack unreachable does not (alerts must still
 * be taken in): auth.test is retried with back-off, and Slack requests wait for it.
 */
export class SlackWorkspaceGuard {
  private workspace: BotWorkspace | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly options: SlackWorkspaceGuardOptions) {}

  /** Resolves at start with the workspace; throws a StartupError when Slack refuses the token. */
  async learn(): Promise<void> {
    const outcome = await this.askSlack();
    if (outcome instanceof ChatApiError) {
      if (!outcome.retryable) throw new StartupError('config_invalid', authTestRefusal(outcome, this.options.apiUrl));
      this.retryLater(1, outcome);
    }
  }

  /** The workspace, waiting up to `ms` for auth.test to answer. */
  async within(ms: number): Promise<BotWorkspace | undefined> {
    if (this.workspace) return this.workspace;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timeout);
        this.waiting.delete(wake);
        resolve();
      };
      const timeout = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
    return this.workspace;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** Bolt's authorize hook: the bot's identity for requests from its workspace, a refusal for the rest. */
  readonly authorize = async (origin: AuthorizeSourceData<boolean>): Promise<AuthorizeResult> => {
    const workspace = this.workspace;
    if (!workspace) {
      this.options.log.warn('refused a Slack request: the bot has not confirmed its Slack workspace yet (auth.test)');
      throw new RequestRefused('the bot has not confirmed its Slack workspace yet (auth.test)');
    }
    if (!fromBotWorkspace(workspace, origin)) {
      const from = origin.enterpriseId && workspace.enterpriseInstall ? `org ${origin.enterpriseId}` : `workspace ${origin.teamId ?? '(none)'}`;
      const ours = workspace.enterpriseInstall ? `org ${workspace.enterpriseId}` : `workspace ${workspace.teamId}`;
      const detail = `a Slack request from ${from}, not from this bot's ${ours} (auth.test of SLACK_BOT_TOKEN); nothing was done`;
      this.options.log.warn({ team: origin.teamId, enterprise: origin.enterpriseId, user: origin.userId }, `refused ${detail}`);
      await this.options.audit.record({
        actorName: origin.userId ?? 'unknown Slack user',
        platform: 'slack',
        action: 'slack.request',
        args: { team: origin.teamId ?? null, enterprise: origin.enterpriseId ?? null, user: origin.userId ?? null, channel: origin.conversationId ?? null },
        result: 'refused',
        detail: `Refused ${detail}`,
      });
      throw new RequestRefused(detail);
    }
    return {
      botToken: this.options.botToken,
      botId: workspace.botId,
      botUserId: workspace.botUserId,
      teamId: origin.teamId,
      enterpriseId: origin.enterpriseId,
    };
  };

  private async askSlack(): Promise<BotWorkspace | ChatApiError> {
    try {
      const result = await this.options.client.auth.test();
      this.workspace = {
        teamId: result.team_id!,
        enterpriseId: result.enterprise_id || undefined,
        enterpriseInstall: result.is_enterprise_install === true,
        botUserId: result.user_id!,
        botId: result.bot_id,
      };
      this.options.log.info({ team: this.workspace.teamId, enterprise: this.workspace.enterpriseId }, 'Slack: serving the workspace the bot token belongs to');
      for (const wake of this.waiting) wake();
      return this.workspace;
    } catch (error) {
      return toChatApiError('auth.test', error);
    }
  }

  private retryLater(attempt: number, error: ChatApiError): void {
    if (this.stopped) return;
    const waitMs = error.options.retryAfterMs ?? backoffMs(attempt);
    this.options.log.warn(
      { error: error.platformCode, retryInMs: waitMs },
      `could not reach Slack to check SLACK_BOT_TOKEN (auth.test${shownApiUrl(this.options.apiUrl)}); Slack requests are refused until it answers`,
    );
    this.retry = setTimeout(() => {
      void this.askSlack().then((outcome) => {
        if (!(outcome instanceof ChatApiError)) return;
        if (outcome.retryable) return this.retryLater(attempt + 1, outcome);
        this.options.log.error(`${authTestRefusal(outcome, this.options.apiUrl)}; Slack requests are refused until the bot restarts with a working token`);
      });
    }, waitMs);
    this.retry.unref();
  }
}
