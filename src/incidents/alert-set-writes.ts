import { json, jsonRecords, prepared, sql, type Sql, type SqlFragment } from '../db/sql.js';
import { SharedValues } from '../db/shared-values.js';
import { LOCKED_INCIDENT_COLUMNS, lockedIncidentFromRow, type IncidentRow, type LockedIncident } from './incident-transitions.js';
import { ALERT_STATE_COLUMNS, alertKey, statesFromRows, storedAlertsOf, type AlertState, type AlertStateRow } from './alert-states.js';
import { insertJobs, jobRow, JOB_ROW_COLUMNS } from '../engine/job-store.js';
import type { JobSpec } from '../engine/job.js';
import type { IngestItem } from './alert-ingestion.js';

/**
 * The statements that write a whole batch of alerts at once. Each has a fixed text: its rows
 * travel as one JSON parameter, so it costs one round trip and one plan however many rows it
 * holds. New incidents are numbered in the order their alerts came in, so the first to fire gets
 * the lower number, and so are new alerts; but alerts are inserted, updated and linked in key
 * order, so that two replicas writing overlapping sets take their row locks in one order: inserted
 * in the order they came in, the same new alerts sent to three replicas at once deadlocked (a
 * second's stall each, before PostgreSQL broke it and the batch was retried).
 */

export interface IncidentToOpen {
  groupKey: string;
  title: string;
  severity: number;
  team: string | null;
  service: string | null;
  private: boolean;
  source: string;
  routeId: string;
  escalationPolicy: unknown;
  playbookId: string | null;
  openedAt: Date;
  /** The alert that opens it (with `source`), for a set of candidates of which only inserted ones open. */
  fingerprint?: string;
}

/**
 * The open incident of each group, locked, and for each group that has none an incident opened
 * now: one statement. A group another replica opened since this transaction's snapshot is in
 * neither answer (the insert's ON CONFLICT waits for that replica's commit, then skips it; the
 * lock does not see it): the caller locks it with a statement of its own.
 */
export async function lockOrOpenIncidents(tx: Sql, incidents: readonly IncidentToOpen[]): Promise<{ locked: Map<string, LockedIncident>; opened: Map<string, LockedIncident> }> {
  const policies = new SharedValues();
  const rows = incidentRecords(incidents, policies);
  // Prepared, though it locks by a list of keys (see `prepared`): it runs on the intake's
  // connections, which take the index whatever the table's size when the plan was kept.
  const found = await tx.query<IncidentRow & { opened: boolean }>(prepared('ingest.lock-or-open-incidents', sql`
    WITH locked AS (
      SELECT ${LOCKED_INCIDENT_COLUMNS} FROM incidents
      WHERE open_group_key = ANY (${rows.map((row) => row.group_key)}::text[]) ORDER BY id FOR UPDATE
    ), opened AS (
      INSERT INTO incidents (${INCIDENT_INSERT_COLUMNS})
      SELECT nextval(pg_get_serial_sequence('incidents', 'id')), ${incidentValues(policies)}
      FROM ${jsonRecords(rows, INCIDENT_RECORD)}
      LEFT JOIN teams t ON t.key = r.team
      WHERE r.group_key NOT IN (SELECT open_group_key FROM locked)
      ORDER BY e.ord
      ON CONFLICT (open_group_key) DO NOTHING
      RETURNING ${LOCKED_INCIDENT_COLUMNS}
    )
    SELECT false AS opened, * FROM locked UNION ALL SELECT true AS opened, * FROM opened`));
  const locked = new Map<string, LockedIncident>();
  const opened = new Map<string, LockedIncident>();
  for (const row of found) (row.opened ? opened : locked).set(row.open_group_key!, lockedIncidentFromRow(row));
  return { locked, opened };
}

/** Incidents to open as json_to_recordset rows (INCIDENT_RECORD); policies travel once each. */
function incidentRecords(incidents: readonly IncidentToOpen[], policies: SharedValues) {
  return incidents.map((incident) => ({
    group_key: incident.groupKey,
    title: incident.title.slice(0, 500),
    severity: incident.severity,
    team: incident.team,
    service: incident.service,
    private: incident.private,
    source: incident.source,
    route_id: incident.routeId,
    policy_at: policies.at(incident.escalationPolicy),
    playbook_id: incident.playbookId,
    opened_at: incident.openedAt.toISOString(),
  }));
}

const INCIDENT_RECORD = 'group_key text, title text, severity int, team text, service text, private boolean, source text, route_id text, policy_at int, playbook_id text, opened_at timestamptz';
const INCIDENT_INSERT_COLUMNS = sql`id, title, severity, team_id, service, private, source, route_id, open_group_key, group_key, escalation_policy, playbook_id, opened_at, updated_at`;

/** The values of INCIDENT_INSERT_COLUMNS after the id, from a record `r` of INCIDENT_RECORD and its team `t`. */
function incidentValues(policies: SharedValues): SqlFragment {
  return sql`r.title, r.severity, t.id, r.service, r.private, r.source, r.route_id, r.group_key, r.group_key,
             ${json(policies.list)}::jsonb -> r.policy_at, r.playbook_id, r.opened_at, now()`;
}

/** An alert's content as the row columns both an insert and an update write. */
function contentColumns(item: IngestItem, raws: SharedValues) {
  const { alert } = item;
  return {
    status: alert.status,
    title: alert.title,
    description: alert.description ?? null,
    source_severity: alert.sourceSeverity ?? null,
    labels: alert.labels,
    annotations: alert.annotations,
    links: alert.links,
    // Null: the start is only when the bot received it, and the stored one stays (see contentSet).
    starts_at: alert.startsAtIsReceipt ? null : alert.startsAt.toISOString(),
    ends_at: alert.endsAt?.toISOString() ?? null,
    // The status stays in a content update: a resolved alert resent keeps the end first recorded,
    // unless it is of a later occurrence (another start), whose end is this notification's receipt.
    keep_ends_at: alert.endsAtIsReceipt === true,
    content_hash: item.contentHash,
    raw_at: raws.at(item.raw),
  };
}

export interface AlertToInsert {
  item: IngestItem;
  /** The open incident it joins, when this transaction already holds it. */
  incidentId: number | null;
  /** Else the group whose open incident it joins, locked or opened now (null: it joins none). */
  groupKey: string | null;
  heldBy: number | null;
}

/** What insertAlertsOpeningIncidents stored: each inserted alert's id and incident, by alert key. */
export interface InsertedAlerts {
  alerts: Map<string, { id: number; incidentId: number | null }>;
  /** The open incidents of the groups that alerts joined, locked, by group key. */
  locked: Map<string, LockedIncident>;
  /** The incidents opened because an alert of their group was inserted, by group key. */
  opened: Map<string, LockedIncident>;
}

/**
 * Inserts new alerts, each joining its group's open incident (locked) or one opened now, and
 * links each firing one to its incident, as its history: one statement. An alert another
 * replica stored since it was read is left out (the caller takes it down the existing-alert
 * path), and an incident is opened only for a group with an alert inserted, from the first of
 * them: `candidates` holds, in the order the alerts came in, the incident each alert of a group
 * without an open incident here would open, so none is ever left without the alert that opened
 * it or described by an alert it does not hold. A new incident's number is drawn before the
 * alerts are inserted; the number of a group whose alerts all lost their insert goes unused. A
 * group another replica opened since this statement's snapshot fails it on the unique open group
 * key, a conflict the caller retries (the retry sees and locks that incident).
 */
export async function insertAlertsOpeningIncidents(tx: Sql, alerts: readonly AlertToInsert[], candidates: readonly IncidentToOpen[], now: Date): Promise<InsertedAlerts> {
  const raws = new SharedValues();
  const policies = new SharedValues();
  const rows = alerts.map(({ item, incidentId, groupKey, heldBy }) => ({
    source: item.alert.source,
    fingerprint: item.alert.fingerprint,
    ...contentColumns(item, raws),
    // A new alert's start, whoever set it.
    starts_at: item.alert.startsAt.toISOString(),
    incident_id: incidentId,
    group_key: groupKey,
    routing_key_hash: item.alert.routingKeyHash ?? null,
    held_by: heldBy,
  }));
  const toOpen = incidentRecords(candidates, policies).map((row, index) => ({ ...row, fingerprint: candidates[index]!.fingerprint ?? null, ord: index }));
  const found = await tx.query<Partial<IncidentRow> & { opened: boolean | null; alert_id: number; alert_source: string; alert_fingerprint: string; alert_incident_id: number | null }>(prepared('ingest.insert-alerts-opening-incidents', sql`
    WITH to_open AS MATERIALIZED (
      SELECT r.* FROM ${jsonRecords(toOpen, `${INCIDENT_RECORD}, fingerprint text, ord int`)}
    ), locked AS (
      SELECT ${LOCKED_INCIDENT_COLUMNS} FROM incidents
      WHERE open_group_key = ANY (${[...new Set(toOpen.map((row) => row.group_key))]}::text[]) ORDER BY id FOR UPDATE
    ), numbered AS MATERIALIZED (
      SELECT o.group_key, nextval(pg_get_serial_sequence('incidents', 'id'))::int AS id
      FROM (SELECT group_key FROM to_open WHERE group_key NOT IN (SELECT open_group_key FROM locked)
            GROUP BY group_key ORDER BY min(ord) OFFSET 0) o
    ), new_alerts AS MATERIALIZED (
      SELECT e.ord, r.* FROM ${jsonRecords(rows, 'source text, fingerprint text, status text, title text, description text, source_severity text, labels jsonb, annotations jsonb, links jsonb, starts_at timestamptz, ends_at timestamptz, content_hash text, incident_id int, group_key text, raw_at int, routing_key_hash text, held_by int')}
    ), alert_ids AS MATERIALIZED (
      SELECT a.ord, nextval(pg_get_serial_sequence('alerts', 'id'))::int AS id FROM (SELECT ord FROM new_alerts ORDER BY ord OFFSET 0) a
    ), inserted AS (
      INSERT INTO alerts (id, source, fingerprint, status, title, description, source_severity, labels, annotations, links,
                          starts_at, ends_at, last_received_at, content_hash, incident_id, raw, routing_key_hash, held_by_window, recent_fires)
      SELECT i.id, r.source, r.fingerprint, r.status::"AlertStatus", r.title, r.description, r.source_severity, r.labels, r.annotations, r.links,
             r.starts_at, r.ends_at, now(), r.content_hash, COALESCE(r.incident_id, l.id, n.id), ${json(raws.list)}::jsonb -> r.raw_at, r.routing_key_hash, r.held_by,
             CASE WHEN r.status = 'firing' THEN ARRAY[${now}::timestamptz] ELSE ARRAY[]::timestamptz[] END
      FROM new_alerts r
      JOIN alert_ids i ON i.ord = r.ord
      LEFT JOIN locked l ON l.open_group_key = r.group_key
      LEFT JOIN numbered n ON n.group_key = r.group_key
      ORDER BY r.source, r.fingerprint
      ON CONFLICT (source, fingerprint) DO NOTHING
      RETURNING id, source, fingerprint, incident_id, status
    ), openers AS (
      SELECT DISTINCT ON (n.id) n.id AS incident_id, r.*
      FROM numbered n
      JOIN to_open r ON r.group_key = n.group_key
      JOIN inserted a ON a.source = r.source AND a.fingerprint = r.fingerprint
      ORDER BY n.id, r.ord
    ), opened AS (
      -- In group key order, as the alerts go in key order: two replicas opening the same groups
      -- take the open group keys in one order (in arrival order they deadlocked).
      INSERT INTO incidents (${INCIDENT_INSERT_COLUMNS})
      SELECT r.incident_id, ${incidentValues(policies)}
      FROM openers r
      LEFT JOIN teams t ON t.key = r.team
      ORDER BY r.group_key
      RETURNING ${LOCKED_INCIDENT_COLUMNS}
    ), linked AS (
      INSERT INTO incident_alerts (incident_id, alert_id)
      SELECT incident_id, id FROM inserted WHERE incident_id IS NOT NULL AND status = 'firing' ORDER BY incident_id, id
      ON CONFLICT DO NOTHING
    )
    SELECT a.id AS alert_id, a.source AS alert_source, a.fingerprint AS alert_fingerprint, a.incident_id AS alert_incident_id, i.*
    FROM inserted a LEFT JOIN (SELECT false AS opened, * FROM locked UNION ALL SELECT true AS opened, * FROM opened) i ON i.id = a.incident_id`));
  const result: InsertedAlerts = { alerts: new Map(), locked: new Map(), opened: new Map() };
  for (const row of found) {
    result.alerts.set(alertKey(row.alert_source, row.alert_fingerprint), { id: Number(row.alert_id), incidentId: row.alert_incident_id === null ? null : Number(row.alert_incident_id) });
    if (row.opened !== null) (row.opened ? result.opened : result.locked).set(row.open_group_key!, lockedIncidentFromRow(row as IncidentRow));
  }
  return result;
}

/** The columns of a row of contentColumns, as json_to_recordset reads them. */
const CONTENT_RECORD = sql`id int, status text, title text, description text, source_severity text,
      labels jsonb, annotations jsonb, links jsonb, starts_at timestamptz, ends_at timestamptz, keep_ends_at boolean, content_hash text, raw_at int`;

/** What new content sets on an alert row `a` from a record `r` of CONTENT_RECORD. */
function contentSet(raws: SharedValues): SqlFragment {
  return sql`status = r.status::"AlertStatus", title = r.title, description = r.description, source_severity = r.source_severity,
      labels = r.labels, annotations = r.annotations, links = r.links, starts_at = COALESCE(r.starts_at, a.starts_at),
      ends_at = CASE WHEN r.keep_ends_at AND COALESCE(r.starts_at, a.starts_at) = a.starts_at THEN a.ends_at ELSE r.ends_at END,
      content_hash = r.content_hash, received_count = a.received_count + 1, last_received_at = now(),
      raw = COALESCE(${json(raws.list)}::jsonb -> r.raw_at, a.raw)`;
}

/** New content for alerts already stored whose status stays as it was (one statement): each alert's end as stored, by id. */
export async function updateAlertContents(tx: Sql, updates: readonly { item: IngestItem; alertId: number }[]): Promise<Map<number, Date | null>> {
  const raws = new SharedValues();
  const rows = [...updates]
    .sort((a, b) => a.alertId - b.alertId)
    .map(({ item, alertId }) => ({ id: alertId, ...contentColumns(item, raws) }));
  // The ids again as an array: with it the plan reaches the rows by primary key, not by a scan.
  const updated = await tx.query<{ id: number; ends_at: Date | string | null }>(prepared('ingest.update-alert-contents', sql`
    UPDATE alerts a SET ${contentSet(raws)}
    FROM json_to_recordset(${json(rows)}::json) AS r(${CONTENT_RECORD})
    WHERE a.id = r.id AND a.id = ANY (${rows.map((row) => row.id)}::int[])
    RETURNING a.id, a.ends_at`));
  return new Map(updated.map((row) => [Number(row.id), row.ends_at === null ? null : new Date(row.ends_at)]));
}

/**
 * New content for stored alerts, each applied only if the alert is still as it was read (status,
 * content, incident, end), together with the follow-up job of each incident it changed: one
 * statement that is its own transaction. Answers the ids it updated; an alert another request
 * changed since it was read is left alone, for the caller to take through the locked path.
 */
export async function updateIfUnchanged(db: Sql, updates: readonly { item: IngestItem; state: AlertState }[], followUps: (incidentId: number) => JobSpec[]): Promise<Set<number>> {
  const raws = new SharedValues();
  const rows = [...updates]
    .sort((a, b) => a.state.id - b.state.id)
    .map(({ item, state }) => ({
      id: state.id,
      ...contentColumns(item, raws),
      was_status: state.status,
      was_hash: state.contentHash,
      was_incident: state.incidentId,
      was_ends_at: state.endsAt?.toISOString() ?? null,
    }));
  const incidents = [...new Set(updates.flatMap(({ state }) => (state.incidentId === null ? [] : [state.incidentId])))].sort((a, b) => a - b);
  const jobs = incidents.flatMap((incidentId) => followUps(incidentId).map((job) => ({ ...jobRow(job), incident_id: incidentId })));
  const updated = await db.query<{ id: number }>(prepared('ingest.update-if-unchanged', sql`
    WITH updated AS (
      UPDATE alerts a SET ${contentSet(raws)}
      FROM json_to_recordset(${json(rows)}::json) AS r(${CONTENT_RECORD}, was_status text, was_hash text, was_incident int, was_ends_at timestamptz)
      WHERE a.id = r.id AND a.id = ANY (${rows.map((row) => row.id)}::int[])
        AND a.status = r.was_status::"AlertStatus" AND a.content_hash = r.was_hash
        AND a.incident_id IS NOT DISTINCT FROM r.was_incident AND a.ends_at IS NOT DISTINCT FROM r.was_ends_at
      RETURNING a.id, a.incident_id
    ), followed AS (
      ${insertJobs(sql`SELECT r.* FROM ${jsonRecords(jobs, `${JOB_ROW_COLUMNS}, incident_id int`)} WHERE r.incident_id IN (SELECT incident_id FROM updated) ORDER BY e.ord`)}
    )
    SELECT id FROM updated`));
  return new Set(updated.map((row) => Number(row.id)));
}

/** New content expected to change a stored alert: its id and incident as this process last read them. */
export interface ExpectedChange {
  item: IngestItem;
  alertId: number;
  incidentId: number | null;
}

/**
 * The stored state of every alert of `items` (as readAlertStates reads it) and, in the same
 * statement, the new content of `changes` applied to each alert that is as expected: same
 * status, other content, the expected incident, and (for a routing key's own alerts only) the
 * same routing key. With it the follow-up jobs of the incidents changed. So a change costs one
 * round trip, as a repeat does. The states are the ones from before the update; answers them
 * and the ids it updated. A change not applied (the alert moved on meanwhile) is decided from
 * its state like any other notification.
 */
export async function readStatesApplyingChanges(
  db: Sql,
  items: readonly IngestItem[],
  changes: readonly ExpectedChange[],
  followUps: (incidentId: number) => JobSpec[],
): Promise<{ states: Map<string, AlertState>; updated: Set<number> }> {
  const raws = new SharedValues();
  const rows = [...changes]
    .sort((a, b) => a.alertId - b.alertId)
    .map(({ item, alertId, incidentId }) => ({
      id: alertId,
      ...contentColumns(item, raws),
      own_only: item.ownAlertsOnly === true,
      routing_key_hash: item.alert.routingKeyHash ?? null,
      was_incident: incidentId,
    }));
  const incidents = [...new Set(changes.flatMap(({ incidentId }) => (incidentId === null ? [] : [incidentId])))].sort((a, b) => a - b);
  const jobs = incidents.flatMap((incidentId) => followUps(incidentId).map((job) => ({ ...jobRow(job), incident_id: incidentId })));
  // Prepared, though it looks alerts up by a list of ids (see `prepared`): it runs on the intake's
  // connections, which take the index whatever the table's size when the plan was kept (openPostgres).
  const found = await db.query<AlertStateRow & { updated: boolean }>(prepared('ingest.read-states-applying-changes', sql`
    WITH updated AS (
      UPDATE alerts a SET ${contentSet(raws)}
      FROM json_to_recordset(${json(rows)}::json) AS r(${CONTENT_RECORD}, own_only boolean, routing_key_hash text, was_incident int)
      WHERE a.id = r.id AND a.id = ANY (${rows.map((row) => row.id)}::int[])
        AND a.status = r.status::"AlertStatus" AND a.content_hash <> r.content_hash
        AND a.incident_id IS NOT DISTINCT FROM r.was_incident
        AND (NOT r.own_only OR a.routing_key_hash IS NOT DISTINCT FROM r.routing_key_hash)
      RETURNING a.id, a.incident_id
    ), followed AS (
      ${insertJobs(sql`SELECT r.* FROM ${jsonRecords(jobs, `${JOB_ROW_COLUMNS}, incident_id int`)} WHERE r.incident_id IN (SELECT incident_id FROM updated) ORDER BY e.ord`)}
    )
    SELECT ${ALERT_STATE_COLUMNS}, a.id IN (SELECT id FROM updated) AS updated FROM ${storedAlertsOf(items)}`));
  return { states: statesFromRows(found), updated: new Set(found.filter((row) => row.updated).map((row) => Number(row.id))) };
}

/** Links alerts to the incidents they belong to, as their history (one statement). */
export async function linkAlerts(tx: Sql, links: readonly { incidentId: number; alertId: number }[]): Promise<void> {
  if (links.length === 0) return;
  const rows = [...links].sort((a, b) => a.incidentId - b.incidentId || a.alertId - b.alertId).map((link) => [link.incidentId, link.alertId]);
  await tx.query(prepared('ingest.link-alerts', sql`
    INSERT INTO incident_alerts (incident_id, alert_id)
    SELECT (pair->>0)::int, (pair->>1)::int FROM json_array_elements(${json(rows)}::json) AS pair
    ON CONFLICT DO NOTHING`));
}
