import { z } from 'zod';
import { auditedApiCall } from '../access/audited-api-call.js';
import type { AuditLog } from '../access/audit-log.js';
import { jsonBody } from '../alerts/json-body.js';
import type { PrismaClient } from '../db/database.js';
import { AppError, formatPath } from '../errors.js';
import { apiAuth, type ApiTokens } from '../http/api-auth.js';
import type { RouteModule } from '../http/server.js';
import type { Clock } from '../time/clock.js';
import { requestValue } from '../http/request-value.js';
import { readInstantOrAgo } from '../time/instant.js';
import type { OncallConfig } from './oncall-config.js';
import { addOverride, findOverride, listOverrides, outsiderWarning, removeOverride, scheduleToOverride, type OverrideView } from './override-store.js';

const name = z.string().min(1).max(100);
const newOverride = z
  .object({
    team: name.optional(),
    schedule: name.optional(),
    person: name,
    from: z.iso.datetime({ offset: true, message: 'must be an instant with its offset, such as 2026-12-24T09:00:00+01:00' }),
    to: z.iso.datetime({ offset: true, message: 'must be an instant with its offset, such as 2026-12-27T09:00:00+01:00' }),
    reason: z.string().max(300).optional(),
  })
  .strict()
  .refine((body) => (body.team === undefined) !== (body.schedule === undefined), { message: 'give team or schedule (one of them)', path: ['team'] })
  .refine((body) => Date.parse(body.to) > Date.parse(body.from), { message: 'must end after it starts', path: ['to'] });

export const overrideJson = (o: OverrideView) => ({ ...o, startsAt: o.startsAt.toISOString(), endsAt: o.endsAt.toISOString(), createdAt: o.createdAt.toISOString() });

/** At most a year and a bit at once, as `oncall shifts` looks ahead. */
const MAX_RANGE_MS = 400 * 24 * 3600_000;
const rangeQueryAt = (now: Date) =>
  z
    .object({
      from: requestValue((text) => readInstantOrAgo(text, now)).optional(),
      to: requestValue((text) => readInstantOrAgo(text, now)).optional(),
    })
    .refine((q) => (q.from === undefined) === (q.to === undefined), { message: 'give from and to together (the overrides overlapping that range), or neither (current and coming ones)', path: ['to'] })
    .refine((q) => !q.from || !q.to || q.to > q.from, { message: 'must be after from', path: ['to'] })
    .refine((q) => !q.from || !q.to || q.to.getTime() - q.from.getTime() <= MAX_RANGE_MS, { message: 'at most 400 days after from', path: ['to'] });

/**
 * GET /api/overrides[?team=][&from=&to=] (read token): current and coming overrides (or those
 * overlapping [from, to), past ones included), planned leave from oncall.yaml included. POST /api/overrides and POST /api/overrides/:id/remove (write token): set
 * and remove them, as `/oncall override` and the Remove button do. Each write is audited.
 */
export function overrideRoutes(deps: { prisma: PrismaClient; oncall: () => OncallConfig; tokens: ApiTokens; audit: AuditLog; clock: Clock }): RouteModule {
  const audited = auditedApiCall(deps.audit);
  return (app) => {
    app.get<{ Querystring: { team?: string } }>('/api/overrides', { onRequest: apiAuth(deps.tokens, 'read') }, async (request) => {
      const team = typeof request.query.team === 'string' && request.query.team !== '' ? request.query.team.slice(0, 100) : undefined;
      const now = deps.clock.now();
      const { from, to } = rangeQueryAt(now).parse(request.query);
      return { overrides: (await listOverrides(deps.prisma, deps.oncall(), now, team, from && to ? { from, to } : undefined)).map(overrideJson) };
    });

    app.post('/api/overrides', { onRequest: apiAuth(deps.tokens, 'write'), bodyLimit: 16 * 1024 }, async (request, reply) => {
      const raw = jsonBody(request.body);
      return audited(request, 'oncall.override', raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {}, async () => {
        const parsed = newOverride.safeParse(raw);
        if (!parsed.success) throw new AppError('validation_failed', 'The override does not have the expected shape', { problems: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })) });
        const body = parsed.data;
        const config = deps.oncall();
        const now = deps.clock.now();
        // Over already, it would change nothing and show nowhere (lists hold current and coming ones).
        if (new Date(body.to) <= now) throw new AppError('validation_failed', 'The override is over already', { problems: [{ path: 'to', message: `is in the past (now is ${now.toISOString()}): an override that is over changes nothing` }] });
        const schedule = scheduleToOverride(config, (body.schedule ?? body.team)!);
        const id = await addOverride(deps.prisma, config, { scheduleKey: schedule.key, personHandle: body.person, startsAt: new Date(body.from), endsAt: new Date(body.to), reason: body.reason, createdById: null });
        const warning = outsiderWarning(config, schedule.key, body.person);
        return reply.status(201).send({ override: overrideJson((await findOverride(deps.prisma, config, id, now))!), ...(warning ? { warning } : {}) });
      });
    });

    app.post<{ Params: { id: string } }>('/api/overrides/:id/remove', { onRequest: apiAuth(deps.tokens, 'write') }, async (request) => {
      const id = /^\d{1,9}$/.test(request.params.id) ? Number(request.params.id) : undefined;
      return audited(request, 'oncall.override.remove', { override: request.params.id.slice(0, 20) }, async () => {
        const now = deps.clock.now();
        const before = id === undefined ? undefined : await findOverride(deps.prisma, deps.oncall(), id, now);
        if (!before) throw new AppError('not_found', `No override ${request.params.id.slice(0, 20)} (planned leave in oncall.yaml is removed by editing the file)`);
        if (!(await removeOverride(deps.prisma, id!, now))) throw new AppError('conflict', `Override ${id} has already ended`);
        return { removed: overrideJson(before) };
      });
    });
  };
}
