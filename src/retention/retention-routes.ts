import type { AuditLog } from '../access/audit-log.js';
import type { Database } from '../db/database.js';
import { RETENTION_PURGE_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import type { RouteModule } from '../http/server.js';
import type { Clock } from '../time/clock.js';
import { retentionPlan, type RetentionSettings } from './retention-plan.js';
import { countExpired } from './retention-purge.js';
import { retentionView } from './retention-view.js';

/**
 * GET /api/retention: what `incident-bot purge --dry-run` prints, for when the bot holds embedded
 * storage (one process at a time). POST /api/retention/purge (write token): run the daily purge
 * now, as a job of the bot's own; answers what it is about to remove. Neither reads a body: the
 * token is checked first, on the request line and headers alone.
 */
export function retentionRoutes(deps: { database: Database; settings: RetentionSettings; tokens: ApiTokens; audit: AuditLog; clock: Clock; onQueued?: () => void }): RouteModule {
  const dryRun = async () => {
    const now = deps.clock.now();
    const plan = retentionPlan(deps.settings, now);
    return retentionView(plan, await countExpired(deps.database.sql, plan), now, true);
  };
  return (app) => {
    app.get('/api/retention', { onRequest: apiAuth(deps.tokens, 'read') }, async () => dryRun());
    app.post('/api/retention/purge', { onRequest: apiAuth(deps.tokens, 'write') }, async (request, reply) => {
      const view = await dryRun();
      const occurrence = new Date(view.at);
      // Keyed by the minute: a second request in the same minute joins the first run.
      const minute = new Date(Math.floor(occurrence.getTime() / 60_000) * 60_000);
      await deps.database.transaction((tx) =>
        enqueueJobs(tx, [{ kind: RETENTION_PURGE_JOB, subject: 'retention', coalesceKey: `${RETENTION_PURGE_JOB}:${minute.toISOString()}`, payload: { occurrence: minute.toISOString() } }]),
      );
      deps.onQueued?.();
      await deps.audit.record({ actorName: apiCaller(request, 'API write token'), platform: 'api', action: 'api.retention.purge', args: {}, result: 'ok' });
      return reply.code(202).send({ ...view, queued: true });
    });
  };
}
