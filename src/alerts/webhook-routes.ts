import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { AppError, formatPath } from '../errors.js';
import { presentedToken, tokensEqual } from '../http/bearer-auth.js';
import type { Metrics } from '../http/metrics.js';
import type { RouteModule } from '../http/server.js';
import type { AlertIntake } from '../incidents/alert-intake.js';
import type { IngestResult } from '../incidents/alert-ingestion.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import type { AlertBatch } from './alert.js';
import { normalizeAlertmanager } from './alertmanager.js';
import { normalizeGeneric } from './generic.js';
import { normalizeGrafana } from './grafana.js';
import { normalizePagerDuty } from './pagerduty.js';

export interface WebhookDeps {
  intake: AlertIntake;
  webhookToken: string;
  oncall: () => OncallConfig;
  metrics: Metrics;
  log: Logger;
  clock?: () => Date;
}

/** Bodies sent without a JSON content type (curl -d) arrive as text; parse them the same way. */
export function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string') return body ?? {};
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new AppError('invalid_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
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
  const requireToken = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!tokensEqual(presentedToken(request), deps.webhookToken)) {
      return reply.status(401).send({ error: 'unauthorized', message: 'unauthorized' });
    }
  };

  const ingest = async (batch: AlertBatch) => {
    if (batch.truncated > 0) deps.log.warn({ source: batch.source, truncated: batch.truncated }, 'the sender left alerts out of this notification');
    const results = await deps.intake.receive(batch);
    deps.metrics.alertsReceived.inc({ source: batch.source }, results.length);
    return summarize(batch, results);
  };

  return (app) => {
    // The token is checked before the body is read: an unauthenticated sender costs nothing.
    app.post('/webhooks/alertmanager', { onRequest: requireToken }, async (request) =>
      ingest(normalizeOrExplain(() => normalizeAlertmanager(jsonBody(request.body)))),
    );
    app.post('/webhooks/grafana', { onRequest: requireToken }, async (request) =>
      ingest(normalizeOrExplain(() => normalizeGrafana(jsonBody(request.body)))),
    );
    app.post('/webhooks/generic', { onRequest: requireToken }, async (request) =>
      ingest(normalizeOrExplain(() => normalizeGeneric(jsonBody(request.body), clock()))),
    );

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
      if (!known && !tokensEqual(presentedToken(request), deps.webhookToken)) {
        return reply.status(401).send({ status: 'unauthorized', message: 'unauthorized' });
      }
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
    app.post('/webhooks/pagerduty', pagerDuty);
    app.post('/v2/enqueue', pagerDuty);
  };
}
