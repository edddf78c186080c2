import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, type CliIo } from '../cli-command.js';
import { loadConfig } from '../config.js';
import { openStorage } from '../db/open-storage.js';
import { storedToken } from '../http/access-tokens.js';
import { noteIfBotUsesOtherStorage } from '../storage/other-storage-note.js';
import { botAddress } from '../http/bot-address.js';
import { createLogger } from '../logging.js';
import { StartupError } from '../startup-error.js';
import type { OpenIncidentLookup } from './simulate-cli-command.js';
import { storedAlertFacts, storedAlertFactsFromJson, type StoredAlertFactsJson } from './stored-alert-facts.js';
import { runningWindows } from '../maintenance/maintenance-store.js';
import type { MaintenanceWindow } from '../maintenance/maintenance-window.js';
import { systemClock } from '../time/clock.js';

/**
 * Where `simulate` finds the open incident an alert would join: the database itself, or, while
 * the running bot holds embedded storage, the bot's read API on this machine.
 */
export async function openIncidentLookup(io: CliIo, options: { url?: string } = {}): Promise<OpenIncidentLookup> {
  const config = loadConfig(io.env);
  if (options.url !== undefined) {
    // Asked of that bot, wherever it keeps its data (another machine, say).
    if (!/^https?:\/\//.test(options.url)) throw new UsageError(`--url must be the bot's http(s) address, such as http://localhost:3000 (got ${JSON.stringify(options.url)})`);
    const token = config.API_TOKEN ?? storedToken('API_TOKEN', config.DATA_DIR);
    if (!token) throw new Error(`there is no read token to ask ${options.url} with: set API_TOKEN`);
    return botApiLookup(options.url.replace(/\/+$/, ''), token);
  }
  if (!config.DATABASE_URL && !existsSync(join(resolve(config.DATA_DIR), 'pglite'))) {
    await noteIfBotUsesOtherStorage(io, config);
    throw new Error(`no database in ${config.DATA_DIR} yet`);
  }
  try {
    const database = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, connectTimeoutMs: 3_000 }, createLogger('silent'));
    await noteIfBotUsesOtherStorage(io, config);
    return {
      openIncidentOfGroup: async (groupKey) =>
        (await database.prisma.incident.findUnique({ where: { openGroupKey: groupKey }, select: { id: true, title: true } })) ?? undefined,
      storedAlert: (key) => storedAlertFacts(database.prisma, key, config.REOPEN_WINDOW, { withContentHash: true }),
      runningWindows: () => runningWindows(database.sql, systemClock.now()),
      close: () => database.close(),
    };
  } catch (error) {
    if (!(error instanceof StartupError && error.code === 'data_dir_locked')) throw error;
    const token = config.API_TOKEN ?? storedToken('API_TOKEN', config.DATA_DIR);
    if (!token) throw new Error(`the running bot holds ${config.DATA_DIR} and there is no read token to ask it with (API_TOKEN)`);
    return botApiLookup(botAddress(config.PORT), token);
  }
}

/** Asks the running bot: GET /api/incidents?group=<key> and GET /api/alerts?source=&fingerprint=. */
export function botApiLookup(base: string, token: string): OpenIncidentLookup {
  // The bot's clock, as its last answer gave it: windows and REOPEN_WINDOW are judged by it.
  let botNow: Date | undefined;
  const ask = async <T>(path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, 'user-agent': 'incident-bot-cli' }, signal: AbortSignal.timeout(5_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`the running bot holds the embedded storage and did not answer at ${base} (${cause?.code ?? cause?.message ?? (error as Error).message}); set PORT as the bot has it`);
    }
    if (!response.ok) throw new Error(`the running bot at ${base} answered ${response.status} to ${path.split('?')[0]}`);
    return (await response.json()) as T;
  };
  return {
    async openIncidentOfGroup(groupKey) {
      const { incidents } = await ask<{ incidents: { number: number; title: string }[] }>(`/api/incidents?status=open&limit=1&group=${encodeURIComponent(groupKey)}`);
      const found = incidents[0];
      return found ? { id: found.number, title: found.title } : undefined;
    },
    async storedAlert({ source, fingerprint, routingKeyHash }) {
      const query = new URLSearchParams({ source, fingerprint, ...(routingKeyHash ? { routingKeyHash } : {}) });
      const { alerts } = await ask<{ alerts: StoredAlertFactsJson[] }>(`/api/alerts?${query}`);
      return alerts[0] ? storedAlertFactsFromJson(alerts[0]) : undefined;
    },
    async runningWindows() {
      const response = await fetch(`${base}/api/maintenance`, { headers: { authorization: `Bearer ${token}`, 'user-agent': 'incident-bot-cli' }, signal: AbortSignal.timeout(5_000) });
      if (!response.ok) return [];
      const { windows, asOf } = (await response.json()) as { asOf?: string; windows: { id: number; matcher: MaintenanceWindow['matcher']; team: string | null; startsAt: string; endsAt: string; reason: string; createdBy: string; origin: string }[] };
      if (asOf && !Number.isNaN(Date.parse(asOf))) botNow = new Date(asOf);
      return windows.map((w) => ({ id: w.id, matcher: w.matcher, teamKey: w.team, startsAt: new Date(w.startsAt), endsAt: new Date(w.endsAt), endedAt: null, reason: w.reason, createdByName: w.createdBy, origin: w.origin }));
    },
    now: () => botNow,
    close: async () => undefined,
  };
}
