import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { AppError, formatPath } from '../errors.js';
import { pagerDutyUnauthorizedMessage, presentedToken, tokensEqual } from '../http/bearer-auth.js';
import { cappedBody } from '../http/capped-body.js';
import { toAppError, type RouteModule } from '../http/server.js';
import { routeAlert } from './routing.js';
import { recordChange } from '../incidents/change-events.js';
import { systemClock } from '../time/clock.js';
import { jsonBody } from './json-body.js';
import { normalizePagerDuty } from './pagerduty.js';
import { changeAsAlert, normalizeChangeEvent } from './pagerduty-change.js';
import type { WebhookDeps, WebhookGuards } from './webhook-routes.js';

/**
 * The most a PagerDuty event may weigh when no webhook token came in a header, so that the work
 * done before its routing key is known stays small: a 64 KiB body is parsed in well under a
 * millisecond however it nests. PagerDuty's own events are a few KiB (PagerDuty caps them at
 * 512 KB); a sender with bigger ones sends the webhook token as a Bearer header (1 MiB).
 */
export const UNAUTHENTICATED_EVENT_LIMIT_BYTES = 64 * 1024;

function eventTooLarge(): AppError {
  return new AppError(
    'payload_too_large',
    `A PagerDuty event sent without the webhook token in an Authorization header may be at most ${UNAUTHENTICATED_EVENT_LIMIT_BYTES} bytes (64 KiB); ` +
      'send larger events with "Authorization: Bearer <webhook token>"',
  );
}

/** The routing_key of a PagerDuty event body, read before anything else is done with the body. */
function routingKeyIn(body: unknown): { parsed: false } | { parsed: true; key?: string } {
  let event: unknown = body ?? {};
  if (typeof body === 'string') {
    try {
      event = JSON.parse(body);
    } catch {
      return { parsed: false };
    }
  }
  const key = (event as { routing_key?: unknown } | null)?.routing_key;
  return { parsed: true, key: typeof key === 'string' ? key : undefined };
}

/** A field left out or empty, in PagerDuty's words ("'payload.summary' is missing or blank"); any other problem as our validation says it. */
function pagerDutyError(issue: ZodError['issues'][number]): string {
  const path = formatPath(issue.path);
  const missing = (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) || (issue.code === 'too_small' && (issue as { origin?: string }).origin === 'string');
  return missing ? `'${path}' is missing or blank` : `${path}: ${issue.message}`;
}

function invalidEvent(reply: FastifyReply, error: ZodError) {
  const problems = error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  return reply.status(400).send({
    status: 'invalid event',
    message: 'Event object is invalid',
    errors: error.issues.map(pagerDutyError),
    error: 'validation_failed',
    problems,
  });
}

/**
 * PagerDuty Events API v2 at PagerDuty's paths and in its shapes: alert events (trigger,
 * acknowledge, resolve) and change events. The routing_key in the body is the credential,
 * or the webhook token in a header.
 */
export function pagerDutyRoutes(deps: WebhookDeps, guards: WebhookGuards): RouteModule {
  const clock = deps.clock ?? systemClock;
  const { limitByAddress, limitByToken, ingest } = guards;
  return (app) => {
    // PagerDuty senders read errors in PagerDuty's shape, a 413 or 429 included.
    const pagerDutyErrors = async (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const appError = toAppError(error);
      if (appError.code === 'internal' || appError.code === 'unavailable') throw error;
      const retryAfter = appError.details.retryAfterSeconds;
      if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
      // The rest of a body refused for its size is not read: the connection cannot be reused.
      if (appError.code === 'payload_too_large') reply.header('Connection', 'close');
      const status = appError.code === 'rate_limited' ? 'throttle exceeded' : appError.code === 'invalid_json' ? 'Unrecognized object' : 'invalid event';
      return reply.status(appError.httpStatus).send({
        status,
        message: appError.message,
        errors: [appError.message],
        error: appError.code,
        ...(appError.details.problems ? { problems: appError.details.problems } : {}),
        ...(retryAfter !== undefined ? { retry_after_seconds: retryAfter } : {}),
      });
    };

    // The webhook token in a header is checked before the body is read, as on the other routes;
    // without it, the credential is the routing_key inside the body, so the body is kept small.
    const byWebhookToken = new WeakSet<FastifyRequest>();
    const authenticateHeaderOrBoundBody = async (request: FastifyRequest) => {
      const bearer = presentedToken(request);
      if (tokensEqual(bearer, deps.webhookToken)) {
        limitByToken(request, bearer!);
        byWebhookToken.add(request);
        return;
      }
      if (Number(request.headers['content-length']) > UNAUTHENTICATED_EVENT_LIMIT_BYTES) throw eventTooLarge();
    };
    const boundUnauthenticatedBody = async (request: FastifyRequest, _reply: FastifyReply, payload: Readable) =>
      byWebhookToken.has(request) ? payload : cappedBody(payload, UNAUTHENTICATED_EVENT_LIMIT_BYTES, eventTooLarge);

    const unrecognized = (reply: FastifyReply) =>
      reply.status(400).send({ status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] });

    // PagerDuty answers an unknown routing key as an invalid event (400), and senders expect that.
    const unauthorized = (request: FastifyRequest, reply: FastifyReply) =>
      reply.status(400).send({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key', pagerDutyUnauthorizedMessage(request.headers.authorization)], error: 'unauthorized' });

    /** The event's body once its credential is known good; undefined when the answer has been sent. */
    const authenticatedBody = (request: FastifyRequest, reply: FastifyReply): { body: unknown; credential?: string } | undefined => {
      let credential: string | undefined;
      if (!byWebhookToken.has(request)) {
        // Nothing but the routing key is read until it proves to be a credential.
        const found = routingKeyIn(request.body);
        if (!found.parsed) return void unrecognized(reply);
        credential = found.key;
        if (credential === undefined || !(tokensEqual(credential, deps.webhookToken) || Object.hasOwn(deps.oncall().routingKeys, credential))) {
          return void unauthorized(request, reply);
        }
        limitByToken(request, credential);
      }
      try {
        return { body: jsonBody(request.body), credential };
      } catch {
        return void unrecognized(reply);
      }
    };

    const pagerDuty = async (request: FastifyRequest, reply: FastifyReply) => {
      const byHeader = byWebhookToken.has(request);
      const authenticated = authenticatedBody(request, reply);
      if (!authenticated) return reply;
      const { body, credential } = authenticated;
      let normalized: ReturnType<typeof normalizePagerDuty>;
      try {
        normalized = normalizePagerDuty(body, clock.now());
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        return invalidEvent(reply, error);
      }
      const routingKey = normalized.alerts[0]!.routingKey;
      // The event as fully read must carry the key that was checked (JSON allows a key twice).
      if (!byHeader && routingKey !== credential) return unauthorized(request, reply);
      const keyIsWebhookToken = tokensEqual(routingKey, deps.webhookToken);
      const batch = {
        ...normalized,
        // The webhook token acts on every alert and is never stored, not even hashed.
        alerts: keyIsWebhookToken ? normalized.alerts.map((alert) => ({ ...alert, routingKeyHash: undefined })) : normalized.alerts,
        ownAlertsOnly: !byHeader && !keyIsWebhookToken,
      };
      const summary = await ingest(batch);
      if (summary.alerts[0]?.outcome === 'refused') {
        const message = `dedup_key "${normalized.dedupKey}" belongs to an alert that came in with another routing key; a routing key acts only on its own alerts, so send this event with another dedup_key`;
        return reply.status(409).send({ status: 'invalid event', message, errors: [message], error: 'conflict' });
      }
      return reply.status(202).send({ status: 'success', message: 'Event processed', dedup_key: normalized.dedupKey });
    };
    const pagerDutyRoute = {
      onRequest: [limitByAddress, authenticateHeaderOrBoundBody],
      preParsing: boundUnauthenticatedBody,
      errorHandler: pagerDutyErrors,
    };
    app.post('/webhooks/pagerduty', pagerDutyRoute, pagerDuty);
    app.post('/v2/enqueue', pagerDutyRoute, pagerDuty);

    // Change events (deploys, configuration changes) open nothing: they are noted on the open
    // incidents of the service their routing key's route names, and kept for the postmortems.
    app.post('/v2/change/enqueue', pagerDutyRoute, async (request, reply) => {
      const authenticated = authenticatedBody(request, reply);
      if (!authenticated) return reply;
      let change: ReturnType<typeof normalizeChangeEvent>;
      try {
        change = normalizeChangeEvent(authenticated.body, clock.now());
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        return invalidEvent(reply, error);
      }
      if (!byWebhookToken.has(request) && change.routingKey !== authenticated.credential) return unauthorized(request, reply);
      const decision = routeAlert(changeAsAlert(change), deps.oncall());
      const recorded = await recordChange(deps.database, change, decision, { now: clock.now(), keepKeyHash: !tokensEqual(change.routingKey, deps.webhookToken) });
      deps.metrics.alertsReceived.inc({ source: 'pagerduty-change' });
      deps.log.info({ change: recorded.id, route: decision.routeId, service: decision.service, incidents: recorded.incidentIds }, 'change event recorded');
      return reply.status(202).send({ status: 'success', message: 'Change event processed' });
    });
  };
}
