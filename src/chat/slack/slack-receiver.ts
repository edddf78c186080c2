import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { verifySlackRequest } from '@slack/bolt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../logging.js';
import type { RouteModule } from '../../http/server.js';

// Slack gives up on a request after 3 s; answering just before keeps it from retrying.
const ACK_TIMEOUT_MS = 2_800;

export interface SlackReceiverOptions {
  signingSecret: string;
  log: Logger;
  /** True the first time a key is seen: redelivered events apply once, even across replicas. */
  firstDelivery(key: string): Promise<boolean>;
}

/**
 * Bolt's Receiver seam on the bot's own HTTP server: Bolt's signature check, then Bolt's
 * listeners. Nothing of Bolt's HTTP server or Express is used.
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
      server.post('/slack/events', (request, reply) => this.handle(request, reply));
    };
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = typeof request.body === 'string' ? request.body : '';
    try {
      verifySlackRequest({
        signingSecret: this.options.signingSecret,
        body: raw,
        headers: {
          'x-slack-signature': String(request.headers['x-slack-signature'] ?? ''),
          'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
        },
      });
    } catch {
      return reply.status(401).send({ error: 'unauthorized', message: 'invalid Slack signature' });
    }
    const body = parseSlackBody(raw, String(request.headers['content-type'] ?? ''));
    if (body === undefined) return reply.status(400).send({ error: 'bad_request', message: 'unreadable Slack payload' });
    if (body.ssl_check) return reply.status(200).send();
    if (body.type === 'url_verification') return reply.status(200).send({ challenge: body.challenge });

    const retryNum = request.headers['x-slack-retry-num'] ? Number(request.headers['x-slack-retry-num']) : undefined;
    const eventId = typeof body.event_id === 'string' ? body.event_id : undefined;
    if (eventId && !(await this.options.firstDelivery(`slack:event:${eventId}`))) {
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
