import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError, type ZodType } from 'zod';
import { sql } from '../db/sql.js';
import { AppError, formatPath } from '../errors.js';
import { presentedToken, tokensEqual } from '../http/bearer-auth.js';
import { toAppError, type RouteModule } from '../http/server.js';
import type { IngestResult } from '../incidents/alert-ingestion.js';
import { sourceActor } from '../incidents/actor.js';
import { writeFollowUps } from '../incidents/incident-effects.js';
import { oneLine } from '../incidents/one-line.js';
import { appendTimeline } from '../incidents/timeline.js';
import { systemClock } from '../time/clock.js';
import { jsonBody } from './json-body.js';
import { IDENTIFIER_TYPES, normalizeOpsgenieCreate, opsgenieActionSchema, opsgenieEvent, opsgenieNoteSchema, opsgenieUpdateDescriptionSchema, opsgenieUpdateMessageSchema, type IdentifierType } from './opsgenie.js';
import { findOpsgenieRequest, recordOpsgenieRequest, type OpsgenieAction } from './opsgenie-requests.js';
import { routingKeyHash } from './routing-key.js';
import type { WebhookDeps, WebhookGuards } from './webhook-routes.js';

/** Who sent a request: an Opsgenie API key from oncall.yaml, or the webhook token (which acts on every alert). */
interface Caller {
  key: string;
  keyHash: string;
  isWebhookToken: boolean;
  requestId: string;
  startedMs: number;
}

type Params = { Params: { identifier: string }; Querystring: { identifierType?: string } };

const HOW_TO_AUTHENTICATE =
  'send "Authorization: GenieKey <key>" with a key listed under opsgenie_keys in oncall.yaml (or the webhook token)';

/** The key of "Authorization: GenieKey <key>", the scheme read without regard to case as Opsgenie does. */
function genieKeyIn(authorization: string | undefined): string | undefined {
  const match = /^\s*geniekey\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

function errorsObject(error: ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) errors[formatPath(issue.path) || 'body'] ??= issue.message;
  return errors;
}

/**
 * Opsgenie's Alert API at Opsgenie's paths and in its shapes: create, close, acknowledge, add note,
 * update message and description, and the request status. Requests are processed before the
 * 202 answer (Opsgenie processes them later), so the status is there as soon as it is asked for.
 */
export function opsgenieRoutes(deps: WebhookDeps, guards: WebhookGuards): RouteModule {
  const clock = deps.clock ?? systemClock;
  const callers = new WeakMap<FastifyRequest, Caller>();
  const took = (caller: Caller | undefined) => (caller ? Math.round(guards.monotonicMs() - caller.startedMs) / 1000 : 0);

  const answer = (request: FastifyRequest, reply: FastifyReply, status: number, body: Record<string, unknown>) => {
    const caller = callers.get(request);
    return reply.status(status).send({ ...body, took: took(caller), requestId: caller?.requestId ?? randomUUID() });
  };

  // Before the body is read: the key in the header is the credential.
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const started = guards.monotonicMs();
    const requestId = randomUUID();
    const presented = genieKeyIn(request.headers.authorization) ?? presentedToken(request);
    const isWebhookToken = tokensEqual(presented, deps.webhookToken);
    if (presented === undefined || !(isWebhookToken || Object.hasOwn(deps.oncall().opsgenieKeys, presented))) {
      const problem = presented === undefined ? 'no GenieKey in the Authorization header' : 'the key is not one of opsgenie_keys in oncall.yaml';
      return reply.status(401).send({ message: `Could not authenticate: ${problem}; ${HOW_TO_AUTHENTICATE}.`, took: 0, requestId });
    }
    guards.limitByToken(request, presented);
    callers.set(request, { key: presented, keyHash: routingKeyHash(presented), isWebhookToken, requestId, startedMs: started });
  };

  // Opsgenie's clients read `message`; 429 and 413 included.
  const opsgenieErrors = async (error: Error, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal' || appError.code === 'unavailable') throw error;
    const retryAfter = appError.details.retryAfterSeconds;
    if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
    if (appError.code === 'payload_too_large') reply.header('Connection', 'close');
    const message = appError.code === 'rate_limited' ? `You are making too many requests! ${appError.message}` : appError.message;
    return answer(request, reply, appError.httpStatus, { message, ...(appError.details.problems ? { errors: Object.fromEntries(appError.details.problems.map((p) => [p.path, p.message])) } : {}) });
  };

  const callerOf = (request: FastifyRequest): Caller => callers.get(request)!;

  const parse = <T>(schema: ZodType<T>, request: FastifyRequest, reply: FastifyReply): T | undefined => {
    let body: unknown;
    try {
      body = request.body === undefined || request.body === '' ? {} : jsonBody(request.body);
    } catch {
      return void answer(request, reply, 400, { message: 'Could not parse the request body: it is not valid JSON.' });
    }
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    return void answer(request, reply, 422, { message: 'Request body is not processable. Please check the errors.', errors: errorsObject(parsed.error) });
  };

  const accepted = async (request: FastifyRequest, reply: FastifyReply, action: OpsgenieAction, outcome: { success: boolean; status: string; alertId?: number; alias?: string }) => {
    const caller = callerOf(request);
    await recordOpsgenieRequest(deps.database.sql, {
      id: caller.requestId,
      keyHash: caller.keyHash,
      action,
      success: outcome.success,
      status: outcome.status,
      alertId: outcome.alertId === undefined ? undefined : String(outcome.alertId),
      alias: outcome.alias,
      processedAt: clock.now(),
    });
    return answer(request, reply, 202, { result: 'Request will be processed' });
  };

  /** The alert an identifier names, among those this caller may act on (a key: only its own, as for PagerDuty's keys). */
  const findAlert = async (caller: Caller, identifier: string, type: IdentifierType) => {
    if (type !== 'alias' && !/^\d{1,9}$/.test(identifier)) return undefined;
    const [row] = await deps.database.sql.query<{ id: number; fingerprint: string; incident_id: number | null; routing_key_hash: string | null }>(sql`
      SELECT id, fingerprint, incident_id, routing_key_hash FROM alerts
      WHERE source = 'opsgenie' AND ${type === 'alias' ? sql`fingerprint = ${identifier}` : sql`id = ${Number(identifier)}::int`}`);
    if (!row || (!caller.isWebhookToken && row.routing_key_hash !== caller.keyHash)) return undefined;
    return { id: Number(row.id), alias: row.fingerprint, incidentId: row.incident_id === null ? null : Number(row.incident_id) };
  };

  const identifierTypeOf = (request: FastifyRequest<Params>, reply: FastifyReply): IdentifierType | undefined => {
    const type = request.query.identifierType ?? 'id';
    if ((IDENTIFIER_TYPES as readonly string[]).includes(type)) return type as IdentifierType;
    return void answer(request, reply, 422, {
      message: 'Request body is not processable. Please check the errors.',
      errors: { identifierType: `Invalid identifierType "${oneLine(type).slice(0, 40)}": one of ${IDENTIFIER_TYPES.join(', ')}` },
    });
  };

  const addNote = async (incidentId: number, note: string, by: { user?: string; source?: string }) => {
    const who = [by.user, by.source].filter(Boolean).map((text) => oneLine(text!)).join(' via ');
    await deps.database.transaction(async (tx) => {
      await appendTimeline(tx, [{ incidentId, at: clock.now(), kind: 'note', actor: sourceActor('opsgenie'), text: `${who ? `${who}: ` : ''}${note}` }]);
      await writeFollowUps(tx, [incidentId]);
    });
  };

  const STATUS_OF: Record<'Close' | 'Acknowledge', Partial<Record<IngestResult['outcome'], string>>> = {
    Close: { resolved: 'Closed alert', unchanged: 'Alert is already closed' },
    Acknowledge: { acknowledged: 'Acknowledged alert', unchanged: 'Alert is already acknowledged' },
  };

  const act = (action: 'Close' | 'Acknowledge') => async (request: FastifyRequest<Params>, reply: FastifyReply) => {
    const type = identifierTypeOf(request, reply);
    if (!type) return reply;
    const body = parse(opsgenieActionSchema, request, reply);
    if (!body) return reply;
    const caller = callerOf(request);
    const alert = await findAlert(caller, request.params.identifier, type);
    if (!alert) return accepted(request, reply, action, { success: false, status: 'Alert does not exist' });
    const event = opsgenieEvent(alert.alias, action === 'Close' ? 'resolve' : 'acknowledge', caller.key, clock.now());
    const [result] = await guards.receive({
      source: 'opsgenie',
      alerts: [caller.isWebhookToken ? { ...event, routingKeyHash: undefined } : event],
      raw: { action, identifier: request.params.identifier, identifierType: type, ...body },
      truncated: 0,
      ownAlertsOnly: !caller.isWebhookToken,
    });
    if (body.note && alert.incidentId !== null) await addNote(alert.incidentId, body.note, body);
    const status = STATUS_OF[action][result!.outcome];
    return accepted(request, reply, action, { success: status !== undefined, status: status ?? `Alert was not ${action === 'Close' ? 'closed' : 'acknowledged'} (${result!.outcome})`, alertId: alert.id, alias: alert.alias });
  };

  const CREATE_STATUS: Partial<Record<IngestResult['outcome'], string>> = {
    created: 'Created alert',
    updated: 'Alert is deduplicated',
    unchanged: 'Alert is deduplicated',
    refired: 'Created alert',
    reopened: 'Created alert (its incident re-opened)',
    held: 'Created alert (held by a maintenance window: nobody is paged)',
    heartbeat: 'Taken as a heartbeat beat',
  };

  return (app) => {
    const route = { onRequest: [guards.limitByAddress, authenticate], errorHandler: opsgenieErrors };

    app.post('/v2/alerts', route, async (request, reply) => {
      const caller = callerOf(request);
      let body: unknown;
      try {
        body = jsonBody(request.body);
      } catch {
        return answer(request, reply, 400, { message: 'Could not parse the request body: it is not valid JSON.' });
      }
      let batch: ReturnType<typeof normalizeOpsgenieCreate>;
      try {
        batch = normalizeOpsgenieCreate(body, caller.key, clock.now());
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        return answer(request, reply, 422, { message: 'Request body is not processable. Please check the errors.', errors: errorsObject(error) });
      }
      // The webhook token acts on every alert and is never stored, not even hashed.
      if (caller.isWebhookToken) batch.alerts = batch.alerts.map((alert) => ({ ...alert, routingKeyHash: undefined }));
      const [result] = await guards.receive({ ...batch, ownAlertsOnly: !caller.isWebhookToken });
      const status = CREATE_STATUS[result!.outcome];
      const refused = result!.outcome === 'refused' ? 'Alias belongs to an alert created with another API key' : undefined;
      return accepted(request, reply, 'Create', { success: status !== undefined, status: status ?? refused ?? `Alert was not created (${result!.outcome})`, alertId: result!.alertId, alias: batch.alias });
    });

    app.post<Params>('/v2/alerts/:identifier/close', route, act('Close'));
    app.post<Params>('/v2/alerts/:identifier/acknowledge', route, act('Acknowledge'));

    app.post<Params>('/v2/alerts/:identifier/notes', route, async (request, reply) => {
      const type = identifierTypeOf(request, reply);
      if (!type) return reply;
      const body = parse(opsgenieNoteSchema, request, reply);
      if (!body) return reply;
      const alert = await findAlert(callerOf(request), request.params.identifier, type);
      if (!alert) return accepted(request, reply, 'AddNote', { success: false, status: 'Alert does not exist' });
      if (alert.incidentId === null) return accepted(request, reply, 'AddNote', { success: false, status: 'Alert has no incident to note on (held by a maintenance window, or resolved before it opened one)', alertId: alert.id, alias: alert.alias });
      await addNote(alert.incidentId, body.note, body);
      return accepted(request, reply, 'AddNote', { success: true, status: 'Added note', alertId: alert.id, alias: alert.alias });
    });

    // Alertmanager's update_alerts: the alert's message and description follow its template.
    const update = (field: 'message' | 'description') => async (request: FastifyRequest<Params>, reply: FastifyReply) => {
      const type = identifierTypeOf(request, reply);
      if (!type) return reply;
      const body: { message?: string; description?: string } | undefined = field === 'message' ? parse(opsgenieUpdateMessageSchema, request, reply) : parse(opsgenieUpdateDescriptionSchema, request, reply);
      if (!body) return reply;
      const action = field === 'message' ? 'UpdateMessage' : 'UpdateDescription';
      const alert = await findAlert(callerOf(request), request.params.identifier, type);
      if (!alert) return accepted(request, reply, action, { success: false, status: 'Alert does not exist' });
      await deps.database.sql.query(
        field === 'message'
          ? sql`UPDATE alerts SET title = ${body.message!} WHERE id = ${alert.id}::int AND title IS DISTINCT FROM ${body.message!}`
          : sql`UPDATE alerts SET description = ${body.description ?? null} WHERE id = ${alert.id}::int AND description IS DISTINCT FROM ${body.description ?? null}`,
      );
      return accepted(request, reply, action, { success: true, status: field === 'message' ? 'Updated message' : 'Updated description', alertId: alert.id, alias: alert.alias });
    };
    app.put<Params>('/v2/alerts/:identifier/message', route, update('message'));
    app.put<Params>('/v2/alerts/:identifier/description', route, update('description'));

    app.get<{ Params: { requestId: string } }>('/v2/alerts/requests/:requestId', route, async (request, reply) => {
      const caller = callerOf(request);
      const record = await findOpsgenieRequest(deps.database.sql, request.params.requestId.slice(0, 100), caller.keyHash);
      if (!record) throw new AppError('not_found', `Request with id "${oneLine(request.params.requestId).slice(0, 100)}" not found: it was sent with another key, more than a week ago, or never.`);
      return answer(request, reply, 200, {
        data: {
          success: record.success,
          isSuccess: record.success,
          action: record.action,
          processedAt: record.processedAt.toISOString(),
          status: record.status,
          ...(record.alertId ? { alertId: record.alertId } : {}),
          ...(record.alias ? { alias: record.alias } : {}),
        },
      });
    });
  };
}
