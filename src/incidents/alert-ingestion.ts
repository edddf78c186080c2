import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { empty, join, json, sql, type Sql, type SqlFragment } from '../db/sql.js';
import type { JobSpec } from '../engine/job.js';
import type { NormalizedAlert } from '../alerts/alert.js';
import type { RouteDecision } from '../alerts/routing.js';
import { sourceActor } from './actor.js';
import type { IncidentEffects } from './incident-effects.js';
import { writeFollowUps } from './incident-effects.js';
import { incidentLabel, isOpen, isRepeatOfEndedOccurrence, onAllAlertsCleared, severityLabel, shouldReopen } from './incident-rules.js';
import { IncidentTransitions, lockIncident, lockOpenIncidentOfGroup, type LockedIncident } from './incident-transitions.js';
import { appendTimeline, type TimelineEntry } from './timeline.js';
import { formatDuration } from '../time/duration.js';
import { flapSettleJob } from './flap-settle.js';
import { flapWindow, isFlapping, type FlapDetection } from './flapping.js';
import { holdingWindow, type MaintenanceWindow } from '../maintenance/maintenance-window.js';

/** One alert ready to be stored: normalized, routed, hashed. */
export interface IngestItem {
  /** The alert as stored and shown to people (masked when REDACT_PII is on). */
  alert: NormalizedAlert;
  /** The alert as received, for decisions only (routing, playbook choice); never shown. */
  received?: NormalizedAlert;
  decision: RouteDecision;
  contentHash: string;
  /** The request body, or null when raw payloads are not kept. */
  raw: unknown;
  /** See AlertBatch.ownAlertsOnly: acts only on alerts with the same routing key hash. */
  ownAlertsOnly?: boolean;
  /** A held alert let go at its maintenance window's end: it opens its incident now. */
  release?: boolean;
}

/**
 * 'refused': a trigger sent with a routing key for an alert that came in with another credential.
 * 'stale': a firing notification of an occurrence that had already ended (isRepeatOfEndedOccurrence); nothing is written.
 * 'heartbeat': an alert on a route marked `heartbeat:`, taken as a beat; no alert row is written.
 * 'held': stored, but a maintenance window holds it: no incident, nobody paged.
 */
export type IngestOutcome = 'created' | 'updated' | 'unchanged' | 'resolved' | 'refired' | 'reopened' | 'acknowledged' | 'ignored' | 'refused' | 'stale' | 'heartbeat' | 'held';

export interface IngestResult {
  outcome: IngestOutcome;
  alertId?: number;
  incidentId?: number;
}

/** What an incident opened by an alert gets beyond the alert itself. */
export interface OpeningDetails {
  escalationPolicy: unknown | null;
  playbookId: string | null;
  /** A playbook can make an incident private (security) even when its route does not. */
  private?: boolean;
}

export interface IngestContext {
  now: Date;
  reopenWindowMs: number;
  /** FLAP_DETECTION; undefined: nothing is ever flapping. */
  flap?: FlapDetection;
  /** The maintenance windows running now: an alert one of them holds opens no incident. */
  maintenance?: readonly MaintenanceWindow[];
  effects: IncidentEffects;
  openingDetails(item: IngestItem): OpeningDetails;
}

/** The hash that decides whether a repeated alert changed anything. */
export function contentHashOf(alert: NormalizedAlert): string {
  const identity = JSON.stringify([
    alert.status,
    alert.title,
    alert.description ?? null,
    alert.sourceSeverity ?? null,
    sorted(alert.labels),
    sorted(alert.annotations),
    sorted(alert.links),
    alert.startsAt.toISOString(),
    alert.endsAt?.toISOString() ?? null,
  ]);
  return createHash('sha256').update(identity).digest('hex');
}

function sorted(map: Record<string, string>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

interface AlertState {
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

interface AlertRow {
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

const keyOf = (source: string, fingerprint: string) => `${source}\u0000${fingerprint}`;

/**
 * Applies a batch of alerts (from one or many requests), in order. Repeats that change nothing
 * cost one shared read and no transaction at all: that is what keeps an alert storm cheap.
 * Everything else (alert rows, incidents, timeline, follow-up jobs) is written in one
 * transaction, so it all commits or none of it does.
 */
export async function ingestAlerts(database: Database, items: IngestItem[], ctx: IngestContext): Promise<IngestResult[]> {
  const states = await readAlertStates(database.sql, items, false);
  const results: IngestResult[] = new Array(items.length);
  const pending: number[] = [];
  for (const [index, item] of items.entries()) {
    const state = states.get(keyOf(item.alert.source, item.alert.fingerprint));
    const noop = classifyWithoutWriting(item, state);
    if (noop) results[index] = noop;
    else pending.push(index);
  }
  if (pending.length === 0) return results;

  return database.transaction(async (tx) => {
    // Something will be written: lock the rows involved and decide again from what is committed now.
    const locked = await readAlertStates(tx, pending.map((i) => items[i]!), true);
    const batch = new BatchWriter(tx, ctx);
    const written = [...results];
    for (const index of pending) written[index] = await batch.apply(items[index]!, locked);
    await batch.finish();
    return written;
  });
}

function classifyWithoutWriting(item: IngestItem, state: AlertState | undefined): IngestResult | undefined {
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

async function readAlertStates(tx: Sql, items: IngestItem[], lock: boolean): Promise<Map<string, AlertState>> {
  const keys = new Map<string, [string, string]>();
  for (const { alert } of items) keys.set(keyOf(alert.source, alert.fingerprint), [alert.source, alert.fingerprint]);
  const tuples = join([...keys.values()].map(([source, fingerprint]) => sql`(${source}, ${fingerprint})`));
  // Rows are locked in id order so that two replicas locking overlapping sets cannot deadlock.
  const rows = lock
    ? await tx.query<AlertRow>(sql`
        SELECT id, source, fingerprint, status, content_hash, incident_id, routing_key_hash, ends_at, to_jsonb(recent_fires) AS recent_fires, flapping_since FROM alerts
        WHERE (source, fingerprint) IN (${tuples}) ORDER BY id FOR UPDATE`)
    : await tx.query<AlertRow>(sql`
        SELECT id, source, fingerprint, status, content_hash, incident_id, routing_key_hash, ends_at, to_jsonb(recent_fires) AS recent_fires, flapping_since FROM alerts
        WHERE (source, fingerprint) IN (${tuples})`);
  const states = new Map<string, AlertState>();
  for (const row of rows) {
    states.set(keyOf(row.source, row.fingerprint), {
      id: Number(row.id),
      status: row.status,
      contentHash: row.content_hash,
      incidentId: row.incident_id === null ? null : Number(row.incident_id),
      routingKeyHash: row.routing_key_hash,
      endsAt: row.ends_at === null ? null : new Date(row.ends_at),
      recentFires: timestamps(row.recent_fires),
      flappingSince: row.flapping_since === null ? null : new Date(row.flapping_since),
    });
  }
  return states;
}

/** Applies the alerts of one batch that change something, keeping incidents it touched locked and cached. */
class BatchWriter {
  private readonly incidents = new Map<number, LockedIncident>();
  private readonly openByGroup = new Map<string, LockedIncident>();
  private readonly changed = new Set<number>();
  private readonly timeline: TimelineEntry[] = [];
  private readonly jobs: JobSpec[] = [];
  private readonly transitions: IncidentTransitions;

  constructor(
    private readonly tx: Sql,
    private readonly ctx: IngestContext,
  ) {
    this.transitions = new IncidentTransitions(ctx.effects);
  }

  async apply(item: IngestItem, states: Map<string, AlertState>): Promise<IngestResult> {
    const key = keyOf(item.alert.source, item.alert.fingerprint);
    const state = states.get(key);
    const noop = classifyWithoutWriting(item, state);
    if (noop) return noop;
    const { alert } = item;

    if (item.release) return this.release(item, state!, states, key);
    if (alert.eventOnly === 'acknowledge') return this.acknowledgeFromSource(item, state!);
    if (alert.eventOnly === 'resolve') return this.resolveAlert(item, state!, states, key, false);

    if (!state) {
      if (alert.status === 'resolved') {
        // Resolved before we ever saw it fire: keep the record, open nothing.
        const id = await this.insertAlert(item, null);
        if (id === undefined) return this.apply(item, await this.relock(item, states));
        states.set(key, { id, status: 'resolved', contentHash: item.contentHash, incidentId: null, routingKeyHash: alert.routingKeyHash ?? null, endsAt: alert.endsAt ?? null, recentFires: [], flappingSince: null });
        return { outcome: 'ignored', alertId: id };
      }
      const window = this.holdingWindow(item);
      if (window) {
        const id = await this.insertAlert(item, null, window.id);
        if (id === undefined) return this.apply(item, await this.relock(item, states));
        states.set(key, { id, status: 'firing', contentHash: item.contentHash, incidentId: null, routingKeyHash: alert.routingKeyHash ?? null, endsAt: alert.endsAt ?? null, recentFires: [this.ctx.now], flappingSince: null });
        return { outcome: 'held', alertId: id };
      }
      const incident = await this.openIncidentFor(item);
      const id = await this.insertAlert(item, incident.id);
      // Another replica inserted the same alert a moment ago: take the existing-alert path.
      if (id === undefined) return this.apply(item, await this.relock(item, states));
      await this.attach(incident, id, item);
      states.set(key, { id, status: 'firing', contentHash: item.contentHash, incidentId: incident.id, routingKeyHash: alert.routingKeyHash ?? null, endsAt: alert.endsAt ?? null, recentFires: [this.ctx.now], flappingSince: null });
      return { outcome: 'created', alertId: id, incidentId: incident.id };
    }

    if (state.status === 'firing' && alert.status === 'resolved') return this.resolveAlert(item, state, states, key, true);
    if (state.status === 'resolved' && alert.status === 'firing') return this.refire(item, state, states, key);

    await this.updateAlertContent(item, state.id);
    state.contentHash = item.contentHash;
    state.endsAt = alert.endsAt ?? null;
    if (state.incidentId !== null) this.changed.add(state.incidentId);
    return { outcome: 'updated', alertId: state.id, incidentId: state.incidentId ?? undefined };
  }

  async finish(): Promise<void> {
    await appendTimeline(this.tx, this.timeline);
    await writeFollowUps(this.tx, this.changed, this.jobs);
  }

  private async relock(item: IngestItem, states: Map<string, AlertState>): Promise<Map<string, AlertState>> {
    const fresh = await readAlertStates(this.tx, [item], true);
    for (const [key, state] of fresh) states.set(key, state);
    return states;
  }

  private async incident(id: number): Promise<LockedIncident | undefined> {
    const cached = this.incidents.get(id);
    if (cached) return cached;
    const incident = await lockIncident(this.tx, id);
    if (incident) this.incidents.set(id, incident);
    return incident;
  }

  /** The open incident of the alert's group, opened now if there is none. */
  private async openIncidentFor(item: IngestItem): Promise<LockedIncident> {
    const { groupKey } = item.decision;
    const cached = this.openByGroup.get(groupKey);
    if (cached && isOpen(cached.status)) return cached;
    const existing = await lockOpenIncidentOfGroup(this.tx, groupKey);
    if (existing) return this.remember(existing);

    const { alert, decision } = item;
    const details = this.ctx.openingDetails(item);
    const [created] = await this.tx.query<{ id: number }>(sql`
      INSERT INTO incidents (title, severity, team_id, service, private, source, route_id, open_group_key, group_key,
                             escalation_policy, playbook_id, opened_at, updated_at)
      VALUES (${alert.title.slice(0, 500)}, ${decision.severity}::int, (SELECT id FROM teams WHERE key = ${decision.team ?? null}),
              ${decision.service ?? null}, ${decision.private || details.private === true}, ${alert.source}, ${decision.routeId}, ${groupKey}, ${groupKey},
              ${json(details.escalationPolicy)}::jsonb, ${details.playbookId},
              ${alert.startsAt}::timestamptz, now())
      ON CONFLICT (open_group_key) DO NOTHING
      RETURNING id`);
    if (!created) {
      // Opened by another replica between our read and our insert.
      const winner = await lockOpenIncidentOfGroup(this.tx, groupKey);
      if (!winner) throw new Error(`incident for group ${groupKey} vanished while opening`);
      return this.remember(winner);
    }
    const incident = (await lockIncident(this.tx, Number(created.id)))!;
    this.remember(incident);
    this.changed.add(incident.id);
    this.timeline.push({
      incidentId: incident.id,
      at: alert.startsAt,
      kind: 'incident.opened',
      actor: sourceActor(alert.source),
      text: `${incidentLabel(incident.id)} opened by ${alert.source} alert "${alert.title}" (${severityLabel(decision.severity)}, route ${decision.routeId})`,
      data: { route: decision.routeId, team: decision.team ?? null, service: decision.service ?? null, severityReason: decision.severityReason },
    });
    this.jobs.push(...(await this.ctx.effects.opened(this.tx, incident)));
    return incident;
  }

  private remember(incident: LockedIncident): LockedIncident {
    this.incidents.set(incident.id, incident);
    if (incident.openGroupKey) this.openByGroup.set(incident.openGroupKey, incident);
    return incident;
  }

  private async attach(incident: LockedIncident, alertId: number, item: IngestItem): Promise<void> {
    await this.tx.query(sql`
      INSERT INTO incident_alerts (incident_id, alert_id) VALUES (${incident.id}::int, ${alertId}::int) ON CONFLICT DO NOTHING`);
    this.changed.add(incident.id);
    this.timeline.push({
      incidentId: incident.id,
      at: item.alert.startsAt,
      kind: 'alert.firing',
      actor: sourceActor(item.alert.source),
      text: `Alert firing: ${item.alert.title}`,
      data: { alertId, fingerprint: item.alert.fingerprint, labels: item.alert.labels, links: item.alert.links },
    });
    if (item.decision.severity < incident.severity && isOpen(incident.status)) {
      await this.transitions.setSeverity(this.tx, incident, item.decision.severity, sourceActor(item.alert.source), this.ctx.now, `raised by alert "${item.alert.title}"`);
    }
  }

  private async insertAlert(item: IngestItem, incidentId: number | null, heldBy: number | null = null): Promise<number | undefined> {
    const { alert } = item;
    const [row] = await this.tx.query<{ id: number }>(sql`
      INSERT INTO alerts (source, fingerprint, status, title, description, source_severity, labels, annotations, links,
                          starts_at, ends_at, last_received_at, content_hash, incident_id, raw, routing_key_hash, held_by_window, recent_fires)
      VALUES (${alert.source}, ${alert.fingerprint}, ${alert.status}::"AlertStatus", ${alert.title}, ${alert.description ?? null},
              ${alert.sourceSeverity ?? null}, ${json(alert.labels)}::jsonb, ${json(alert.annotations)}::jsonb,
              ${json(alert.links)}::jsonb, ${alert.startsAt}::timestamptz, ${alert.endsAt ?? null}::timestamptz, now(),
              ${item.contentHash}, ${incidentId}::int, ${json(item.raw)}::jsonb, ${alert.routingKeyHash ?? null}, ${heldBy}::int,
              CASE WHEN ${alert.status} = 'firing' THEN ARRAY[${this.ctx.now}::timestamptz] ELSE ARRAY[]::timestamptz[] END)
      ON CONFLICT (source, fingerprint) DO NOTHING
      RETURNING id`);
    return row ? Number(row.id) : undefined;
  }

  private async updateAlertContent(item: IngestItem, alertId: number, extra: SqlFragment = empty): Promise<void> {
    const { alert } = item;
    await this.tx.query(sql`
      UPDATE alerts SET status = ${alert.status}::"AlertStatus", title = ${alert.title}, description = ${alert.description ?? null},
        source_severity = ${alert.sourceSeverity ?? null}, labels = ${json(alert.labels)}::jsonb,
        annotations = ${json(alert.annotations)}::jsonb, links = ${json(alert.links)}::jsonb,
        starts_at = ${alert.startsAt}::timestamptz, ends_at = ${alert.endsAt ?? null}::timestamptz, content_hash = ${item.contentHash},
        received_count = received_count + 1, last_received_at = now(),
        raw = COALESCE(${json(item.raw)}::jsonb, raw) ${extra}
      WHERE id = ${alertId}::int`);
  }

  private async acknowledgeFromSource(item: IngestItem, state: AlertState): Promise<IngestResult> {
    const incident = await this.incident(state.incidentId!);
    if (!incident || incident.status !== 'triggered') {
      return { outcome: 'unchanged', alertId: state.id, incidentId: state.incidentId ?? undefined };
    }
    this.jobs.push(...(await this.transitions.acknowledge(this.tx, incident, sourceActor(item.alert.source), this.ctx.now)));
    this.changed.add(incident.id);
    return { outcome: 'acknowledged', alertId: state.id, incidentId: incident.id };
  }

  private async resolveAlert(
    item: IngestItem,
    state: AlertState,
    states: Map<string, AlertState>,
    key: string,
    withContent: boolean,
  ): Promise<IngestResult> {
    const endsAt = item.alert.endsAt ?? this.ctx.now;
    if (withContent) await this.updateAlertContent(item, state.id);
    else await this.tx.query(sql`
      UPDATE alerts SET status = 'resolved', ends_at = ${endsAt}::timestamptz, last_received_at = now() WHERE id = ${state.id}::int`);
    states.set(key, { ...state, status: 'resolved', contentHash: withContent ? item.contentHash : state.contentHash, endsAt: withContent ? (item.alert.endsAt ?? null) : endsAt });
    if (state.incidentId === null) return { outcome: 'resolved', alertId: state.id };

    const incident = await this.incident(state.incidentId);
    if (!incident) return { outcome: 'resolved', alertId: state.id };
    this.changed.add(incident.id);
    const actor = sourceActor(item.alert.source);
    this.timeline.push({
      incidentId: incident.id,
      at: endsAt,
      kind: 'alert.resolved',
      actor,
      text: `Alert resolved: ${item.alert.title || (await this.alertTitle(state.id))}`,
      data: { alertId: state.id, fingerprint: item.alert.fingerprint },
    });
    const [{ firing }] = (await this.tx.query<{ firing: number }>(sql`
      SELECT count(*)::int AS firing FROM alerts WHERE incident_id = ${incident.id}::int AND status = 'firing'`)) as [{ firing: number }];
    if (Number(firing) === 0) {
      const decision = onAllAlertsCleared(incident);
      const flapping = this.ctx.flap && decision === 'auto-resolve' ? await this.flappingAlertOf(incident.id) : undefined;
      if (flapping) {
        // Resolving now would re-open it, and page, on the next flap: it resolves once the alert stays clear.
        this.timeline.push({
          incidentId: incident.id,
          at: endsAt,
          kind: 'alerts.cleared',
          actor,
          text: `All alerts have cleared, but "${flapping}" is flapping: the incident resolves itself once it stays clear for ${formatDuration(this.ctx.flap!.windowMs)}.`,
        });
        this.jobs.push(flapSettleJob(incident.id, this.ctx.flap!.windowMs));
      } else if (decision === 'auto-resolve') {
        await this.flushTimeline();
        this.jobs.push(...(await this.transitions.resolve(this.tx, incident, actor, endsAt, 'all alerts resolved before anyone acknowledged')));
      } else if (decision === 'note-only') {
        this.timeline.push({
          incidentId: incident.id,
          at: endsAt,
          kind: 'alerts.cleared',
          actor,
          text: 'All alerts have cleared. The incident stays open until a responder resolves it.',
        });
      }
    }
    return { outcome: 'resolved', alertId: state.id, incidentId: incident.id };
  }

  private async refire(item: IngestItem, state: AlertState, states: Map<string, AlertState>, key: string): Promise<IngestResult> {
    const previous = state.incidentId === null ? undefined : await this.incident(state.incidentId);
    const now = this.ctx.now;
    const recentFires = flapWindow(state.recentFires, now, this.ctx.flap);
    const flapping = isFlapping(recentFires, this.ctx.flap);
    let incident: LockedIncident;
    let outcome: IngestOutcome = 'refired';
    const window = previous && isOpen(previous.status) ? undefined : this.holdingWindow(item);
    if (window) {
      // Planned work: the alert is recorded firing, held, with no incident to re-open or open.
      await this.updateAlertContent(item, state.id, sql`, fire_count = fire_count + 1, incident_id = NULL, held_by_window = ${window.id}::int`);
      states.set(key, { ...state, status: 'firing', contentHash: item.contentHash, incidentId: null });
      return { outcome: 'held', alertId: state.id };
    }
    if (previous && isOpen(previous.status)) {
      incident = previous;
    } else if (previous && shouldReopen(previous.resolvedAt, now, this.ctx.reopenWindowMs)) {
      const holder = previous.groupKey ? await lockOpenIncidentOfGroup(this.tx, previous.groupKey) : undefined;
      if (holder) {
        incident = this.remember(holder);
      } else {
        await this.flushTimeline();
        const why = flapping ? `alert "${item.alert.title}" is flapping` : `alert "${item.alert.title}" fired again`;
        this.jobs.push(...(await this.transitions.reopen(this.tx, previous, sourceActor(item.alert.source), now, why, flapping ? 'reopened-flapping' : 'reopened')));
        this.remember(previous);
        incident = previous;
        outcome = 'reopened';
      }
    } else {
      incident = await this.openIncidentFor(item);
    }
    await this.updateAlertContent(
      item,
      state.id,
      sql`, fire_count = fire_count + 1, incident_id = ${incident.id}::int, recent_fires = ${recentFires.map((at) => at.toISOString())}::timestamptz[],
          flapping_since = CASE WHEN ${flapping} THEN COALESCE(flapping_since, ${now}::timestamptz) END`,
    );
    if (flapping && !state.flappingSince) {
      this.timeline.push({
        incidentId: incident.id,
        at: now,
        kind: 'alert.flapping',
        actor: sourceActor(item.alert.source),
        text: `Alert "${item.alert.title}" is flapping: it fired ${recentFires.length} times in ${formatDuration(this.ctx.flap!.windowMs)}. The incident stays open while it flaps, and nobody already paged for it is paged again.`,
        data: { alertId: state.id, fires: recentFires.length },
      });
    }
    states.set(key, { ...state, status: 'firing', contentHash: item.contentHash, incidentId: incident.id, recentFires, flappingSince: flapping ? (state.flappingSince ?? now) : null });
    await this.attach(incident, state.id, item);
    return { outcome, alertId: state.id, incidentId: incident.id };
  }

  /** The running maintenance window that holds this alert, if one does. */
  private holdingWindow(item: IngestItem): MaintenanceWindow | undefined {
    if (!this.ctx.maintenance?.length) return undefined;
    return holdingWindow(this.ctx.maintenance, { labels: item.alert.labels, service: item.decision.service, team: item.decision.team }, this.ctx.now);
  }

  /** A held alert still firing when its window ended: it opens (or joins) its incident now, as it would have. */
  private async release(item: IngestItem, state: AlertState, states: Map<string, AlertState>, key: string): Promise<IngestResult> {
    const incident = await this.openIncidentFor(item);
    await this.tx.query(sql`UPDATE alerts SET incident_id = ${incident.id}::int WHERE id = ${state.id}::int`);
    states.set(key, { ...state, incidentId: incident.id });
    await this.attach(incident, state.id, item);
    this.timeline.push({ incidentId: incident.id, at: this.ctx.now, kind: 'maintenance.released', actor: sourceActor(item.alert.source), text: `Alert "${item.alert.title}" was held by a maintenance window; still firing when it ended, it opens its incident now` });
    return { outcome: 'created', alertId: state.id, incidentId: incident.id };
  }

  /** The title of an alert of the incident that is flapping, if one is. */
  private async flappingAlertOf(incidentId: number): Promise<string | undefined> {
    const [row] = await this.tx.query<{ title: string }>(sql`SELECT title FROM alerts WHERE incident_id = ${incidentId}::int AND flapping_since IS NOT NULL LIMIT 1`);
    return row?.title;
  }

  private async alertTitle(alertId: number): Promise<string> {
    const [row] = await this.tx.query<{ title: string }>(sql`SELECT title FROM alerts WHERE id = ${alertId}::int`);
    return row?.title ?? `alert ${alertId}`;
  }

  /** Keeps timeline order when a transition writes its own entry in the middle of the batch. */
  private async flushTimeline(): Promise<void> {
    await appendTimeline(this.tx, this.timeline.splice(0));
  }
}

/** When an alert fired lately, from its stored recent_fires. */
function timestamps(value: AlertRow['recent_fires']): Date[] {
  return (value ?? []).map((at) => new Date(at));
}
