import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { WebhookRateLimiter, type LimitCheck, type WebhookRateLimits } from '../abuse/webhook-rate-limiter.js';
import { AppError, formatPath } from '../errors.js';
import { presentedToken, refuseUnauthorized, tokensEqual } from '../http/bearer-auth.js';
import type { Metrics } from '../http/metrics.js';
import type { RouteModule } from '../http/server.js';
import type { Database } from '../db/database.js';
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
import { cloudWatchRoutes } from './cloudwatch-routes.js';
import { normalizeDatadog } from './datadog.js';
import { opsgenieRoutes } from './opsgenie-routes.js';
import type { SnsTrust } from './sns-signature.js';
import { pagerDutyRoutes } from './pagerduty-routes.js';
import { systemClock, type Clock } from '../time/clock.js';

export interface WebhookDeps {
  intake: AlertIntake;
  /** Change events and Opsgenie's request records are written here, beside the intake. */
  database: Database;
  webhookToken: string;
  oncall: () => OncallConfig;
  metrics: Metrics;
  log: Logger;
  clock?: Clock;
  /** Unset: no limits (tests of other things); the bot always passes its settings. */
  rateLimits?: WebhookRateLimits;
  /** Monotonic milliseconds for the rate limits. */
  monotonicMs?: () => number;
  /** SNS_CERT_HOST and SNS_CA_FILE's CA: where SNS certificates may come from besides Amazon. */
  snsTrust?: SnsTrust;
  /** Takes heartbeat beats (POST or GET /heartbeats/<name>); false for a name oncall.yaml does not declare. */
  beat?: (name: string) => Promise<boolean>;
}

type RefusedCheck = Extract<LimitCheck, { ok: false }>;

/** What every webhook route shares: the rate limits, and the way into the core. */
export interface WebhookGuards {
  limitByAddress(request: FastifyRequest): Promise<void>;
  limitByToken(request: FastifyRequest, credential: string): void;
  /** Commits a batch (counted in the metrics): each alert's result. */
  receive(batch: AlertBatch): Promise<IngestResult[]>;
  /** The same, answered as the bot's own webhooks answer. */
  ingest(batch: AlertBatch): Promise<ReturnType<typeof summarize>>;
  /** Monotonic milliseconds, for the time a request took. */
  monotonicMs(): number;
  /** The webhook token, as a Bearer token or basic auth password, checked before the body is read. */
  requireToken(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

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
      ...(result.warning ? { warning: result.warning } : {}),
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
  const limitByToken = (request: FastifyRequest, credential: string): void => {
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

  const receive = async (batch: AlertBatch) => {
    if (batch.truncated > 0) deps.log.warn({ source: batch.source, truncated: batch.truncated }, 'the sender left alerts out of this notification');
    const results = await deps.intake.receive(batch);
    deps.metrics.alertsReceived.inc({ source: batch.source }, results.length);
    return results;
  };
  const ingest = async (batch: AlertBatch) => summarize(batch, await receive(batch));
  const guards: WebhookGuards = { limitByAddress, limitByToken, receive, ingest, monotonicMs, requireToken };

  return (app) => {
    // Limits and token are checked before the body is read: an unauthenticated sender costs nothing.
    const guarded = { onRequest: [limitByAddress, requireToken] };
    app.post('/webhooks/alertmanager', guarded, async (request) =>
      ingest(normalizeOrExplain(() => normalizeAlertmanager(jsonBody(request.body)))),
    );
    app.post('/webhooks/grafana', guarded, async (request) =>
      ingest(normalizeOrExplain(() => normalizeGrafana(jsonBody(request.body)))),
    );
    app.post('/webhooks/datadog', guarded, async (request) =>
      ingest(normalizeOrExplain(() => normalizeDatadog(jsonBody(request.body), clock.now()))),
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

    pagerDutyRoutes(deps, guards)(app);
    opsgenieRoutes(deps, guards)(app);
    cloudWatchRoutes({ ...deps, snsTrust: deps.snsTrust ?? {} }, guards)(app);
  };
}
