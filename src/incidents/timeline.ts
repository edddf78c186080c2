import { jsonRecords, prepared, sql, type Sql, type SqlFragment } from '../db/sql.js';
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

/**
 * Appends entries in one statement of fixed text (the rows travel as one JSON parameter). The
 * timeline is append-only: nothing here updates or deletes.
 */
export async function appendTimeline(tx: Sql, entries: readonly TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(prepared('timeline.append', timelineInsert(entries)));
}

/** The INSERT of `entries` into the timeline, of fixed text: alone, or as a part of a larger statement. */
export function timelineInsert(entries: readonly TimelineEntry[]): SqlFragment {
  const rows = entries.map((entry) => {
    const actor = actorColumns(entry.actor);
    return {
      incident_id: entry.incidentId,
      at: entry.at.toISOString(),
      kind: entry.kind,
      actor_type: actor.actorType,
      actor_id: actor.actorId,
      actor_name: actor.actorName,
      text: entry.text,
      tag: entry.tag ?? null,
      data: entry.data ?? null,
    };
  });
  return sql`
    INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_id, actor_name, text, tag, data)
    SELECT r.incident_id, r.at, r.kind, r.actor_type, r.actor_id, r.actor_name, r.text, r.tag, r.data
    FROM ${jsonRecords(rows, 'incident_id int, at timestamptz, kind text, actor_type text, actor_id int, actor_name text, text text, tag text, data jsonb')}
    ORDER BY e.ord`;
}
