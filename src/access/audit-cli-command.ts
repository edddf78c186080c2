import { DateTime } from 'luxon';
import { parseArgs } from 'node:util';
import type { CliCommand, CliIo } from '../cli-command.js';
import type { PrismaClient } from '../db/database.js';
import { StartupError } from '../startup-error.js';
import { parseDuration } from '../time/duration.js';
import { findAuditEntries, type AuditEntryView } from './audit-log.js';

export type OpenPrisma = (io: CliIo) => Promise<{ prisma: PrismaClient; close(): Promise<void> }>;

const USAGE = 'audit [--since <7d|ISO time>] [--actor <name|handle>] [--action <prefix>] [--limit N] [--json]';

/** `--since 24h` (that long ago) or an ISO date/time; a bad value names the flag and the forms it takes. */
export function parseSince(text: string | undefined, now: Date): Date {
  if (text === undefined) return new Date(now.getTime() - 7 * 86_400_000);
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(now.getTime() - ago);
  const date = DateTime.fromISO(text, { zone: 'UTC', setZone: true });
  if (date.isValid) return date.toJSDate();
  throw new Error(`--since must be a duration such as 24h or 7d, or an ISO time such as 2026-12-01 or 2026-12-01T09:00:00+01:00 (got "${text}")`);
}

function line(entry: AuditEntryView): string {
  const who = entry.actorHandle ? `${entry.actorName} (${entry.actorHandle})` : entry.actorName;
  const args = entry.args && typeof entry.args === 'object' ? JSON.stringify(entry.args) : '';
  const detail = entry.detail ? `  ${entry.detail}` : '';
  return `${entry.at.toISOString()}  ${entry.platform.padEnd(7)}  ${who}  ${entry.action}  ${entry.result}  ${args}${detail}`;
}

/** `incident-bot audit`: who did what, newest first, from the database the bot uses. */
export function auditCliCommand(openPrisma: OpenPrisma, clock: () => Date = () => new Date()): CliCommand {
  return {
    name: ['audit'],
    usage: USAGE,
    summary: 'the audit trail: commands, buttons, overrides, reloads and API reads, newest first (default: the last 7 days)',
    async run(args, io) {
      let values: { since?: string; actor?: string; action?: string; limit?: string; json?: boolean };
      try {
        ({ values } = parseArgs({
          args,
          options: { since: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
        }));
      } catch (error) {
        io.err(`${(error as Error).message}\nUsage: incident-bot ${USAGE}`);
        return 2;
      }
      let since: Date;
      try {
        since = parseSince(values.since, clock());
      } catch (error) {
        io.err((error as Error).message);
        return 2;
      }
      const limit = values.limit === undefined ? 200 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
        io.err(`--limit must be a whole number from 1 to 100000 (got "${values.limit}")`);
        return 2;
      }
      let storage: Awaited<ReturnType<OpenPrisma>>;
      try {
        storage = await openPrisma(io);
      } catch (error) {
        if (error instanceof StartupError && error.code === 'data_dir_locked') {
          io.err(`${error.message}\nWhile the bot runs on embedded storage, read the trail from it: curl -H "Authorization: Bearer $API_TOKEN" 'http://localhost:3000/api/audit?since=7d'`);
          return 1;
        }
        throw error;
      }
      try {
        const entries = await findAuditEntries(storage.prisma, { since, actor: values.actor, action: values.action, limit });
        if (values.json) {
          io.out(JSON.stringify({ since: since.toISOString(), entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })) }, null, 2));
          return 0;
        }
        if (entries.length === 0) {
          io.out(`No audit entries since ${since.toISOString()}${values.actor ? ` by "${values.actor}"` : ''}${values.action ? ` for ${values.action}` : ''}.`);
          return 0;
        }
        for (const entry of entries) io.out(line(entry));
        if (entries.length === limit) io.out(`(showing the newest ${limit}; use --limit or --since for more)`);
        return 0;
      } finally {
        await storage.close();
      }
    },
  };
}
