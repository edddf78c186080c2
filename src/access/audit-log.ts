import type { PrismaClient } from '../db/database.js';
import { storableJson, storableText } from '../db/storable-text.js';
import type { Logger } from '../logging.js';

/**
 * What became of an audited action: done, refused for lack of a role, throttled, rejected as
 * malformed, failed for a reason the asker can act on (no such incident), or broke.
 */
export type AuditResult = 'ok' | 'refused' | 'rate_limited' | 'invalid' | 'failed' | 'error';

export interface AuditRecord {
  actorId?: number | null;
  actorName: string;
  /** slack, discord, api, system (configuration reloads). */
  platform: string;
  /** e.g. incident.resolve, oncall.override, api.postmortem.read, config.reload */
  action: string;
  args?: Record<string, unknown>;
  result: AuditResult;
  /** Why it was refused or failed, in the words the asker saw. */
  detail?: string;
}

export interface AuditEntryView {
  id: string;
  at: Date;
  actorName: string;
  actorHandle: string | null;
  platform: string;
  action: string;
  args: unknown;
  result: string;
  detail: string | null;
}

/**
 * The audit trail: one row per command, button, override, configuration reload and API read of
 * a postmortem or report. Writing it never fails the action it records (the row is lost and the
 * loss logged instead), since refusing to resolve an incident because the audit insert failed
 * would be the worse outcome at 3 a.m.
 */
export class AuditLog {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
  ) {}

  async record(entry: AuditRecord): Promise<void> {
    try {
      await this.prisma.auditEntry.create({
        data: {
          actorId: entry.actorId ?? null,
          // What people typed may hold what PostgreSQL cannot store (NUL); the row must still be written.
          actorName: storableText(entry.actorName.slice(0, 200)),
          platform: entry.platform,
          action: storableText(entry.action),
          args: entry.args ? (storableJson(JSON.parse(JSON.stringify(entry.args))) as object) : undefined,
          result: entry.result,
          detail: entry.detail === undefined ? null : storableText(entry.detail.slice(0, 2000)),
        },
      });
    } catch (error) {
      this.log.warn({ err: error, action: entry.action, platform: entry.platform }, 'could not write the audit row');
    }
  }
}

export interface AuditQuery {
  since?: Date;
  /** Matches the person's name (case-insensitive, part of it) or their oncall.yaml handle. */
  actor?: string;
  action?: string;
  limit?: number;
}

/** Prisma hands `contains` and `startsWith` to LIKE as they are: what people type must not act as a pattern. */
function literal(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Newest first. */
export async function findAuditEntries(prisma: PrismaClient, query: AuditQuery): Promise<AuditEntryView[]> {
  const rows = await prisma.auditEntry.findMany({
    where: {
      ...(query.since ? { at: { gte: query.since } } : {}),
      ...(query.action ? { action: { startsWith: literal(query.action) } } : {}),
      ...(query.actor
        ? { OR: [{ actorName: { contains: literal(query.actor), mode: 'insensitive' as const } }, { actor: { handle: query.actor } }] }
        : {}),
    },
    include: { actor: { select: { handle: true } } },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: query.limit ?? 100,
  });
  return rows.map((row) => ({
    id: String(row.id),
    at: row.at,
    actorName: row.actorName,
    actorHandle: row.actor?.handle ?? null,
    platform: row.platform,
    action: row.action,
    args: row.args,
    result: row.result,
    detail: row.detail,
  }));
}
