import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import type { AuditLog } from '../access/audit-log.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import { requestValue } from '../http/request-value.js';
import type { RouteModule } from '../http/server.js';
import { readSearchText, wholeNumber } from '../input-values.js';
import { requireKnownTeam } from './known-team.js';
import { buildWeeklyReport } from './weekly-report.js';
import { renderReportCsv, renderReportMarkdown } from './weekly-report-render.js';
import { systemClock, type Clock } from '../time/clock.js';

const query = z.object({
  weeks: requestValue(wholeNumber(1, 104)).default(4),
  team: requestValue(readSearchText).optional(),
  format: z.enum(['json', 'csv', 'md']).default('json'),
});

/** GET /api/reports/weekly?weeks=N&team=X&format=json|csv|md, for managers' own spreadsheets (md: as `/incident report` and `incident-bot report` show it). */
export function reportRoutes(db: Sql, tokens: ApiTokens, timeZone: string, audit?: AuditLog, clock: Clock = systemClock): RouteModule {
  return (app) => {
    app.get('/api/reports/weekly', { onRequest: apiAuth(tokens, 'read') }, async (request, reply) => {
      const { weeks, team, format } = query.parse(request.query);
      if (team !== undefined) await requireKnownTeam(db, team);
      const report = await buildWeeklyReport(db, { weeks, team, timeZone, now: clock.now() });
      await audit?.record({ actorName: apiCaller(request), platform: 'api', action: 'api.report.read', args: { weeks, team, format }, result: 'ok' });
      if (format === 'csv') {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="incident-report-${weeks}w.csv"`).send(renderReportCsv(report));
      }
      if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(renderReportMarkdown(report));
      return report;
    });
  };
}
