import type { IngestOutcome } from '../incidents/alert-ingestion.js';
import { incidentLabel, isRepeatOfEndedOccurrence } from '../incidents/incident-rules.js';
import type { NormalizedAlert } from './alert.js';
import type { StoredAlertFacts } from './stored-alert-facts.js';

export interface SimulationFacts {
  alert: NormalizedAlert;
  /** contentHashOf(alert): equal to the stored one, a notification is a repeat. */
  contentHash: string;
  /** What the bot holds of this alert; undefined when it has never seen it. */
  stored: StoredAlertFacts | undefined;
  /** The open incident of the alert's group, which a new or re-firing alert joins. */
  groupOpen: { id: number; title: string } | undefined;
  /** The running maintenance window that would hold it. */
  heldBy: { id: number; until: string; reason: string } | undefined;
  now: Date;
}

export interface SimulatedOutcome {
  /** The outcome the webhook would answer for this alert. */
  outcome: IngestOutcome;
  text: string;
}

const named = (incident: { id: number; title: string }) => `${incidentLabel(incident.id)} "${incident.title}"`;

/**
 * What the bot would do with this alert given what it holds now: the same decisions as
 * classifyWithoutWriting and AlertIngestion.applyOne, in the order they take them, told in words.
 */
export function simulatedOutcome({ alert, contentHash, stored, groupOpen, heldBy, now }: SimulationFacts): SimulatedOutcome {
  const held: SimulatedOutcome | undefined = heldBy && { outcome: 'held', text: `held by maintenance #${heldBy.id} until ${heldBy.until} (${heldBy.reason}): stored, no incident, nobody paged` };
  const incidentOf = stored?.incident;
  if (alert.eventOnly === 'acknowledge') {
    return incidentOf ? { outcome: 'acknowledged', text: `acknowledges ${named(incidentOf)}` } : { outcome: 'ignored', text: 'ignored: the bot holds no incident of this alert to acknowledge' };
  }
  if (alert.eventOnly === 'resolve') {
    if (!stored) return { outcome: 'ignored', text: 'ignored: the bot holds no alert with this fingerprint' };
    if (stored.status === 'resolved') return { outcome: 'unchanged', text: 'unchanged: the alert is already resolved' };
    return { outcome: 'resolved', text: `resolves the alert${incidentOf ? ` of ${named(incidentOf)}` : ''}` };
  }
  if (!stored) {
    if (alert.status === 'resolved') return { outcome: 'ignored', text: 'ignored: resolved before the bot saw it fire (stored, opens nothing)' };
    if (held) return held;
    return { outcome: 'created', text: groupOpen ? `joins open ${named(groupOpen)}` : 'opens a new incident' };
  }
  const where = incidentOf ? ` in ${named(incidentOf)}${incidentOf.open ? '' : ' (resolved)'}` : stored.heldByWindow !== null ? `, held by maintenance #${stored.heldByWindow}` : '';
  if (stored.contentHash === contentHash && stored.status === alert.status) {
    return { outcome: 'unchanged', text: `a repeat: nothing changes (already ${stored.status}${where})` };
  }
  if (isRepeatOfEndedOccurrence(alert, stored)) {
    return {
      outcome: 'stale',
      text: `stale: this occurrence started ${alert.startsAt.toISOString()}, before the alert last ended (${stored.endsAt!.toISOString()}); nothing is written`,
    };
  }
  if (stored.status === 'firing' && alert.status === 'resolved') return { outcome: 'resolved', text: `resolves the alert${where}` };
  if (stored.status === 'resolved' && alert.status === 'firing') {
    if (incidentOf?.open) return { outcome: 'refired', text: `fires again in open ${named(incidentOf)}` };
    if (held) return held;
    if (incidentOf?.reopensUntil && now.getTime() <= incidentOf.reopensUntil.getTime()) {
      // Unless another incident of its group opened since: then it joins that one.
      if (!groupOpen) return { outcome: 'reopened', text: `reopens ${named(incidentOf)} (resolved ${incidentOf.resolvedAt?.toISOString()}; it fired again within REOPEN_WINDOW, until ${incidentOf.reopensUntil.toISOString()})` };
    }
    return { outcome: 'refired', text: groupOpen ? `fires again: joins open ${named(groupOpen)}` : 'fires again: opens a new incident' };
  }
  return { outcome: 'updated', text: `updates the alert${where} (new content; nobody is paged again)` };
}
