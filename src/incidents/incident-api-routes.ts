import { z } from 'zod';
import type { AuditLog } from '../access/audit-log.js';
import type { PrismaClient } from '../db/database.js';
import { AppError } from '../errors.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import { requestValue } from '../http/request-value.js';
import type { RouteModule } from '../http/server.js';
import { readIdCursor, readIncidentNumber, readSearchText, wholeNumber } from '../input-values.js';
import type { Clock } from '../time/clock.js';
import { draftPostmortem } from '../reports/postmortem.js';
import { getIncident, getTimeline, listIncidents } from './incident-queries.js';

const listQuery = z.object({
  status: z.enum(['open', 'triggered', 'acknowledged', 'mitigated', 'resolved', 'all']).default('open'),
  limit: requestValue(wholeNumber(1, 500)).default(50),
  /** An alert group key, as `incident-bot simulate` prints it: the open incident that group joins. */
  group: requestValue(readSearchText).optional(),
});
const numberParam = z.object({ number: requestValue(readIncidentNumber) });
const timelineQuery = z.object({ limit: requestValue(wholeNumber(1, 1000)).default(200), after: requestValue(readIdCursor).optional() });

export function parseIncidentNumber(params: unknown): number {
  return numberParam.parse(params).number;
}

export function incidentApiRoutes(prisma: PrismaClient, tokens: ApiTokens, audit?: AuditLog, postmortem: { changeWindowMs?: number; clock?: Clock } = {}): RouteModule {
  const onRequest = apiAuth(tokens, 'read');
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
      const markdown = await draftPostmortem(prisma, number, { changeWindowMs: postmortem.changeWindowMs, now: postmortem.clock?.now() });
      await audit?.record({ actorName: apiCaller(request), platform: 'api', action: 'api.postmortem.read', args: { incident: number }, result: markdown === undefined ? 'failed' : 'ok' });
      if (markdown === undefined) throw new AppError('not_found', `There is no incident INC-${number}`);
      return reply.type('text/markdown; charset=utf-8').send(markdown);
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
