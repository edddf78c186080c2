import { join } from 'node:path';
import type { CliCommand, CliIo } from '../cli-command.js';
import { flagValue, parseFlags } from '../cli-flags.js';
import { loadConfig } from '../config.js';
import type { PrismaClient } from '../db/database.js';
import { TOKEN_FILES } from '../http/access-tokens.js';
import { botAddress } from '../http/bot-address.js';
import { readSearchText, wholeNumber } from '../input-values.js';
import { StartupError } from '../startup-error.js';
import { readInstantOrAgo } from '../time/instant.js';
import { findAuditEntries, type AuditEntryView } from './audit-log.js';
import { callBotApi, refusal } from '../http/bot-api-client.js';
import { systemClock, type Clock } from '../time/clock.js';

export type OpenPrisma = (io: CliIo) => Promise<{ prisma: PrismaClient; close(): Promise<void> }>;

const USAGE = 'audit [--since <7d|ISO time>] [--actor <name|handle>] [--action <prefix>] [--limit N] [--json]';

/** Where the trail starts when no since is given: a week back. */
export function defaultSince(now: Date): Date {
  return new Date(now.getTime() - 7 * 86_400_000);
}

function line(entry: AuditEntryView): string {
  const who = entry.actorHandle ? `${entry.actorName} (${entry.actorHandle})` : entry.actorName;
  const args = entry.args && typeof entry.args === 'object' ? JSON.stringify(entry.args) : '';
  const detail = entry.detail ? `  ${entry.detail}` : '';
  return `${entry.at.toISOString()}  ${entry.platform.padEnd(7)}  ${who}  ${entry.action}  ${entry.result}  ${args}${detail}`;
}

/** How to read the trail while the bot holds embedded storage: its own address and token file. */
function readFromTheBotHint(io: CliIo): string {
  const config = loadConfig(io.env);
  const token = config.API_TOKEN ? '$API_TOKEN' : `$(cat ${join(config.DATA_DIR, TOKEN_FILES.API_TOKEN)})`;
  return `While the bot runs on embedded storage, read the trail from it: curl -H "Authorization: Bearer ${token}" '${botAddress(config.PORT)}/api/audit?since=7d'`;
}

type AuditQuery = { since: Date; actor?: string; action?: string; limit: number };

/**
 * The entries from the bot's database, or, while the running bot holds embedded storage, from
 * its read API (`GET /api/audit`, which records that read in the trail, as any API read).
 * Rethrows the lock when the bot cannot be asked either.
 */
async function readEntries(openPrisma: OpenPrisma, io: CliIo, query: AuditQuery): Promise<AuditEntryView[]> {
  let storage: Awaited<ReturnType<OpenPrisma>>;
  try {
    storage = await openPrisma(io);
  } catch (error) {
    if (!(error instanceof StartupError && error.code === 'data_dir_locked') || query.limit > API_LIMIT) throw error;
    const params = new URLSearchParams({ since: query.since.toISOString(), limit: String(query.limit), ...(query.actor ? { actor: query.actor } : {}), ...(query.action ? { action: query.action } : {}) });
    const asked = await callBotApi(io, { scope: 'read', method: 'GET', path: `/api/audit?${params}` });
    if (!asked?.ok) {
      if (asked) io.err(refusal(asked));
      throw error;
    }
    return (asked.answer.entries as (Omit<AuditEntryView, 'at'> & { at: string })[]).map((entry) => ({ ...entry, at: new Date(entry.at) }));
  }
  try {
    return await findAuditEntries(storage.prisma, query);
  } finally {
    await storage.close();
  }
}

/** GET /api/audit's most entries in one answer. */
const API_LIMIT = 10_000;

/** `incident-bot audit`: who did what, newest first, from the database the bot uses (or the running bot). */
export function auditCliCommand(openPrisma: OpenPrisma, clock: Clock = systemClock): CliCommand {
  return {
    name: ['audit'],
    usage: USAGE,
    summary: 'the audit trail: commands, buttons, overrides, reloads and API reads, newest first (default: the last 7 days)',
    async run(args, io) {
      const { values } = parseFlags({
        args,
        options: { since: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      });
      const now = clock.now();
      const since = values.since === undefined ? defaultSince(now) : flagValue('--since', values.since, (text) => readInstantOrAgo(text, now));
      const limit = values.limit === undefined ? 200 : flagValue('--limit', values.limit, wholeNumber(1, 100_000));
      const actor = values.actor === undefined ? undefined : flagValue('--actor', values.actor, readSearchText);
      const action = values.action === undefined ? undefined : flagValue('--action', values.action, readSearchText);
      let entries: AuditEntryView[];
      try {
        entries = await readEntries(openPrisma, io, { since, actor, action, limit });
      } catch (error) {
        if (error instanceof StartupError && error.code === 'data_dir_locked') {
          io.err(`${error.message}\n${readFromTheBotHint(io)}`);
          return 1;
        }
        throw error;
      }
      if (values.json) {
        io.out(JSON.stringify({ since: since.toISOString(), entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })) }, null, 2));
        return 0;
      }
      if (entries.length === 0) {
        io.out(`No audit entries since ${since.toISOString()}${actor ? ` by "${actor}"` : ''}${action ? ` for ${action}` : ''}.`);
        return 0;
      }
      for (const entry of entries) io.out(line(entry));
      if (entries.length === limit) io.out(`(showing the newest ${limit}; use --limit or --since for more)`);
      return 0;
    },
  };
}
