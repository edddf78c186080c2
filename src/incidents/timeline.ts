import { join, json, sql, type Sql } from '../db/sql.js';
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
export async function appendTimeline(tx: Sql, entries: TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((entry) => {
    const actor = actorColumns(entry.actor);
    return sql`(${entry.incidentId}::int, ${entry.at}::timestamptz, ${entry.kind}, ${actor.actorType}, ${actor.actorId}::int,
      ${actor.actorName}, ${entry.text}, ${entry.tag ?? null}, ${json(entry.data)}::jsonb)`;
  });
  await tx.query(sql`
    INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_id, actor_name, text, tag, data)
    VALUES ${join(rows)}`);
}
