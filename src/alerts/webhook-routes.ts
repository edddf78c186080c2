import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { WebhookRateLimiter, type LimitCheck, type WebhookRateLimits } from '../abuse/webhook-rate-limiter.js';
import { AppError, formatPath } from '../errors.js';
import { pagerDutyUnauthorizedMessage, presentedToken, refuseUnauthorized, tokensEqual } from '../http/bearer-auth.js';
import { cappedBody } from '../http/capped-body.js';
import type { Metrics } from '../http/metrics.js';
import { toAppError, type RouteModule } from '../http/server.js';
import type { AlertIntake } from '../incidents/alert-intake.js';
import type { IngestResult } from '../incidents/alert-ingestion.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import type { AlertBatch } from './alert.js';
import { normalizeAlertmanager } from './alertmanager.js';
import { normalizeGeneric } from './generic.js';
import { normalizeGrafana } from './grafana.js';
import { jsonBody } from './json-body.js';
import { normalizePagerDuty } from './pagerduty.js';
import { systemClock, type Clock } from '../time/clock.js';

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

export interface WebhookDeps {
  intake: AlertIntake;
  webhookToken: string;
  oncall: () => OncallConfig;
  metrics: Metrics;
  log: Logger;
  clock?: Clock;
  /** Unset: no limits (tests of other things); the bot always passes its settings. */
  rateLimits?: WebhookRateLimits;
  /** Monotonic milliseconds for the rate limits. */
  monotonicMs?: () => number;
  /** Takes heartbeat beats (POST or GET /heartbeats/<name>); false for a name oncall.yaml does not declare. */
  beat?: (name: string) => Promise<boolean>;
}

type RefusedCheck = Extract<LimitCheck, { ok: false }>;

function rateLimitMessage(refused: RefusedCheck): string {
  const who = refused.limitedBy === 'token' ? 'with this token' : 'from this address';
  return `Too many requests ${who} (limit ${refused.limit}); retry after ${refused.retryAfterSeconds} s`;
}

function validationError(error: ZodError): AppError {
  return new AppError('validation_failed', 'The alert does not have the expected shape', {
    problems: error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  });
}

function normalizeOrExplain(normalize: () => AlertBatch): AlertBatch {
  try {
    return normalize();
  } catch (error) {
    if (error instanceof ZodError) throw validationError(error);
    throw error;
  }
}

function summarize(batch: AlertBatch, results: IngestResult[]) {
  return {
    status: 'ok',
    received: results.length,
    ...(batch.truncated ? { truncated: batch.truncated } : {}),
    alerts: results.map((result, index) => ({
      fingerprint: batch.alerts[index]!.fingerprint,
      outcome: result.outcome,
      ...(result.incidentId ? { incident: incidentLabel(result.incidentId) } : {}),
    })),
  };
}

export function webhookRoutes(deps: WebhookDeps): RouteModule {
  const clock = deps.clock ?? systemClock;
  const monotonicMs = deps.monotonicMs ?? (() => performance.now());
  const limiter = new WebhookRateLimiter(deps.rateLimits ?? { perToken: 'off', perAddress: 'off' });

  const refuse = (request: FastifyRequest, refused: RefusedCheck): never => {
    deps.metrics.webhookRateLimited.inc({ route: request.routeOptions.url ?? 'unmatched', limit: refused.limitedBy });
    throw new AppError('rate_limited', rateLimitMessage(refused), { retryAfterSeconds: refused.retryAfterSeconds });
  };
  // First of all, before the token is even compared: guessing tokens is throttled too.
  const limitByAddress = async (request: FastifyRequest) => {
    const check = limiter.checkAddress(request.ip, monotonicMs());
    if (!check.ok) refuse(request, check);
  };
  const limitByToken = (request: FastifyRequest, credential: string) => {
    const check = limiter.checkToken(credential, monotonicMs());
    if (!check.ok) refuse(request, check);
  };
  const requireToken = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = presentedToken(request);
    if (!tokensEqual(token, deps.webhookToken)) {
      return refuseUnauthorized(request, reply, 'WEBHOOK_TOKEN');
    }
    limitByToken(request, token!);
  };

  const ingest = async (batch: AlertBatch) => {
    if (batch.truncated > 0) deps.log.warn({ source: batch.source, truncated: batch.truncated }, 'the sender left alerts out of this notification');
    const results = await deps.intake.receive(batch);
    deps.metrics.alertsReceived.inc({ source: batch.source }, results.length);
    return summarize(batch, results);
  };

  return (app) => {
    // Limits and token are checked before the body is read: an unauthenticated sender costs nothing.
    const guarded = { onRequest: [limitByAddress, requireToken] };
    app.post('/webhooks/alertmanager', guarded, async (request) =>
      ingest(normalizeOrExplain(() => normalizeAlertmanager(jsonBody(request.body)))),
    );
    app.post('/webhooks/grafana', guarded, async (request) =>
      ingest(normalizeOrExplain(() => normalizeGrafana(jsonBody(request.body)))),
    );
    app.post('/webhooks/generic', guarded, async (request) =>
      ingest(normalizeOrExplain(() => normalizeGeneric(jsonBody(request.body), clock.now()))),
    );

    // A beat carries nothing but its name: GET serves cron jobs that run `curl` with no body.
    const heartbeat = async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
      const { name } = request.params;
      if (!deps.beat || !(await deps.beat(name))) {
        const declared = Object.keys(deps.oncall().heartbeats);
        throw new AppError('not_found', `No heartbeat "${name.slice(0, 100)}" under heartbeats in oncall.yaml (declared: ${declared.join(', ') || 'none'})`);
      }
      return reply.status(202).send({ status: 'ok', heartbeat: name, at: clock.now().toISOString() });
    };
    app.post<{ Params: { name: string } }>('/heartbeats/:name', { ...guarded, bodyLimit: 4096 }, heartbeat);
    app.get<{ Params: { name: string } }>('/heartbeats/:name', guarded, heartbeat);

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

    const pagerDuty = async (request: FastifyRequest, reply: FastifyReply) => {
      const byHeader = byWebhookToken.has(request);
      // PagerDuty answers an unknown routing key as an invalid event (400), and senders expect that.
      const unauthorized = () =>
        reply.status(400).send({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key', pagerDutyUnauthorizedMessage(request.headers.authorization)], error: 'unauthorized' });
      let credential: string | undefined;
      if (!byHeader) {
        // Nothing but the routing key is read until it proves to be a credential.
        const found = routingKeyIn(request.body);
        if (!found.parsed) return unrecognized(reply);
        credential = found.key;
        if (credential === undefined || !(tokensEqual(credential, deps.webhookToken) || Object.hasOwn(deps.oncall().routingKeys, credential))) {
          return unauthorized();
        }
        limitByToken(request, credential);
      }
      let body: unknown;
      try {
        body = jsonBody(request.body);
      } catch {
        return unrecognized(reply);
      }
      let normalized: ReturnType<typeof normalizePagerDuty>;
      try {
        normalized = normalizePagerDuty(body, clock.now());
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        const problems = error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
        return reply.status(400).send({
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: problems.map((p) => `${p.path}: ${p.message}`),
          error: 'validation_failed',
          problems,
        });
      }
      const routingKey = normalized.alerts[0]!.routingKey;
      // The event as fully read must carry the key that was checked (JSON allows a key twice).
      if (!byHeader && routingKey !== credential) return unauthorized();
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
  };
}
