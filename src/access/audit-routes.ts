import { z } from 'zod';
import type { PrismaClient } from '../db/database.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import { requestValue } from '../http/request-value.js';
import type { RouteModule } from '../http/server.js';
import { readSearchText, wholeNumber } from '../input-values.js';
import { readInstantOrAgo } from '../time/instant.js';
import { findAuditEntries, type AuditLog } from './audit-log.js';
import { defaultSince } from './audit-cli-command.js';
import { systemClock, type Clock } from '../time/clock.js';

const queryAt = (now: Date) =>
  z.object({
    since: requestValue((text) => readInstantOrAgo(text, now)).default(defaultSince(now)),
    actor: requestValue(readSearchText).optional(),
    action: requestValue(readSearchText).optional(),
    limit: requestValue(wholeNumber(1, 10_000)).default(200),
  });

/**
 * GET /api/audit: what `incident-bot audit` prints, for when the bot runs on embedded storage
 * (whose folder one process holds at a time) or the CLI cannot reach the database.
 */
export function auditRoutes(prisma: PrismaClient, tokens: ApiTokens, audit: AuditLog, clock: Clock = systemClock): RouteModule {
  return (app) => {
    app.get('/api/audit', { onRequest: apiAuth(tokens, 'read') }, async (request) => {
      const { since, actor, action, limit } = queryAt(clock.now()).parse(request.query);
      const entries = await findAuditEntries(prisma, { since, actor, action, limit });
      await audit.record({ actorName: apiCaller(request), platform: 'api', action: 'api.audit.read', args: { since: since.toISOString(), actor, action, limit }, result: 'ok' });
      return { since: since.toISOString(), entries };
    });
  };
}
