import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../logging.js';
import type { RouteModule } from '../../http/server.js';
import type { Retention } from '../../db/processed-requests.js';
import { checkSlackSignature, SLACK_REQUEST_WINDOW_MS, slackSignatureHeadersWellFormed } from './slack-request-signature.js';
import type { BotWorkspace } from './slack-workspace.js';
import type { Clock } from '../../time/clock.js';

// Slack gives up on a request after 3 s; answering just before keeps it from retrying.
const ACK_TIMEOUT_MS = 2_800;
// At start, how long a request waits for auth.test to name the bot's workspace before a 503.
const WORKSPACE_WAIT_MS = 2_000;
// Slack retries an undelivered event three times within about five minutes, under the same id.
const EVENT_ID_MEMORY_MS = 60 * 60_000;
// A signed request is remembered until its timestamp leaves the window, plus one window more so
// that replicas (and the database) whose clocks are a few minutes apart still agree.
const REQUEST_MEMORY_MS = 2 * SLACK_REQUEST_WINDOW_MS;

export interface SlackReceiverOptions {
  signingSecret: string;
  log: Logger;
  clock: Clock;
  /** True the first time a key is seen: replays and redelivered events apply once, even across replicas. */
  firstDelivery(key: string, keep: Retention): Promise<boolean>;
  /** The bot's workspace once auth.test has named it, waiting up to `ms`. */
  workspace(ms: number): Promise<BotWorkspace | undefined>;
}

/**
 * Bolt's Receiver seam on the bot's own HTTP server: our signature and timestamp check, one
 * application per signed request, then Bolt's listeners (behind Bolt's authorize hook, which
 * lets only the bot's own workspace through). Nothing of Bolt's HTTP server or Express is used.
 */
export class FastifySlackReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly options: SlackReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  routes(): RouteModule {
    return (server) => {
      // onRequest runs before the body is read: a request without Slack's headers is refused unread.
      const signatureHeadersPresent = async (request: FastifyRequest, reply: FastifyReply) => {
        if (!slackSignatureHeadersWellFormed(header(request, 'x-slack-request-timestamp'), header(request, 'x-slack-signature'))) {
          return reply.status(401).send({ error: 'unauthorized', message: 'invalid Slack signature' });
        }
      };
      server.post('/slack/events', { onRequest: signatureHeadersPresent }, (request, reply) => this.handle(request, reply));
    };
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = typeof request.body === 'string' ? request.body : '';
    const signed = checkSlackSignature({
      signingSecret: this.options.signingSecret,
      rawBody: raw,
      timestampHeader: header(request, 'x-slack-request-timestamp'),
      signatureHeader: header(request, 'x-slack-signature'),
      nowMs: this.options.clock.now().getTime(),
    });
    if (!signed.ok) {
      // Only a correctly signed request gets this far: worth a line, since a server clock that is
      // off refuses every Slack request the same way.
      if (signed.reason === 'outside_window') this.options.log.warn(`refused a Slack request: ${signed.message}`);
      return reply.status(401).send({ error: 'unauthorized', message: signed.message });
    }
    const body = parseSlackBody(raw, String(request.headers['content-type'] ?? ''));
    if (body === undefined) return reply.status(400).send({ error: 'bad_request', message: 'unreadable Slack payload' });
    if (body.ssl_check) return reply.status(200).send();
    if (body.type === 'url_verification') return reply.status(200).send({ challenge: body.challenge });
    if (!(await this.options.workspace(WORKSPACE_WAIT_MS))) {
      return reply.status(503).send({ error: 'unavailable', message: 'the bot has not confirmed its Slack workspace yet (auth.test); Slack retries events' });
    }

    // Slash commands and clicks carry no id of their own: the signed bytes are the request. A
    // second delivery of them is a capture played back, answered as if taken and not applied.
    const requestKey = `slack:request:${signed.timestampSec}:${signed.signature}`;
    if (!(await this.options.firstDelivery(requestKey, { until: new Date(signed.timestampSec * 1000 + REQUEST_MEMORY_MS) }))) {
      this.options.log.warn({ timestamp: signed.timestampSec, kind: slackRequestKind(body) }, 'ignored a Slack request delivered again with the same timestamp and signature (a replay)');
      return reply.status(200).send();
    }
    const retryNum = request.headers['x-slack-retry-num'] ? Number(request.headers['x-slack-retry-num']) : undefined;
    const eventId = typeof body.event_id === 'string' ? body.event_id : undefined;
    if (eventId && !(await this.options.firstDelivery(`slack:event:${eventId}`, { forMs: EVENT_ID_MEMORY_MS }))) {
      return reply.status(200).send();
    }

    let acked = false;
    const answered = new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ACK_TIMEOUT_MS);
      const event: ReceiverEvent = {
        body,
        retryNum,
        retryReason: request.headers['x-slack-retry-reason'] as string | undefined,
        ack: async (response?: unknown) => {
          if (acked) return;
          acked = true;
          clearTimeout(timer);
          resolve(response);
        },
      };
      this.app!.processEvent(event).catch((error: unknown) => {
        this.options.log.error({ err: error }, 'a Slack listener failed');
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    const response = await answered;
    if (response === undefined || response === '') return reply.status(200).send();
    return typeof response === 'string' ? reply.status(200).type('text/plain').send(response) : reply.status(200).send(response);
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** For the log: a slash command's name, an interactivity payload's or an event's type. */
function slackRequestKind(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') return body.command.slice(0, 40);
  return typeof body.type === 'string' ? body.type.slice(0, 40) : 'unknown';
}

/** Slash commands are form fields; interactivity is one form field `payload` holding JSON; events are JSON. */
export function parseSlackBody(raw: string, contentType: string): Record<string, unknown> | undefined {
  try {
    if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    if (payload !== null) return JSON.parse(payload) as Record<string, unknown>;
    return Object.fromEntries(form);
  } catch {
    return undefined;
  }
}
