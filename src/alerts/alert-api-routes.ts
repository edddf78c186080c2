import { z } from 'zod';
import type { PrismaClient } from '../db/database.js';
import { apiAuth, type ApiTokens } from '../http/api-auth.js';
import { requestValue } from '../http/request-value.js';
import type { RouteModule } from '../http/server.js';
import { oneOf, readSearchText } from '../input-values.js';
import { ALERT_SOURCES } from './alert.js';
import { storedAlertFacts, storedAlertFactsToJson } from './stored-alert-facts.js';

const lookupQuery = z.object({ source: requestValue(oneOf(ALERT_SOURCES)), fingerprint: requestValue(readSearchText) });

/**
 * GET /api/alerts?source=S&fingerprint=F (read token): what the bot holds of one alert, as
 * `incident-bot simulate` needs it to say what the alert's next notification does (a repeat,
 * stale, re-opening its incident). At most one; its labels and text are not in the answer.
 */
export function alertApiRoutes(deps: { prisma: PrismaClient; tokens: ApiTokens; reopenWindowMs: number }): RouteModule {
  return (app) => {
    app.get('/api/alerts', { onRequest: apiAuth(deps.tokens, 'read') }, async (request) => {
      const { source, fingerprint } = lookupQuery.parse(request.query);
      const facts = await storedAlertFacts(deps.prisma, source, fingerprint, deps.reopenWindowMs);
      return { alerts: facts ? [{ source, fingerprint, ...storedAlertFactsToJson(facts) }] : [] };
    });
  };
}
