import type { PrismaClient } from '../db/database.js';
import { apiAuth, type ApiTokens } from '../http/api-auth.js';
import type { RouteModule } from '../http/server.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { readHeartbeats, type HeartbeatView } from './heartbeat-list.js';

/** A heartbeat as `GET /api/heartbeats` and `incident-bot heartbeats --json` answer it. */
export type HeartbeatJson = Omit<HeartbeatView, 'lastBeatAt' | 'missedSince'> & { lastBeatAt: string | null; missedSince: string | null };

export function heartbeatJson(view: HeartbeatView): HeartbeatJson {
  return { ...view, lastBeatAt: view.lastBeatAt?.toISOString() ?? null, missedSince: view.missedSince?.toISOString() ?? null };
}

export function heartbeatFromJson(json: HeartbeatJson): HeartbeatView {
  return { ...json, lastBeatAt: json.lastBeatAt === null ? null : new Date(json.lastBeatAt), missedSince: json.missedSince === null ? null : new Date(json.missedSince) };
}

/** GET /api/heartbeats (read token): each heartbeat the running bot's oncall.yaml declares, its last beat and whether it is missed. */
export function heartbeatRoutes(deps: { prisma: PrismaClient; oncall: () => OncallConfig; tokens: ApiTokens }): RouteModule {
  return (app) => {
    app.get('/api/heartbeats', { onRequest: apiAuth(deps.tokens, 'read') }, async () => ({ heartbeats: (await readHeartbeats(deps.prisma, deps.oncall())).map(heartbeatJson) }));
  };
}
