import type { Database } from '../db/database.js';
import { pendingMigrations } from '../db/migrator.js';
import type { Metrics } from './metrics.js';
import type { RouteModule } from './server.js';

const READINESS_TIMEOUT_MS = 2_000;

export function healthRoutes(database: Database, metrics: Metrics): RouteModule {
  // Once every migration is applied it stays applied; only the database round trip is live.
  let migrationsApplied = false;

  return (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await withTimeout(database.prisma.$queryRaw`SELECT 1`, READINESS_TIMEOUT_MS);
        checks.database = 'ok';
        if (!migrationsApplied) {
          const pending = await pendingMigrations(database);
          migrationsApplied = pending.length === 0;
          checks.migrations = migrationsApplied ? 'ok' : `pending: ${pending.join(', ')}`;
        } else {
          checks.migrations = 'ok';
        }
      } catch (error) {
        metrics.databaseErrors.inc({ operation: 'readiness' });
        checks.database = `unreachable: ${(error as Error).message.split('\n')[0]}`;
      }
      const ready = checks.database === 'ok' && checks.migrations === 'ok';
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    });

    app.get('/metrics', async (_request, reply) => {
      try {
        const text = await metrics.text();
        reply.header('Content-Type', metrics.registry.contentType);
        return text;
      } catch (error) {
        // A partial answer would look to Prometheus like counters going back: none is better.
        return reply.status(503).send({ error: 'unavailable', message: (error as Error).message });
      }
    });
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
