import { Readable } from 'node:stream';
import { z } from 'zod';
import type { AuditLog } from '../access/audit-log.js';
import type { PrismaClient } from '../db/database.js';
import { AppError } from '../errors.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import { requestValue } from '../http/request-value.js';
import type { RouteModule } from '../http/server.js';
import { readIdCursor, readIncidentNumber, readSearchText, wholeNumber } from '../input-values.js';
import { systemClock, type Clock } from '../time/clock.js';
import { readInstantOrAgo } from '../time/instant.js';
import { draftPostmortem } from '../reports/postmortem.js';
import { exportIncidentsOpened, loadIncidentExport } from './incident-export-queries.js';
import { getIncident, getTimeline, listIncidents } from './incident-queries.js';

const listQuery = z.object({
  status: z.enum(['open', 'triggered', 'acknowledged', 'mitigated', 'resolved', 'all']).default('open'),
  limit: requestValue(wholeNumber(1, 500)).default(50),
  /** An alert group key, as `incident-bot simulate` prints it: the open incident that group joins. */
  group: requestValue(readSearchText).optional(),
});
const numberParam = z.object({ number: requestValue(readIncidentNumber) });
const timelineQuery = z.object({ limit: requestValue(wholeNumber(1, 1000)).default(200), after: requestValue(readIdCursor).optional() });
/** The incidents opened in [since, until): `since` is required, so an export never takes everything by accident. */
const exportQueryAt = (now: Date) =>
  z
    .object({
      since: z
        .unknown()
        .refine((value): boolean => value !== undefined, 'is required: where the export starts, such as 7d or 2026-11-01T00:00:00Z (incidents opened since then)')
        .pipe(requestValue((text) => readInstantOrAgo(text, now))),
      until: requestValue((text) => readInstantOrAgo(text, now)).optional(),
    })
    .refine((range) => range.until === undefined || range.until > range.since, { path: ['until'], message: 'must be after since' });

export function parseIncidentNumber(params: unknown): number {
  return numberParam.parse(params).number;
}

export interface IncidentApiOptions {
  changeWindowMs?: number;
  clock?: Clock;
  /** REDACT_PII: exports mask personal data and secrets in every free-text field. */
  redactPii?: boolean;
}

export function incidentApiRoutes(prisma: PrismaClient, tokens: ApiTokens, audit?: AuditLog, options: IncidentApiOptions = {}): RouteModule {
  const onRequest = apiAuth(tokens, 'read');
  const redact = options.redactPii ?? false;
  return (app) => {
    app.get('/api/incidents', { onRequest }, async (request) => {
      const { status, limit, group } = listQuery.parse(request.query);
      return { incidents: await listIncidents(prisma, status, limit, group) };
    });
    app.get('/api/incidents/:number', { onRequest }, async (request) => {
      const number = parseIncidentNumber(request.params);
      const incident = await getIncident(prisma, number);
      if (!incident) throw new AppError('not_found', `There is no incident INC-${number}`);
      return incident;
    });
    app.get('/api/incidents/:number/postmortem.md', { onRequest }, async (request, reply) => {
      const number = parseIncidentNumber(request.params);
      // A read: the draft is rendered, never stored (only a person generating it records one).
      const markdown = await draftPostmortem(prisma, number, { changeWindowMs: options.changeWindowMs, now: options.clock?.now() });
      await audit?.record({ actorName: apiCaller(request), platform: 'api', action: 'api.postmortem.read', args: { incident: number }, result: markdown === undefined ? 'failed' : 'ok' });
      if (markdown === undefined) throw new AppError('not_found', `There is no incident INC-${number}`);
      return reply.type('text/markdown; charset=utf-8').send(markdown);
    });
    // Static, so it wins over /api/incidents/:number; JSON Lines, streamed a batch at a time.
    app.get('/api/incidents/export', { onRequest }, async (request, reply) => {
      const { since, until } = exportQueryAt((options.clock ?? systemClock).now()).parse(request.query);
      const range = { since: since.toISOString(), ...(until ? { until: until.toISOString() } : {}) };
      await audit?.record({ actorName: apiCaller(request), platform: 'api', action: 'api.incidents.export', args: { ...range, redacted: redact }, result: 'ok' });
      const lines = async function* () {
        for await (const document of exportIncidentsOpened(prisma, { since, until }, { redact })) yield `${JSON.stringify(document)}\n`;
      };
      return reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', 'attachment; filename="incidents.jsonl"').send(Readable.from(lines()));
    });
    app.get('/api/incidents/:number/export', { onRequest }, async (request, reply) => {
      const number = parseIncidentNumber(request.params);
      const document = await loadIncidentExport(prisma, number, { redact });
      await audit?.record({ actorName: apiCaller(request), platform: 'api', action: 'api.incident.export', args: { incident: number, redacted: redact }, result: document ? 'ok' : 'failed' });
      if (!document) throw new AppError('not_found', `There is no incident INC-${number}`);
      return reply.type('application/json; charset=utf-8').header('content-disposition', `attachment; filename="INC-${number}.json"`).send(document);
    });
    app.get('/api/incidents/:number/timeline', { onRequest }, async (request) => {
      const number = parseIncidentNumber(request.params);
      const { limit, after } = timelineQuery.parse(request.query);
      if (!(await prisma.incident.findUnique({ where: { id: number }, select: { id: true } }))) {
        throw new AppError('not_found', `There is no incident INC-${number}`);
      }
      return { incident: `INC-${number}`, events: await getTimeline(prisma, number, { limit, afterId: after }) };
    });
  };
}
