import { z } from 'zod';
import type { PrismaClient } from '../db/database.js';
import { AppError } from '../errors.js';
import type { RouteModule } from '../http/server.js';
import { apiAuth, apiReader } from '../incidents/incident-api-routes.js';
import { findAuditEntries, type AuditLog } from './audit-log.js';
import { parseSince } from './audit-cli-command.js';

const query = z.object({
  since: z.string().optional(),
  actor: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
});

/**
 * GET /api/audit: what `incident-bot audit` prints, for when the bot runs on embedded storage
 * (whose folder one process holds at a time) or the CLI cannot reach the database.
 */
export function auditRoutes(prisma: PrismaClient, apiToken: string | undefined, audit: AuditLog): RouteModule {
  return (app) => {
    app.get('/api/audit', { onRequest: apiAuth(apiToken) }, async (request) => {
      const { since: sinceText, actor, action, limit } = query.parse(request.query);
      let since: Date;
      try {
        since = parseSince(sinceText, new Date());
      } catch (error) {
        throw new AppError('validation_failed', 'The query does not have the expected shape', {
          problems: [{ path: 'since', message: (error as Error).message.replace(/^--since /, '') }],
        });
      }
      const entries = await findAuditEntries(prisma, { since, actor, action, limit });
      await audit.record({ actorName: apiReader(request), platform: 'api', action: 'api.audit.read', args: { since: since.toISOString(), actor, action, limit }, result: 'ok' });
      return { since: since.toISOString(), entries };
    });
  };
}
