import { Prisma } from '../db/generated/client.js';
import type { DbTransaction } from '../db/database.js';
import { actorColumns, type Actor } from './actor.js';

export interface TimelineEntry {
  incidentId: number;
  at: Date;
  kind: string;
  actor: Actor;
  text: string;
  tag?: string;
  data?: Record<string, unknown>;
}

/** Appends entries in one statement. The timeline is append-only: nothing here updates or deletes. */
export async function appendTimeline(tx: DbTransaction, entries: TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((entry) => {
    const actor = actorColumns(entry.actor);
    return Prisma.sql`(${entry.incidentId}::int, ${entry.at}::timestamptz, ${entry.kind}, ${actor.actorType}, ${actor.actorId}::int,
      ${actor.actorName}, ${entry.text}, ${entry.tag ?? null}, ${entry.data ? JSON.stringify(entry.data) : null}::jsonb)`;
  });
  await tx.$executeRaw`
    INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_id, actor_name, text, tag, data)
    VALUES ${Prisma.join(rows)}`;
}
