import { z } from 'zod';
import type { AuditLog } from '../access/audit-log.js';
import { auditedApiCall } from '../access/audited-api-call.js';
import { jsonBody } from '../alerts/json-body.js';
import type { Database } from '../db/database.js';
import { apiAuth, type ApiTokens } from '../http/api-auth.js';
import type { RouteModule } from '../http/server.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { listedPerson } from '../oncall/listed-person.js';
import { createActionToken } from '../paging/action-tokens.js';
import type { Clock } from '../time/clock.js';
import { WEB_LINK_VALID_MS } from './web-link-command.js';

const body = z.object({ as: z.string().trim().min(1, 'must name a person of oncall.yaml (handle or email)').max(200) }).strict();

/**
 * POST /api/web-links {"as": "alice"} (write token): the one-time sign-in link `/incident web`
 * sends in chat, for teams with neither chat nor an identity provider (`incident-bot web link`).
 * The write token already acts as anyone listed, so this gives it nothing new. The link is in
 * the answer only: the audit trail records who it was for, never the link.
 */
export function webLinkRoutes(deps: { database: Database; oncall: () => OncallConfig; tokens: ApiTokens; audit: AuditLog; clock: Clock; publicUrl: () => string }): RouteModule {
  const audited = auditedApiCall(deps.audit);
  return (app) => {
    app.post('/api/web-links', { onRequest: apiAuth(deps.tokens, 'write', 'signs someone in to the web console'), bodyLimit: 4 * 1024 }, async (request, reply) => {
      const raw = jsonBody(request.body);
      const as = typeof (raw as { as?: unknown } | null)?.as === 'string' ? (raw as { as: string }).as.slice(0, 200) : undefined;
      const answer = await audited(request, 'api.web-link', as === undefined ? {} : { as }, async () => {
        const { as: named } = body.parse(raw);
        const person = await listedPerson(deps.database.prisma, deps.oncall(), named);
        const token = await deps.database.transaction((tx) => createActionToken(tx, { purpose: 'web', personId: person.id, pageId: null, via: 'api', address: null, validForMs: WEB_LINK_VALID_MS }));
        return {
          url: new URL(`/ui/link/${token}`, deps.publicUrl()).toString(),
          person: person.handle,
          expiresAt: new Date(deps.clock.now().getTime() + WEB_LINK_VALID_MS).toISOString(),
          message: `A sign-in link to the console for ${person.name}: valid 10 minutes, once. Anyone with it signs in as ${person.name}: do not share it.`,
        };
      });
      return reply.code(201).send(answer);
    });
  };
}
