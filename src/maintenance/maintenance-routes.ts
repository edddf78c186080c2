import { z } from 'zod';
import type { AuditLog } from '../access/audit-log.js';
import { auditedApiCall } from '../access/audited-api-call.js';
import { jsonBody } from '../alerts/json-body.js';
import type { Database } from '../db/database.js';
import { AppError, formatPath } from '../errors.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import type { RouteModule } from '../http/server.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import type { Clock } from '../time/clock.js';
import { parseDuration } from '../time/duration.js';
import { MAX_WINDOW_MS } from './maintenance-command.js';
import { endWindowNow, findWindow, listWindows, openWindow } from './maintenance-store.js';
import { ownerTeamOf, wasCancelled, windowEnd, type MaintenanceWindow } from './maintenance-window.js';

const label = z.string().min(1).max(200);
const newWindow = z
  .object({
    service: label.optional(),
    team: label.optional(),
    labels: z.record(label, label).optional(),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    duration: z.string().refine((text) => {
      const ms = parseDuration(text);
      return ms !== undefined && ms >= 60_000 && ms <= MAX_WINDOW_MS;
    }, 'must be a duration from 1m to 7d, such as 2h'),
    reason: z.string().trim().min(1, 'say why: it is announced and kept').max(300),
  })
  .strict()
  .refine((body) => body.service !== undefined || body.team !== undefined || (body.labels && Object.keys(body.labels).length > 0), { message: 'give service, team or labels: what the window holds', path: ['service'] });

const view = (window: MaintenanceWindow & { held?: number }) => ({
  id: window.id,
  matcher: window.matcher,
  team: window.teamKey,
  startsAt: window.startsAt.toISOString(),
  endsAt: windowEnd(window).toISOString(),
  endedEarly: window.endedAt !== null && window.endedAt < window.endsAt,
  // When someone ended it, or null; ended before its start, it was called off and never ran.
  endedAt: window.endedAt?.toISOString() ?? null,
  cancelled: wasCancelled(window),
  reason: window.reason,
  createdBy: window.createdByName,
  origin: window.origin,
  ...(window.held !== undefined ? { held: window.held } : {}),
});

/**
 * Each answer says when the bot answered (`asOf`), by its clock: whether a window is running is
 * read against it, not against a client's clock that may run behind.
 *
 * GET /api/maintenance (read token): running, planned and recently ended windows with the alerts
 * each held. POST /api/maintenance and POST /api/maintenance/:id/end (write token, acting as an
 * admin, as the other write routes do): open a window, end one early. Each write is audited.
 */
export function maintenanceRoutes(deps: { database: Database; oncall: () => OncallConfig; tokens: ApiTokens; audit: AuditLog; clock: Clock; onWindowsChanged?: () => void; onCommitted?: () => void }): RouteModule {
  const audited = auditedApiCall(deps.audit);

  return (app) => {
    app.get('/api/maintenance', { onRequest: apiAuth(deps.tokens, 'read') }, async () => {
      const now = deps.clock.now();
      return { windows: (await listWindows(deps.database.sql, now)).map(view), asOf: now.toISOString() };
    });

    app.post('/api/maintenance', { onRequest: apiAuth(deps.tokens, 'write'), bodyLimit: 16 * 1024 }, async (request, reply) => {
      const raw = jsonBody(request.body) as Record<string, unknown>;
      return audited(request, 'maintenance.start', typeof raw === 'object' && raw ? raw : {}, async () => {
        const parsed = newWindow.safeParse(raw);
        if (!parsed.success) throw new AppError('validation_failed', 'The window does not have the expected shape', { problems: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })) });
        const body = parsed.data;
        const config = deps.oncall();
        if (body.team !== undefined && !config.teams[body.team]) throw new AppError('validation_failed', `No team "${body.team}" in oncall.yaml`, { problems: [{ path: 'team', message: `known: ${Object.keys(config.teams).join(', ') || 'none'}` }] });
        const now = deps.clock.now();
        const startsAt = body.startsAt ? new Date(body.startsAt) : now;
        if (startsAt.getTime() < now.getTime() - 60_000) throw new AppError('validation_failed', 'The start is in the past', { problems: [{ path: 'startsAt', message: 'leave it out to start now' }] });
        const matcher = { ...(body.service !== undefined ? { service: body.service } : {}), ...(body.team !== undefined ? { team: body.team } : {}), ...(body.labels ? { labels: body.labels } : {}) };
        const id = await deps.database.transaction((tx) =>
          openWindow(tx, { matcher, teamKey: ownerTeamOf(matcher, config) ?? null, startsAt, endsAt: new Date(startsAt.getTime() + parseDuration(body.duration)!), reason: body.reason, createdById: null, createdByName: apiCaller(request, 'API write token'), origin: 'api' }, now),
        );
        deps.onWindowsChanged?.();
        deps.onCommitted?.();
        return reply.status(201).send({ window: view((await findWindow(deps.database.sql, id!))!), asOf: deps.clock.now().toISOString() });
      });
    });

    app.post<{ Params: { id: string } }>('/api/maintenance/:id/end', { onRequest: apiAuth(deps.tokens, 'write') }, async (request) => {
      const id = /^\d{1,9}$/.test(request.params.id) ? Number(request.params.id) : undefined;
      return audited(request, 'maintenance.end', { window: request.params.id.slice(0, 20) }, async () => {
        if (id === undefined || !(await findWindow(deps.database.sql, id))) throw new AppError('not_found', `No maintenance window ${request.params.id.slice(0, 20)}`);
        if (!(await endWindowNow(deps.database, id, deps.clock.now()))) throw new AppError('conflict', `Maintenance #${id} is already over`);
        deps.onWindowsChanged?.();
        deps.onCommitted?.();
        return { window: view((await findWindow(deps.database.sql, id))!), asOf: deps.clock.now().toISOString() };
      });
    });
  };
}
