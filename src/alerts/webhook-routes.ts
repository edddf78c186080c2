import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { WebhookRateLimiter, type LimitCheck, type WebhookRateLimits } from '../abuse/webhook-rate-limiter.js';
import { AppError, formatPath } from '../errors.js';
import { pagerDutyUnauthorizedMessage, presentedToken, refuseUnauthorized, tokensEqual } from '../http/bearer-auth.js';
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

export interface WebhookDeps {
  intake: AlertIntake;
  webhookToken: string;
  oncall: () => OncallConfig;
  metrics: Metrics;
  log: Logger;
  clock?: () => Date;
  /** Unset: no limits (tests of other things); the bot always passes its settings. */
  rateLimits?: WebhookRateLimits;
  /** Monotonic milliseconds for the rate limits. */
  monotonicMs?: () => number;
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
  const clock = deps.clock ?? (() => new Date());
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
      ingest(normalizeOrExplain(() => normalizeGeneric(jsonBody(request.body), clock()))),
    );

    // PagerDuty senders read errors in PagerDuty's shape, a 413 or 429 included.
    const pagerDutyErrors = async (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const appError = toAppError(error);
      if (appError.code === 'internal' || appError.code === 'unavailable') throw error;
      const retryAfter = appError.details.retryAfterSeconds;
      if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
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

    const pagerDuty = async (request: FastifyRequest, reply: FastifyReply) => {
      let body: unknown;
      try {
        body = jsonBody(request.body);
      } catch {
        return reply.status(400).send({ status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] });
      }
      const routingKey = (body as { routing_key?: unknown } | null)?.routing_key;
      const known =
        typeof routingKey === 'string' && (Object.hasOwn(deps.oncall().routingKeys, routingKey) || tokensEqual(routingKey, deps.webhookToken));
      const bearer = presentedToken(request);
      if (!known && !tokensEqual(bearer, deps.webhookToken)) {
        return reply.status(401).send({ status: 'unauthorized', message: pagerDutyUnauthorizedMessage(request.headers.authorization) });
      }
      limitByToken(request, known ? (routingKey as string) : bearer!);
      let batch: ReturnType<typeof normalizePagerDuty>;
      try {
        batch = normalizePagerDuty(body, clock());
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        const problems = error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
        return reply.status(422).send({
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: problems.map((p) => `${p.path}: ${p.message}`),
          error: 'validation_failed',
          problems,
        });
      }
      await ingest(batch);
      return reply.status(202).send({ status: 'success', message: 'Event processed', dedup_key: batch.dedupKey });
    };
    const pagerDutyRoute = { onRequest: limitByAddress, errorHandler: pagerDutyErrors };
    app.post('/webhooks/pagerduty', pagerDutyRoute, pagerDuty);
    app.post('/v2/enqueue', pagerDutyRoute, pagerDuty);
  };
}
