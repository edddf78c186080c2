import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditLog } from '../access/audit-log.js';
import { AppError } from '../errors.js';
import type { Database } from '../db/database.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import type { RouteModule } from '../http/server.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import { backupStore } from './backup-store.js';

/**
 * GET /api/backup: the bot's snapshot of its own store, for `incident-bot backup` while the bot
 * holds embedded storage. Write token: it is everything the bot knows, people and audit trail
 * included. The snapshot goes to a temporary file first and is sent from there, so a slow
 * reader never keeps embedded storage waiting.
 */
export function backupRoutes(deps: { database: Database; tokens: ApiTokens; audit: AuditLog; clock: Clock; log: Logger }): RouteModule {
  const { database, tokens, audit, clock, log } = deps;
  // One at a time: each is a full copy on disk, and on embedded storage each holds the bot's statements.
  let writing = false;
  return (app) => {
    app.get('/api/backup', { onRequest: apiAuth(tokens, 'write', 'is everything the bot stores') }, async (request, reply) => {
      if (writing) throw new AppError('conflict', 'A backup is being written already; try again when it is done.');
      writing = true;
      let dir: string | undefined;
      const cleanUp = () => {
        writing = false;
        if (dir) void rm(dir, { recursive: true, force: true });
      };
      try {
        dir = await mkdtemp(join(tmpdir(), 'incident-bot-backup-'));
        const path = join(dir, 'backup.gz');
        const summary = await backupStore(database, path, clock);
        log.info({ rows: summary.rows, tables: summary.header.tables.length, heldMs: Math.round(summary.heldMs) }, 'backup written for the API');
        await audit.record({ actorName: apiCaller(request), platform: 'api', action: 'api.backup', args: { rows: summary.rows, tables: summary.header.tables.length }, result: 'ok' });
        const stream = createReadStream(path);
        stream.once('close', cleanUp);
        const stamp = summary.header.createdAt.replace(/[:.]/g, '-');
        return reply
          .header('content-type', 'application/gzip')
          .header('content-disposition', `attachment; filename="incident-bot-${stamp}.backup.gz"`)
          .header('cache-control', 'no-store')
          .send(stream);
      } catch (error) {
        cleanUp();
        throw error;
      }
    });
  };
}
