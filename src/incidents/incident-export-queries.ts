import type { PrismaClient } from '../db/database.js';
import type { Prisma } from '../db/generated/client.js';
import { incidentExportDocument, type IncidentExport } from './incident-export.js';

const PERSON = { select: { name: true, handle: true } } as const;

/** Everything an export document holds, read with one query per table for a whole batch of incidents. */
const EXPORT_INCLUDE = {
  team: { select: { key: true, name: true } },
  alerts: { include: { alert: { omit: { raw: true, routingKeyHash: true, contentHash: true, recentFires: true } } } },
  // Ordered (oldest first, then by id) when the document is built.
  timeline: true,
  roles: { include: { person: PERSON } },
  channels: true,
  pages: { include: { person: PERSON, notifications: true }, orderBy: { id: 'asc' } },
  playbookRun: { include: { steps: { include: { actor: { select: { name: true } } } } } },
  postmortem: true,
} satisfies Prisma.IncidentInclude;

/** How many incidents a bulk export reads at a time: each brings its alerts and whole timeline. */
export const EXPORT_BATCH_SIZE = 50;

export interface ExportRange {
  /** Incidents opened at or after this instant. */
  since: Date;
  /** And before this one; no bound when absent. */
  until?: Date;
}

/** One incident's export document; undefined when there is no such incident. */
export async function loadIncidentExport(prisma: PrismaClient, number: number, options: { redact: boolean }): Promise<IncidentExport | undefined> {
  const incident = await prisma.incident.findUnique({ where: { id: number }, include: EXPORT_INCLUDE });
  return incident ? incidentExportDocument(incident, options) : undefined;
}

/**
 * The export documents of the incidents opened in [since, until), by number, read a batch at a
 * time so that memory stays flat however many there are. Not a snapshot: an incident that
 * changes while the export runs is exported as it was when its batch was read.
 */
export async function* exportIncidentsOpened(prisma: PrismaClient, range: ExportRange, options: { redact: boolean; batchSize?: number }): AsyncGenerator<IncidentExport> {
  const batchSize = options.batchSize ?? EXPORT_BATCH_SIZE;
  let after = 0;
  for (;;) {
    const batch = await prisma.incident.findMany({
      where: { id: { gt: after }, openedAt: { gte: range.since, ...(range.until ? { lt: range.until } : {}) } },
      orderBy: { id: 'asc' },
      take: batchSize,
      include: EXPORT_INCLUDE,
    });
    for (const incident of batch) yield incidentExportDocument(incident, options);
    if (batch.length < batchSize) return;
    after = batch[batch.length - 1]!.id;
  }
}
