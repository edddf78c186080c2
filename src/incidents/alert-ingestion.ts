import { hash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { empty, json, sql, type Sql, type SqlFragment } from '../db/sql.js';
import type { JobSpec } from '../engine/job.js';
import type { NormalizedAlert } from '../alerts/alert.js';
import type { RouteDecision } from '../alerts/routing.js';
import { sourceActor } from './actor.js';
import { openedByAlerts, type IncidentEffects, type OpenedByAlert } from './incident-effects.js';
import { incidentLabel, isOpen, onAllAlertsCleared, severityLabel, shouldReopen } from './incident-rules.js';
import { alertKey, classifyWithoutWriting, readAlertStates, type AlertState } from './alert-states.js';
import { insertAlertsOpeningIncidents, linkAlerts, lockOrOpenIncidents, type IncidentToOpen, updateAlertContents, updateIfUnchanged } from './alert-set-writes.js';
import { IncidentTransitions, lockIncident, lockIncidentsAndOpenOfGroups, lockOpenIncidentOfGroup, lockOpenIncidentsOfGroups, type LockedIncident } from './incident-transitions.js';
import { appendTimeline, type TimelineEntry } from './timeline.js';
import { appendTimelineAndJobs } from './timeline-and-jobs.js';
import { formatDuration } from '../time/duration.js';
import { flapSettleJob } from './flap-settle.js';
import { flapWindow, isFlapping, type FlapDetection } from './flapping.js';
import { holdingWindow, type MaintenanceWindow } from '../maintenance/maintenance-window.js';
import { AppError } from '../errors.js';

/** How often an alert tries to open its group's incident while other replicas open and resolve it. */
const OPEN_ATTEMPTS = 3;

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
  /** Something the sender should fix, though the alert was taken (an unknown severity word). */
  warning?: string;
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
    // A start that is only when the bot received it would make every repeat look new.
    alert.startsAtIsReceipt ? null : alert.startsAt.toISOString(),
    alert.endsAtIsReceipt ? null : (alert.endsAt?.toISOString() ?? null),
  ]);
  // One-shot: a third of createHash's cost on every request, repeats included.
  return hash('sha256', identity);
}

function sorted(map: Record<string, string>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The first half of storing a batch of alerts (from one or many requests): one shared read, and
 * the result of every item that writes nothing (a repeat, a stale or refused notification). Such
 * repeats cost that read and no transaction at all: that is what keeps an alert storm cheap. The
 * others are left undefined, for writeAlerts with the states read here.
 */
export async function decideWithoutWriting(database: Database, items: readonly IngestItem[]): Promise<{ states: Map<string, AlertState>; results: (IngestResult | undefined)[] }> {
  const states = await readAlertStates(database.sql, items, false);
  const results = items.map((item) => classifyWithoutWriting(item, states.get(alertKey(item.alert.source, item.alert.fingerprint))));
  return { states, results };
}

/** What writeAlerts did: each item's result, and whether it queued jobs (for the worker to look now). */
export interface Written {
  results: IngestResult[];
  queuedJobs: boolean;
}

/**
 * The second half: writes the items decideWithoutWriting left undefined, in order. A batch of
 * nothing but new content costs one statement (a compare-and-set with its sync jobs). Everything
 * else (alert rows, incidents, timeline, follow-up jobs) is written in one transaction, so it all
 * commits or none of it does. The states read may be out of date by now (another request wrote
 * since): each write compares or locks, and an alert that changed in between is decided again
 * from what is committed. `readAbsent` names alerts the caller read as not stored: they are not
 * read again under lock (there is no row to lock), since the insert's ON CONFLICT finds one
 * another request stored since, which then takes the existing-alert path. An incident is opened
 * in the same statement only for a group whose alert was inserted, so losing the insert leaves
 * no incident behind.
 */
export async function writeAlerts(
  database: Database,
  items: IngestItem[],
  states: Map<string, AlertState>,
  decided: readonly (IngestResult | undefined)[],
  ctx: IngestContext,
  readAbsent: ReadonlySet<string> = new Set(),
): Promise<Written> {
  const results: IngestResult[] = new Array(items.length);
  let pending: number[] = [];
  for (const [index, result] of decided.entries()) {
    if (result) results[index] = result;
    else pending.push(index);
  }
  if (pending.length === 0) return { results, queuedJobs: false };

  const updates = newContentOnly(items, pending, states);
  let queuedJobs = false;
  if (updates) {
    // Only new content for alerts as they were read: no transaction, no lock, one statement.
    const followUps = (incidentId: number) => ctx.effects.shown?.([incidentId], true) ?? [];
    const updated = await updateIfUnchanged(database.sql, updates, followUps);
    pending = [];
    for (const { index, state } of updates) {
      if (updated.has(state.id)) {
        results[index] = { outcome: 'updated', alertId: state.id, incidentId: state.incidentId ?? undefined };
        if (state.incidentId !== null && followUps(state.incidentId).length > 0) queuedJobs = true;
      } else pending.push(index);
    }
    if (pending.length === 0) return { results, queuedJobs };
  }

  return database.transaction(async (tx) => {
    // Something will be written: lock the rows involved and decide again from what is committed now.
    const toLock = pending.map((i) => items[i]!).filter((item) => !readAbsent.has(alertKey(item.alert.source, item.alert.fingerprint)));
    const locked = toLock.length > 0 ? await readAlertStates(tx, toLock, true) : new Map<string, AlertState>();
    const written = [...results];
    const batch = new BatchWriter(tx, ctx, locked, written);
    await batch.lockIncidentsAhead(pending.map((index) => items[index]!));
    for (const index of pending) await batch.apply(index, items[index]!);
    const jobs = await batch.finish();
    return { results: written, queuedJobs: queuedJobs || jobs > 0 };
  });
}

/** The pending items, when every one is new content for a different stored alert whose status stays. */
function newContentOnly(items: IngestItem[], pending: number[], states: Map<string, AlertState>): { index: number; item: IngestItem; state: AlertState }[] | undefined {
  const seen = new Set<number>();
  const updates: { index: number; item: IngestItem; state: AlertState }[] = [];
  for (const index of pending) {
    const item = items[index]!;
    const state = states.get(alertKey(item.alert.source, item.alert.fingerprint));
    if (!state || item.release || item.alert.eventOnly || state.status !== item.alert.status || seen.has(state.id)) return undefined;
    seen.add(state.id);
    updates.push({ index, item, state });
  }
  return updates;
}

/** An item whose write waits in the current set: an alert seen for the first time, or new content for a stored one. */
type SetWrite = { index: number; item: IngestItem; key: string } & ({ kind: 'insert' } | { kind: 'update'; state: AlertState });

/**
 * Applies the alerts of one batch that change something, keeping incidents it touched locked and
 * cached. The common changes (new alerts, opening or joining incidents, new content) gather into
 * a set written with a fixed handful of statements whatever its size; the rest (resolutions,
 * re-fires, acknowledgements, releases) are applied one at a time, after the set gathered before
 * them is written, so every alert's events keep their order.
 */
class BatchWriter {
  private readonly incidents = new Map<number, LockedIncident>();
  private readonly openByGroup = new Map<string, LockedIncident>();
  private readonly changed = new Set<number>();
  /** Incidents whose alerts only got new text (shown later, and once, when many change). */
  private readonly changedContent = new Set<number>();
  private readonly timeline: TimelineEntry[] = [];
  /** What effects did as incidents opened (a playbook started), written after the batch's own entries. */
  private readonly openingTimeline: TimelineEntry[] = [];
  private readonly jobs: JobSpec[] = [];
  private readonly transitions: IncidentTransitions;
  private set: SetWrite[] = [];
  private readonly keysInSet = new Set<string>();

  constructor(
    private readonly tx: Sql,
    private readonly ctx: IngestContext,
    private readonly states: Map<string, AlertState>,
    private readonly results: IngestResult[],
  ) {
    this.transitions = new IncidentTransitions(ctx.effects);
  }

  /**
   * When some of the items change incidents one at a time (a resolution, re-fire, acknowledgement
   * or release), locks every incident the batch may touch first, in id order, as the escalation
   * worker locks its batches. Taken as the alerts came, the incident of a resolution could be
   * locked after one the set had locked with a higher id, and an escalation batch holding the
   * first and waiting for the second deadlocked with it (a second's stall, then a retry).
   */
  async lockIncidentsAhead(items: readonly IngestItem[]): Promise<void> {
    const ids = new Set<number>();
    const groups = new Set<string>();
    let oneAtATime = false;
    for (const item of items) {
      const state = this.states.get(alertKey(item.alert.source, item.alert.fingerprint));
      if (state?.incidentId != null) ids.add(state.incidentId);
      if (item.alert.status === 'firing') groups.add(item.decision.groupKey);
      if (item.release || item.alert.eventOnly || (state && state.status !== item.alert.status)) oneAtATime = true;
    }
    if (!oneAtATime || ids.size + groups.size < 2) return;
    for (const incident of await lockIncidentsAndOpenOfGroups(this.tx, [...ids], [...groups])) this.remember(incident);
  }

  async apply(index: number, item: IngestItem): Promise<void> {
    const key = alertKey(item.alert.source, item.alert.fingerprint);
    // A second notification of an alert already in the set waits for the first to be written.
    if (this.keysInSet.has(key)) await this.writeSet();
    const state = this.states.get(key);
    const noop = classifyWithoutWriting(item, state);
    if (noop) {
      this.results[index] = noop;
      return;
    }
    const { alert } = item;
    if (!item.release && !alert.eventOnly) {
      if (!state) return this.addToSet({ index, item, key, kind: 'insert' });
      if (state.status === alert.status) return this.addToSet({ index, item, key, kind: 'update', state });
    }
    await this.writeSet();
    this.results[index] = await this.applyOne(item, this.states, key);
  }

  /** Writes what is left; answers how many jobs the batch queued. */
  async finish(): Promise<number> {
    await this.writeSet();
    const contentOnly = [...this.changedContent].filter((id) => !this.changed.has(id));
    const shown = this.ctx.effects.shown?.bind(this.ctx.effects) ?? (() => []);
    const jobs = [...shown([...this.changed], false), ...shown(contentOnly, true), ...this.jobs];
    await appendTimelineAndJobs(this.tx, [...this.timeline, ...this.openingTimeline], jobs);
    return jobs.length;
  }

  private addToSet(write: SetWrite): void {
    this.set.push(write);
    this.keysInSet.add(write.key);
  }

  /** Writes the gathered set: new content, then incidents to open, alerts to insert, and their links. */
  private async writeSet(): Promise<void> {
    if (this.set.length === 0) return;
    const set = this.set;
    this.set = [];
    this.keysInSet.clear();

    const updates = set.filter((write): write is Extract<SetWrite, { kind: 'update' }> => write.kind === 'update');
    if (updates.length > 0) {
      const endsAt = await updateAlertContents(this.tx, updates.map(({ item, state }) => ({ item, alertId: state.id })));
      for (const { index, item, key, state } of updates) {
        // The end as stored (a resolution resent keeps its first): a later item of this alert is judged by it.
        this.states.set(key, { ...state, contentHash: item.contentHash, endsAt: endsAt.has(state.id) ? endsAt.get(state.id)! : (item.alert.endsAt ?? null) });
        if (state.incidentId !== null) this.changedContent.add(state.incidentId);
        this.results[index] = { outcome: 'updated', alertId: state.id, incidentId: state.incidentId ?? undefined };
      }
    }
    const inserts = set.filter((write) => write.kind === 'insert');
    if (inserts.length > 0) await this.insertSet(inserts);
  }

  private async insertSet(inserts: SetWrite[]): Promise<void> {
    // The alerts that would open their group's incident, in order: the first of them inserted does.
    const candidates: { key: string; item: IngestItem; details: OpeningDetails }[] = [];
    const rows = inserts.map(({ key, item }) => {
      const window = item.alert.status === 'firing' ? this.holdingWindow(item) : undefined;
      if (item.alert.status !== 'firing' || window) return { item, incidentId: null, groupKey: null, heldBy: window?.id ?? null };
      const group = item.decision.groupKey;
      const cached = this.openOfGroup(group);
      if (!cached) candidates.push({ key, item, details: this.ctx.openingDetails(item) });
      return { item, incidentId: cached?.id ?? null, groupKey: cached ? null : group, heldBy: null };
    });
    const stored = await insertAlertsOpeningIncidents(
      this.tx,
      rows,
      candidates.map(({ item, details }) => this.incidentToOpen(item, details)),
      this.ctx.now,
    );
    for (const incident of stored.locked.values()) this.remember(incident);
    const openedHere: OpenedByAlert[] = [];
    for (const { key, item, details } of candidates) {
      const incident = stored.opened.get(item.decision.groupKey);
      if (!incident || this.incidents.has(incident.id) || !stored.alerts.has(key)) continue;
      openedHere.push(this.openedBy(incident, item, details));
    }

    const joined: { incident: LockedIncident; item: IngestItem }[] = [];
    const lost: SetWrite[] = [];
    for (const write of inserts) {
      const { index, item, key } = write;
      const { alert } = item;
      const inserted = stored.alerts.get(key);
      // Another replica stored the same alert a moment ago: it takes the existing-alert path below.
      if (!inserted) {
        lost.push(write);
        continue;
      }
      const { id } = inserted;
      const incident = inserted.incidentId === null ? undefined : this.incidents.get(inserted.incidentId);
      if (inserted.incidentId !== null && !incident) throw new Error(`alert ${id} joined incident ${inserted.incidentId}, which this batch does not hold`);
      const fired = alert.status === 'firing';
      this.states.set(key, {
        id,
        status: alert.status,
        contentHash: item.contentHash,
        incidentId: incident?.id ?? null,
        routingKeyHash: alert.routingKeyHash ?? null,
        endsAt: alert.endsAt ?? null,
        recentFires: fired ? [this.ctx.now] : [],
        flappingSince: null,
      });
      if (!fired) {
        // Resolved before we ever saw it fire: keep the record, open nothing.
        this.results[index] = { outcome: 'ignored', alertId: id };
      } else if (!incident) {
        this.results[index] = { outcome: 'held', alertId: id };
      } else {
        this.alertFiring(incident, id, item);
        joined.push({ incident, item });
        this.results[index] = { outcome: 'created', alertId: id, incidentId: incident.id };
      }
    }
    await this.startOpened(openedHere);
    for (const { incident, item } of joined) await this.raiseSeverity(incident, item);
    for (const { index, item, key } of lost) {
      await this.relock(item, this.states);
      this.results[index] = await this.applyOne(item, this.states, key);
    }
  }

  /** The open incident of a group this transaction holds locked, if it holds one. */
  private openOfGroup(groupKey: string): LockedIncident | undefined {
    const cached = this.openByGroup.get(groupKey);
    return cached && isOpen(cached.status) ? cached : undefined;
  }

  private incidentToOpen({ alert, decision }: IngestItem, details: OpeningDetails): IncidentToOpen {
    return {
      groupKey: decision.groupKey,
      title: alert.title,
      severity: decision.severity,
      team: decision.team ?? null,
      service: decision.service ?? null,
      private: decision.private || details.private === true,
      source: alert.source,
      routeId: decision.routeId,
      escalationPolicy: details.escalationPolicy,
      playbookId: details.playbookId,
      // When the bot learned of it, as PagerDuty and Opsgenie open theirs: a sender's start may be
      // days old (a PagerDuty timestamp, an alert held back) or ahead of our clock, and MTTA, the
      // weekly report and exports by opening time count from here. The alert keeps its own start.
      openedAt: this.ctx.now,
      fingerprint: alert.fingerprint,
    };
  }

  /** Records an incident this alert opened (its first timeline entry) and answers what its effects start from. */
  private openedBy(incident: LockedIncident, { alert, decision }: IngestItem, details: OpeningDetails): OpenedByAlert {
    this.remember(incident);
    this.changed.add(incident.id);
    this.timeline.push({
      incidentId: incident.id,
      at: this.ctx.now,
      kind: 'incident.opened',
      actor: sourceActor(alert.source),
      text: `${incidentLabel(incident.id)} opened by ${alert.source} alert "${alert.title}" (${severityLabel(decision.severity)}, route ${decision.routeId})`,
      data: { route: decision.routeId, team: decision.team ?? null, service: decision.service ?? null, severityReason: decision.severityReason },
    });
    return {
      incident: { id: incident.id, escalationVersion: incident.escalationVersion, title: incident.title, severity: incident.severity, service: decision.service ?? null },
      alert: { labels: alert.labels },
      playbookId: details.playbookId,
    };
  }

  /** What the effects do as incidents open (a playbook starts), after the alerts' own entries. */
  private async startOpened(openedHere: OpenedByAlert[]): Promise<void> {
    if (openedHere.length === 0) return;
    const work = await openedByAlerts(this.ctx.effects, this.tx, openedHere);
    this.openingTimeline.push(...work.timeline);
    this.jobs.push(...work.jobs);
  }

  /** Locks the open incident of the alert's group, or opens one: for an alert already stored. */
  private async lockOrOpen(item: IngestItem): Promise<void> {
    const group = item.decision.groupKey;
    const details = this.ctx.openingDetails(item);
    for (let attempt = 1; ; attempt++) {
      const { locked, opened } = await lockOrOpenIncidents(this.tx, [this.incidentToOpen(item, details)]);
      const holder = locked.get(group);
      if (holder) {
        this.remember(holder);
        return;
      }
      const incident = opened.get(group);
      if (incident) return this.startOpened([this.openedBy(incident, item, details)]);
      // Opened by another replica between our snapshot and our insert.
      const winner = (await lockOpenIncidentsOfGroups(this.tx, [group])).get(group);
      if (winner) {
        this.remember(winner);
        return;
      }
      // ...and resolved by then too: the group has no open incident again, so this alert opens one.
      if (attempt >= OPEN_ATTEMPTS) throw new AppError('unavailable', `The incident of alert group ${group.slice(0, 200)} kept changing while this alert was stored; nothing was stored. Retry shortly.`, { retryAfterSeconds: 1 });
    }
  }

  private alertFiring(incident: LockedIncident, alertId: number, item: IngestItem): void {
    this.changed.add(incident.id);
    this.timeline.push({
      incidentId: incident.id,
      at: item.alert.startsAt,
      kind: 'alert.firing',
      actor: sourceActor(item.alert.source),
      text: `Alert firing: ${item.alert.title}`,
      data: { alertId, fingerprint: item.alert.fingerprint, labels: item.alert.labels, links: item.alert.links },
    });
  }

  /** A more severe alert joining an open incident raises its severity. */
  private async raiseSeverity(incident: LockedIncident, item: IngestItem): Promise<void> {
    if (item.decision.severity >= incident.severity || !isOpen(incident.status)) return;
    await this.flushTimeline();
    await this.transitions.setSeverity(this.tx, incident, item.decision.severity, sourceActor(item.alert.source), this.ctx.now, `raised by alert "${item.alert.title}"`);
  }

  /** One alert's change that is not written as part of a set (resolutions, re-fires, acknowledgements, releases). */
  private async applyOne(item: IngestItem, states: Map<string, AlertState>, key: string): Promise<IngestResult> {
    const state = states.get(key);
    const noop = classifyWithoutWriting(item, state);
    if (noop) return noop;
    const { alert } = item;

    if (item.release) return this.release(item, state!, states, key);
    if (alert.eventOnly === 'acknowledge') return this.acknowledgeFromSource(item, state!);
    if (alert.eventOnly === 'resolve') return this.resolveAlert(item, state!, states, key, false);
    if (!state) {
      // Only after losing an insert to another replica, which then stored it first.
      throw new Error(`alert ${alert.source}/${alert.fingerprint} is neither stored nor insertable`);
    }
    if (state.status === 'firing' && alert.status === 'resolved') return this.resolveAlert(item, state, states, key, true);
    if (state.status === 'resolved' && alert.status === 'firing') return this.refire(item, state, states, key);

    const endsAt = await this.updateAlertContent(item, state.id);
    states.set(key, { ...state, contentHash: item.contentHash, endsAt });
    if (state.incidentId !== null) this.changedContent.add(state.incidentId);
    return { outcome: 'updated', alertId: state.id, incidentId: state.incidentId ?? undefined };
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
    const cached = this.openOfGroup(groupKey);
    if (cached) return cached;
    await this.lockOrOpen(item);
    return this.openOfGroup(groupKey)!;
  }

  private remember(incident: LockedIncident): LockedIncident {
    this.incidents.set(incident.id, incident);
    if (incident.openGroupKey) this.openByGroup.set(incident.openGroupKey, incident);
    return incident;
  }

  private async attach(incident: LockedIncident, alertId: number, item: IngestItem): Promise<void> {
    await linkAlerts(this.tx, [{ incidentId: incident.id, alertId }]);
    this.alertFiring(incident, alertId, item);
    await this.raiseSeverity(incident, item);
  }

  /** Returns the alert's end as stored. */
  private async updateAlertContent(item: IngestItem, alertId: number, extra: SqlFragment = empty): Promise<Date | null> {
    const { alert } = item;
    const [row] = await this.tx.query<{ ends_at: Date | string | null }>(sql`
      UPDATE alerts SET status = ${alert.status}::"AlertStatus", title = ${alert.title}, description = ${alert.description ?? null},
        source_severity = ${alert.sourceSeverity ?? null}, labels = ${json(alert.labels)}::jsonb,
        annotations = ${json(alert.annotations)}::jsonb, links = ${json(alert.links)}::jsonb,
        starts_at = CASE WHEN ${alert.startsAtIsReceipt === true} AND NOT (status = 'resolved' AND ${alert.status} = 'firing') THEN starts_at ELSE ${alert.startsAt}::timestamptz END,
        ends_at = CASE WHEN ${alert.endsAtIsReceipt === true} AND status = 'resolved' AND (${alert.startsAtIsReceipt === true} OR starts_at = ${alert.startsAt}::timestamptz)
          THEN ends_at ELSE ${alert.endsAt ?? null}::timestamptz END,
        content_hash = ${item.contentHash},
        received_count = received_count + 1, last_received_at = now(),
        raw = COALESCE(${json(item.raw)}::jsonb, raw) ${extra}
      WHERE id = ${alertId}::int
      RETURNING ends_at`);
    return row?.ends_at == null ? null : new Date(row.ends_at);
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
          at: this.ctx.now,
          kind: 'alerts.cleared',
          actor,
          text: `All alerts have cleared, but "${flapping}" is flapping: the incident resolves itself once it stays clear for ${formatDuration(this.ctx.flap!.windowMs)}.`,
        });
        this.jobs.push(flapSettleJob(incident.id, this.ctx.flap!.windowMs));
      } else if (decision === 'auto-resolve') {
        await this.flushTimeline();
        // When the bot learned it, as it opened it when it learned of the alert: both on one clock,
        // so MTTR is neither the sender's clock skew nor a delivery delay (the alert keeps its end).
        this.jobs.push(...(await this.transitions.resolve(this.tx, incident, actor, this.ctx.now, 'all alerts resolved before anyone acknowledged')));
      } else if (decision === 'note-only') {
        this.timeline.push({
          incidentId: incident.id,
          at: this.ctx.now,
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
