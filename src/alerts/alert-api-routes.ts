import { z } from 'zod';
import type { PrismaClient } from '../db/database.js';
import { apiAuth, type ApiTokens } from '../http/api-auth.js';
import { requestValue } from '../http/request-value.js';
import type { RouteModule } from '../http/server.js';
import { oneOf, readSearchText } from '../input-values.js';
import { ALERT_SOURCES } from './alert.js';
import { storedAlertFacts, storedAlertFactsToJson } from './stored-alert-facts.js';

const lookupQuery = z.object({
  source: requestValue(oneOf(ALERT_SOURCES)),
  fingerprint: requestValue(readSearchText),
  /** The SHA-256 (hex) of a routing key: the answer says whether the alert came in with it. */
  routingKeyHash: requestValue((text) => (/^[0-9a-f]{64}$/.test(text) ? { ok: true as const, value: text } : { ok: false as const, problem: 'must be a SHA-256 in hex (64 characters 0-9a-f)' })).optional(),
});

/**
 * GET /api/alerts?source=S&fingerprint=F[&routingKeyHash=H] (read token): what the bot holds of
 * one alert, as `incident-bot simulate` needs it to say what the alert's next notification does
 * (a repeat, stale, re-opening its incident, refused for another routing key). At most one;
 * not its labels or text, and under REDACT_PII nothing computed from them either.
 */
export function alertApiRoutes(deps: { prisma: PrismaClient; tokens: ApiTokens; reopenWindowMs: number; redactPii: boolean }): RouteModule {
  return (app) => {
    app.get('/api/alerts', { onRequest: apiAuth(deps.tokens, 'read') }, async (request) => {
      const { source, fingerprint, routingKeyHash } = lookupQuery.parse(request.query);
      // The read token reads the alert's text anyway (the export), unless REDACT_PII masks it:
      // then the hash of the unmasked text stays out (see StoredAlertFacts.contentHash).
      const facts = await storedAlertFacts(deps.prisma, { source, fingerprint, ...(routingKeyHash ? { routingKeyHash } : {}) }, deps.reopenWindowMs, { withContentHash: !deps.redactPii });
      return { alerts: facts ? [{ source, fingerprint, ...storedAlertFactsToJson(facts) }] : [] };
    });
  };
}
