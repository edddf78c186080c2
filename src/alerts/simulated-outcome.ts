import { alertKey } from '../incidents/alert-states.js';
import type { IngestOutcome } from '../incidents/alert-ingestion.js';
import { incidentLabel, isRepeatOfEndedOccurrence } from '../incidents/incident-rules.js';
import type { NormalizedAlert } from './alert.js';
import type { StoredAlertFacts } from './stored-alert-facts.js';

/** An incident as simulate names it; id 0 is one an earlier alert of the same payload would open. */
export interface SimulatedIncident {
  id: number;
  title: string;
}

export interface SimulationFacts {
  alert: NormalizedAlert;
  /** contentHashOf(alert): equal to the stored one, a notification is a repeat. */
  contentHash: string;
  /** What the bot holds of this alert; undefined when it has never seen it. */
  stored: StoredAlertFacts | undefined;
  /** The open incident of the group the alert routes to now, which a new alert joins. */
  groupOpen: SimulatedIncident | undefined;
  /** The open incident of the group its resolved incident was opened for, which it joins rather than re-open that one. */
  previousGroupOpen: SimulatedIncident | undefined;
  /** The running maintenance window that would hold it. */
  heldBy: { id: number; until: string; reason: string } | undefined;
  /** The heartbeat its route takes it as a beat of (Watchdog). */
  heartbeat?: string;
  /** Sent with a routing key (not the webhook token): it acts only on alerts that came in with that key. */
  ownAlertsOnly?: boolean;
  now: Date;
}

export type SimulatedOutcomeKind = IngestOutcome | 'unchanged-or-updated';

export interface SimulatedOutcome {
  /** The outcome the webhook would answer for this alert ('unchanged-or-updated': the bot's API does not say whether the content is the stored one). */
  outcome: SimulatedOutcomeKind;
  text: string;
  /** The incident the alert ends up in, if any. */
  incident?: SimulatedIncident;
}

const named = (incident: SimulatedIncident) => (incident.id === 0 ? `the incident "${incident.title}" an alert above opens` : `${incidentLabel(incident.id)} "${incident.title}"`);
/** Joining an incident: "open INC-4 ..." for one the bot holds, or the one an earlier alert of the payload opens. */
const joined = (incident: SimulatedIncident) => (incident.id === 0 ? named(incident) : `open ${named(incident)}`);

/**
 * What the bot would do with this alert given what it holds now: the same decisions as
 * AlertIntake (heartbeats), classifyWithoutWriting and AlertIngestion.applyOne, in the order they
 * take them, told in words.
 */
export function simulatedOutcome(facts: SimulationFacts): SimulatedOutcome {
  const { alert, contentHash, stored, groupOpen, previousGroupOpen, heldBy, now } = facts;
  if (facts.heartbeat) {
    return alert.status === 'firing'
      ? { outcome: 'heartbeat', text: `a beat of heartbeat "${facts.heartbeat}": no alert stored, no incident` }
      : { outcome: 'ignored', text: `ignored: a resolved beat of heartbeat "${facts.heartbeat}"` };
  }
  const held: SimulatedOutcome | undefined = heldBy && { outcome: 'held', text: `held by maintenance #${heldBy.id} until ${heldBy.until} (${heldBy.reason}): stored, no incident, nobody paged` };
  const incidentOf = stored?.incident ?? undefined;
  if (facts.ownAlertsOnly && stored && stored.sameRoutingKey === false) {
    return alert.eventOnly
      ? { outcome: 'ignored', text: 'ignored: the alert came in with another routing key, and a routing key acts only on its own alerts' }
      : { outcome: 'refused', text: 'refused: the alert came in with another routing key, and a routing key acts only on its own alerts (PagerDuty answers 409)' };
  }
  if (alert.eventOnly === 'acknowledge') {
    if (!incidentOf) return { outcome: 'ignored', text: 'ignored: the bot holds no incident of this alert to acknowledge' };
    if (incidentOf.status !== 'triggered') return { outcome: 'unchanged', text: `unchanged: ${named(incidentOf)} is ${incidentOf.status}`, incident: incidentOf };
    return { outcome: 'acknowledged', text: `acknowledges ${named(incidentOf)}`, incident: incidentOf };
  }
  if (alert.eventOnly === 'resolve') {
    if (!stored) return { outcome: 'ignored', text: 'ignored: the bot holds no alert with this fingerprint' };
    if (stored.status === 'resolved') return { outcome: 'unchanged', text: 'unchanged: the alert is already resolved', ...(incidentOf ? { incident: incidentOf } : {}) };
    return { outcome: 'resolved', text: `resolves the alert${incidentOf ? ` of ${named(incidentOf)}` : ''}`, ...(incidentOf ? { incident: incidentOf } : {}) };
  }
  if (!stored) {
    if (alert.status === 'resolved') return { outcome: 'ignored', text: 'ignored: resolved before the bot saw it fire (stored, opens nothing)' };
    if (held) return held;
    return groupOpen ? { outcome: 'created', text: `joins ${joined(groupOpen)}`, incident: groupOpen } : { outcome: 'created', text: 'opens a new incident' };
  }
  const where = incidentOf ? ` in ${named(incidentOf)}${incidentOf.status === 'resolved' ? ' (resolved)' : ''}` : stored.heldByWindow !== null ? `, held by maintenance #${stored.heldByWindow}` : '';
  const withIncident = incidentOf ? { incident: incidentOf } : {};
  if (stored.status === alert.status && stored.contentHash === undefined) {
    return { outcome: 'unchanged-or-updated', text: `already ${stored.status}${where}: unchanged if it says what the bot holds, else its new content is stored (nobody is paged again)`, ...withIncident };
  }
  if (stored.contentHash === contentHash && stored.status === alert.status) {
    return { outcome: 'unchanged', text: `a repeat: nothing changes (already ${stored.status}${where})`, ...withIncident };
  }
  if (isRepeatOfEndedOccurrence(alert, stored)) {
    return {
      outcome: 'stale',
      text: `stale: this occurrence started ${alert.startsAt.toISOString()}, before the alert last ended (${stored.endsAt!.toISOString()}); nothing is written`,
      ...withIncident,
    };
  }
  if (stored.status === 'firing' && alert.status === 'resolved') return { outcome: 'resolved', text: `resolves the alert${where}`, ...withIncident };
  if (stored.status === 'resolved' && alert.status === 'firing') {
    if (incidentOf && incidentOf.status !== 'resolved') return { outcome: 'refired', text: `fires again in open ${named(incidentOf)}`, incident: incidentOf };
    if (held) return held;
    if (incidentOf?.reopensUntil && now.getTime() <= incidentOf.reopensUntil.getTime()) {
      // Another incident of the group it was opened for opened since: it joins that one instead.
      if (previousGroupOpen) return { outcome: 'refired', text: `fires again: joins ${joined(previousGroupOpen)}`, incident: previousGroupOpen };
      return {
        outcome: 'reopened',
        text: `reopens ${named(incidentOf)} (resolved ${incidentOf.resolvedAt?.toISOString()}; it fired again within REOPEN_WINDOW, until ${incidentOf.reopensUntil.toISOString()})`,
        incident: incidentOf,
      };
    }
    return groupOpen ? { outcome: 'refired', text: `fires again: joins ${joined(groupOpen)}`, incident: groupOpen } : { outcome: 'refired', text: 'fires again: opens a new incident' };
  }
  return { outcome: 'updated', text: `updates the alert${where} (new content; nobody is paged again)`, ...withIncident };
}

/**
 * A payload's alerts one after another, as the bot applies them: each sees what the ones before
 * it would have done (a new incident the next alert of its group joins, an alert fired then
 * resolved in one notification), over what the bot holds.
 */
export class PayloadSimulation {
  private readonly alerts = new Map<string, StoredAlertFacts | undefined>();
  private readonly groups = new Map<string, SimulatedIncident>();

  /** What an earlier alert of the payload left for this alert, when one did (undefined stored: none). */
  storedOverride(alert: NormalizedAlert): { stored: StoredAlertFacts | undefined } | undefined {
    const key = alertKey(alert.source, alert.fingerprint);
    return this.alerts.has(key) ? { stored: this.alerts.get(key) } : undefined;
  }

  /** The incident an earlier alert of the payload opened or re-opened for this group. */
  openOfGroup(groupKey: string): SimulatedIncident | undefined {
    return this.groups.get(groupKey);
  }

  next(facts: SimulationFacts, groupKey: string): SimulatedOutcome {
    const result = simulatedOutcome(facts);
    this.apply(facts, groupKey, result);
    return result;
  }

  private apply({ alert, contentHash, stored, heldBy, now }: SimulationFacts, groupKey: string, result: SimulatedOutcome): void {
    const key = alertKey(alert.source, alert.fingerprint);
    const base: StoredAlertFacts = stored ?? { status: alert.status, startsAt: alert.startsAt, endsAt: null, heldByWindow: null, incident: null };
    const incidentFacts = (incident: SimulatedIncident): NonNullable<StoredAlertFacts['incident']> =>
      stored?.incident?.id === incident.id && incident.id !== 0 ? { ...stored.incident, status: stored.incident.status === 'resolved' ? 'triggered' : stored.incident.status, resolvedAt: null, reopensUntil: null } : { ...incident, status: 'triggered', groupKey, resolvedAt: null, reopensUntil: null };
    switch (result.outcome) {
      case 'created':
      case 'refired':
      case 'reopened': {
        const incident = result.incident ?? { id: 0, title: alert.title };
        if (!result.incident) this.groups.set(groupKey, incident);
        this.alerts.set(key, { ...base, status: 'firing', contentHash, startsAt: alert.startsAt, endsAt: null, heldByWindow: null, incident: incidentFacts(incident) });
        return;
      }
      case 'held':
        this.alerts.set(key, { ...base, status: 'firing', contentHash, startsAt: alert.startsAt, endsAt: null, heldByWindow: heldBy?.id ?? null, incident: null });
        return;
      case 'ignored':
        if (!stored && alert.status === 'resolved' && !alert.eventOnly) this.alerts.set(key, { ...base, status: 'resolved', contentHash, endsAt: alert.endsAt ?? null });
        return;
      case 'resolved':
        this.alerts.set(key, { ...base, status: 'resolved', ...(alert.eventOnly ? {} : { contentHash }), endsAt: alert.endsAt ?? now });
        return;
      case 'updated':
      case 'unchanged-or-updated':
        this.alerts.set(key, { ...base, contentHash });
        return;
      case 'acknowledged':
        if (base.incident) this.alerts.set(key, { ...base, incident: { ...base.incident, status: 'acknowledged' } });
        return;
      default:
        return;
    }
  }
}
