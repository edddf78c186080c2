import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { AppError, formatPath, isAppError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { Metrics } from './metrics.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** A feature's routes: each folder registers its own on the shared server. */
export type RouteModule = (app: FastifyInstance) => void | Promise<void>;

export async function buildHttpServer(deps: {
  log: Logger;
  metrics: Metrics;
  routes: RouteModule[];
  /** TRUST_PROXY: whether request.ip may come from X-Forwarded-For (hop count or proxy addresses). */
  trustProxy?: false | number | string;
}): Promise<FastifyInstance> {
  const app = Fastify({
    // A hop count trusts that many proxies nearest the bot, as proxy-addr counts them.
    trustProxy: typeof deps.trustProxy === 'number' ? trustHops(deps.trustProxy) : (deps.trustProxy ?? false),
    loggerInstance: deps.log as FastifyBaseLogger,
    // Per-request log lines would dominate an alert storm; /metrics counts requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: pino serialized and redacted its bindings on every webhook
    // (about 2% of a repeat's CPU), for one line that is rarely written; that line names the request.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // Bodies reach routes as raw text: Slack's signature check needs the exact bytes, webhooks
  // accept JSON sent with any content type (curl -d), and each route answers bad JSON in its
  // sender's own dialect (PagerDuty's differs from ours).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal') request.log.error({ err: error, reqId: request.id, route: request.routeOptions.url }, 'request failed');
    if (appError.details.retryAfterSeconds !== undefined) reply.header('Retry-After', String(appError.details.retryAfterSeconds));
    return reply.status(appError.httpStatus).send(errorBody(appError));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );

  for (const register of deps.routes) await register(app);
  return app;
}

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

export function errorBody(error: AppError): Record<string, unknown> {
  return {
    error: error.code,
    message: error.message,
    ...(error.details.problems ? { problems: error.details.problems } : {}),
    ...(error.details.retryAfterSeconds !== undefined ? { retry_after_seconds: error.details.retryAfterSeconds } : {}),
  };
}

/** Every error as the typed error it answers as: the one place that maps them to HTTP. */
export function toAppError(error: FastifyError | Error): AppError {
  if (isAppError(error)) return error;
  if (error instanceof ZodError) {
    return new AppError('validation_failed', 'The request does not have the expected shape', {
      problems: error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    });
  }
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AppError('payload_too_large', `The body is larger than ${BODY_LIMIT_BYTES} bytes (1 MiB)`);
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
    return new AppError('invalid_json', `The body is not valid JSON: ${error.message}`);
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new AppError('bad_request', error.message);
  return new AppError('internal', 'Internal error; it has been logged');
}
