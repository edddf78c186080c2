import { userInfo } from 'node:os';
import { AuditLog } from '../access/audit-log.js';
import type { CliCommand, CliIo } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrator.js';
import { openStorage } from '../db/open-storage.js';
import { callBotApi, refusal } from '../http/bot-api-client.js';
import { createLogger } from '../logging.js';
import { StartupError } from '../startup-error.js';
import { systemClock, type Clock } from '../time/clock.js';
import { retentionPlan } from './retention-plan.js';
import { countExpired, purgeExpired } from './retention-purge.js';
import { retentionLines, retentionView, type RetentionView } from './retention-view.js';

export type OpenDatabase = (io: CliIo) => Promise<{ database: Database; close(): Promise<void> }>;

const USAGE = 'purge [--dry-run] [--json] [--url <bot address>]';

/** The bot's database, migrated (the purge's statements name the current tables). */
const openMigratedDatabase: OpenDatabase = async (io) => {
  const config = loadConfig(io.env);
  const database = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, connectTimeoutMs: 5_000 }, createLogger('silent'));
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw new StartupError('migration_failed', (error as Error).message);
  }
  return { database, close: () => database.close() };
};

function print(io: CliIo, view: RetentionView, json: boolean | undefined, after: string[] = []): void {
  if (json) io.out(JSON.stringify(view, null, 2));
  else for (const line of [...retentionLines(view), ...after]) io.out(line);
}

/**
 * While the bot holds embedded storage, through its API: a dry run reads GET /api/retention; a
 * purge asks the bot to run its daily purge job now (write token), which logs what it removed.
 */
async function throughTheBot(io: CliIo, dryRun: boolean, url: string | undefined, json: boolean | undefined): Promise<number> {
  const result = dryRun
    ? await callBotApi(io, { url, scope: 'read', method: 'GET', path: '/api/retention' })
    : await callBotApi(io, { url, scope: 'write', method: 'POST', path: '/api/retention/purge' });
  if (!result) return 1;
  if (!result.ok) {
    io.err(refusal(result));
    return 1;
  }
  const view = result.answer as unknown as RetentionView;
  if (dryRun) print(io, view, json);
  else print(io, view, json, ['The running bot is purging these now, in small batches between its other work; its log says "retention purge done" with the counts.']);
  return 0;
}

/**
 * `incident-bot purge [--dry-run]`: removes what the RETAIN_* settings say has been kept long
 * enough (the same purge the bot runs every night), or with --dry-run only counts it. Each kind
 * of row is printed with its cut-off and the setting it comes from.
 */
export function purgeCliCommand(openDatabase: OpenDatabase = openMigratedDatabase, clock: Clock = systemClock): CliCommand {
  return {
    name: ['purge'],
    usage: USAGE,
    summary: 'remove what the RETAIN_* settings say has been kept long enough (the nightly purge, now); --dry-run only counts it',
    async run(args, io) {
      const { values } = parseFlags({ args, options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, url: { type: 'string' } } });
      const dryRun = values['dry-run'] === true;
      const config = loadConfig(io.env);
      // A bot elsewhere (its own storage, or PostgreSQL this machine cannot reach) is asked through its API.
      if (values.url !== undefined) return throughTheBot(io, dryRun, values.url, values.json);
      let storage: Awaited<ReturnType<OpenDatabase>>;
      try {
        storage = await openDatabase(io);
      } catch (error) {
        if (error instanceof StartupError && error.code === 'data_dir_locked') return throughTheBot(io, dryRun, values.url, values.json);
        throw error;
      }
      try {
        const now = clock.now();
        const plan = retentionPlan(config, now);
        if (dryRun) {
          print(io, retentionView(plan, await countExpired(storage.database.sql, plan), now, true), values.json);
          return 0;
        }
        const { counts } = await purgeExpired(storage.database, plan);
        // Data deleted by hand is on the audit trail (the nightly purge is in the log).
        await new AuditLog(storage.database.prisma, createLogger('silent')).record({
          actorName: `${userInfo().username} (command line)`,
          platform: 'cli',
          action: 'cli.retention.purge',
          args: Object.fromEntries(Object.entries(counts).filter(([, rows]) => rows > 0)),
          result: 'ok',
        });
        print(io, retentionView(plan, counts, now, false), values.json);
        return 0;
      } finally {
        await storage.close();
      }
    },
  };
}
