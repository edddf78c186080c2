import { createHmac } from 'node:crypto';

/**
 * What Slack sends to an app's request URL (`/slack/events`): slash commands, interactivity
 * payloads and Events API envelopes, signed with the app's signing secret.
 */

/** `v0=` + HMAC-SHA256(secret, `v0:{timestamp}:{raw body}`), hex. */
export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export interface DeliveryOptions {
  /** Sign with a wrong secret. */
  badSignature?: boolean;
  /** The X-Slack-Request-Timestamp to send (seconds); default now. */
  timestamp?: number;
  /** Shorthand for a timestamp this many seconds in the past (Bolt refuses more than 300). */
  ageSeconds?: number;
  /** A redelivery: X-Slack-Retry-Num and X-Slack-Retry-Reason as Slack sets them. */
  retryNum?: number;
  retryReason?: string;
}

export interface SlackDelivery {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
  /** What was sent, byte for byte, for `replay`. */
  sent: SentSlackRequest;
}

/** A request as it went over the wire: what someone who captured it could send again. */
export interface SentSlackRequest {
  rawBody: string;
  headers: Record<string, string>;
}

/** Where the senders get the response_url and trigger_id they hand out (the fake Slack serves both). */
export interface SlackIssuer {
  responseUrl(kind: 'commands' | 'actions'): string;
  triggerId(): string;
  teamId: string;
  appId: string;
}

export interface SlashCommandInput {
  command: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
}

export interface BlockActionInput {
  action_id: string;
  value?: string;
  block_id?: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  /** The message the button sits on (ts, text, blocks), as Slack includes it. */
  message?: { ts: string; text?: string; blocks?: unknown[] };
  /** The workspace the click comes from (default: the fake's own). */
  team_id?: string;
}

export class SlackRequestSender {
  private eventCounter = 0;

  constructor(
    readonly eventsUrl: string,
    private readonly signingSecret: string,
    private readonly issuer: SlackIssuer,
  ) {}

  /** A slash command as Slack posts it: form fields, one response_url and one trigger_id per command. */
  slashCommand(input: SlashCommandInput, options: DeliveryOptions = {}): Promise<SlackDelivery & { response_url: string; trigger_id: string }> {
    const response_url = this.issuer.responseUrl('commands');
    const trigger_id = this.issuer.triggerId();
    const form = new URLSearchParams({
      token: 'deprecated-verification-token',
      team_id: input.team_id ?? this.issuer.teamId,
      team_domain: input.team_domain ?? 'fake-workspace',
      channel_id: input.channel_id ?? 'C0GENERAL1',
      channel_name: input.channel_name ?? 'general',
      user_id: input.user_id ?? 'U0ALICE001',
      user_name: input.user_name ?? 'alice',
      command: input.command,
      text: input.text ?? '',
      api_app_id: this.issuer.appId,
      is_enterprise_install: 'false',
      response_url,
      trigger_id,
    });
    return this.send(form.toString(), 'application/x-www-form-urlencoded', options).then((d) => ({ ...d, response_url, trigger_id }));
  }

  /** A button click: `payload=<url-encoded JSON>` as in fixtures/slack/block-actions-button.wire.json. */
  blockAction(input: BlockActionInput, options: DeliveryOptions = {}): Promise<SlackDelivery & { response_url: string; trigger_id: string }> {
    const response_url = this.issuer.responseUrl('actions');
    const trigger_id = this.issuer.triggerId();
    const channelId = input.channel_id ?? 'C0GENERAL1';
    const messageTs = input.message?.ts ?? '1700000001.000100';
    const teamId = input.team_id ?? this.issuer.teamId;
    const payload = {
      type: 'block_actions',
      user: { id: input.user_id ?? 'U0ALICE001', username: input.user_name ?? 'alice', name: input.user_name ?? 'alice', team_id: teamId },
      api_app_id: this.issuer.appId,
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
      trigger_id,
      team: { id: teamId, domain: teamId === this.issuer.teamId ? 'fake-workspace' : 'other-workspace' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channelId, name: input.channel_name ?? 'general' },
      message: { type: 'message', ts: messageTs, text: input.message?.text ?? '', blocks: input.message?.blocks ?? [] },
      state: { values: {} },
      response_url,
      actions: [
        {
          action_id: input.action_id,
          block_id: input.block_id ?? 'actions',
          text: { type: 'plain_text', text: input.text ?? input.action_id, emoji: true },
          ...(input.value !== undefined ? { value: input.value } : {}),
          type: 'button',
          action_ts: `${Math.floor(Date.now() / 1000)}.000000`,
        },
      ],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    return this.send(body, 'application/x-www-form-urlencoded', options).then((d) => ({ ...d, response_url, trigger_id }));
  }

  /** An Events API delivery (JSON `event_callback` envelope); pass the same event_id to redeliver. */
  event(event: Record<string, unknown>, options: DeliveryOptions & { event_id?: string } = {}): Promise<SlackDelivery & { event_id: string }> {
    this.eventCounter++;
    const event_id = options.event_id ?? `Ev0FAKE${String(this.eventCounter).padStart(6, '0')}`;
    const envelope = {
      token: 'deprecated-verification-token',
      team_id: this.issuer.teamId,
      api_app_id: this.issuer.appId,
      event,
      type: 'event_callback',
      event_id,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.issuer.teamId, user_id: 'U0BOT00001', is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
    return this.send(JSON.stringify(envelope), 'application/json', options).then((d) => ({ ...d, event_id }));
  }

  /** Any raw body, signed as Slack signs it. */
  async send(rawBody: string, contentType: string, options: DeliveryOptions = {}): Promise<SlackDelivery> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0);
    const secret = options.badSignature ? `${this.signingSecret}-wrong` : this.signingSecret;
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(secret, timestamp, rawBody),
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
    }
    return this.post({ rawBody, headers });
  }

  /**
   * Sends a request again exactly as it went the first time (same bytes, same timestamp and
   * signature), as someone who captured it would; `headers` changes some on the way.
   */
  replay(delivery: SlackDelivery, headers: Record<string, string> = {}): Promise<SlackDelivery> {
    return this.post({ rawBody: delivery.sent.rawBody, headers: { ...delivery.sent.headers, ...headers } });
  }

  private async post(sent: SentSlackRequest): Promise<SlackDelivery> {
    const { rawBody, headers } = sent;
    const response = await fetch(this.eventsUrl, { method: 'POST', headers, body: rawBody });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json, sent };
  }
}
