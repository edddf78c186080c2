import { json, prepared, sql, type Sql, type SqlFragment } from '../db/sql.js';
import type { IngestItem, IngestResult } from './alert-ingestion.js';
import { isRepeatOfEndedOccurrence } from './incident-rules.js';

/** What ingestion needs to know of a stored alert to decide what a new notification of it does. */
export interface AlertState {
  id: number;
  status: 'firing' | 'resolved';
  contentHash: string;
  incidentId: number | null;
  routingKeyHash: string | null;
  /** When the alert ended, as stored: for a resolved alert, its recorded resolution. */
  endsAt: Date | null;
  recentFires: Date[];
  flappingSince: Date | null;
}

export interface AlertStateRow {
  id: number;
  source: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  content_hash: string;
  incident_id: number | null;
  routing_key_hash: string | null;
  ends_at: Date | string | null;
  /** As JSON: both drivers read a jsonb array the same way. */
  recent_fires: string[] | null;
  flapping_since: Date | string | null;
}

export const alertKey = (source: string, fingerprint: string) => `${source}\u0000${fingerprint}`;

export const ALERT_STATE_COLUMNS = sql`a.id, a.source, a.fingerprint, a.status, a.content_hash, a.incident_id, a.routing_key_hash, a.ends_at,
  to_jsonb(a.recent_fires) AS recent_fires, a.flapping_since`;

/**
 * The stored alert `a` of each key of `items`, as a FROM clause: each looked up through the
 * unique index (LATERAL ... LIMIT 1), whatever the plan PostgreSQL keeps for the statement.
 */
export function storedAlertsOf(items: readonly IngestItem[]): SqlFragment {
  const keys = new Map<string, { source: string; fingerprint: string }>();
  for (const { alert } of items) keys.set(alertKey(alert.source, alert.fingerprint), { source: alert.source, fingerprint: alert.fingerprint });
  return sql`json_to_recordset(${json([...keys.values()])}::json) AS k(source text, fingerprint text)
    CROSS JOIN LATERAL (SELECT * FROM alerts b WHERE b.source = k.source AND b.fingerprint = k.fingerprint LIMIT 1) a`;
}

/**
 * The stored state of the alerts of a batch, in one statement of fixed text (the keys travel as
 * one JSON parameter), so the server plans it once per connection. Each key is looked up through
 * the unique index (LATERAL ... LIMIT 1): a plan made without knowing how many keys come would
 * otherwise scan the whole table. `lock` takes their row locks in id order, so that two replicas
 * locking overlapping sets cannot deadlock.
 */
export async function readAlertStates(tx: Sql, items: readonly IngestItem[], lock: boolean): Promise<Map<string, AlertState>> {
  const rows = lock
    ? // Planned with its values each time, not prepared: see `prepared`.
      await tx.query<AlertStateRow>(sql`
        SELECT ${ALERT_STATE_COLUMNS} FROM alerts a WHERE a.id = ANY (ARRAY(SELECT a.id FROM ${storedAlertsOf(items)})) ORDER BY a.id FOR UPDATE`)
    : await tx.query<AlertStateRow>(prepared('ingest.read-alert-states', sql`SELECT ${ALERT_STATE_COLUMNS} FROM ${storedAlertsOf(items)}`));
  return statesFromRows(rows);
}

/** Each alert's state, by alert key, from rows of ALERT_STATE_COLUMNS. */
export function statesFromRows(rows: readonly AlertStateRow[]): Map<string, AlertState> {
  const states = new Map<string, AlertState>();
  for (const row of rows) {
    states.set(alertKey(row.source, row.fingerprint), {
      id: Number(row.id),
      status: row.status,
      contentHash: row.content_hash,
      incidentId: row.incident_id === null ? null : Number(row.incident_id),
      routingKeyHash: row.routing_key_hash,
      endsAt: row.ends_at === null ? null : new Date(row.ends_at),
      recentFires: (row.recent_fires ?? []).map((at) => new Date(at)),
      flappingSince: row.flapping_since === null ? null : new Date(row.flapping_since),
    });
  }
  return states;
}

/** The result of an item that writes nothing, decided from its stored state alone; undefined when it writes. */
export function classifyWithoutWriting(item: IngestItem, state: AlertState | undefined): IngestResult | undefined {
  const { alert } = item;
  if (item.release) return state?.status === 'firing' && state.incidentId === null ? undefined : { outcome: 'unchanged', alertId: state?.id, incidentId: state?.incidentId ?? undefined };
  if (item.ownAlertsOnly && state && state.routingKeyHash !== (alert.routingKeyHash ?? null)) {
    // As PagerDuty does, another key's acknowledge or resolve is dropped, saying nothing of the alert.
    return { outcome: alert.eventOnly ? 'ignored' : 'refused' };
  }
  if (alert.eventOnly === 'acknowledge') return state?.incidentId ? undefined : { outcome: 'ignored' };
  if (alert.eventOnly === 'resolve') {
    if (!state) return { outcome: 'ignored' };
    return state.status === 'resolved' ? { outcome: 'unchanged', alertId: state.id, incidentId: state.incidentId ?? undefined } : undefined;
  }
  if (state && state.contentHash === item.contentHash && state.status === alert.status) {
    return { outcome: 'unchanged', alertId: state.id, incidentId: state.incidentId ?? undefined };
  }
  if (state && isRepeatOfEndedOccurrence(alert, state)) return { outcome: 'stale', alertId: state.id, incidentId: state.incidentId ?? undefined };
  return undefined;
}
