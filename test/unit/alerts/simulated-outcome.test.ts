import { describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../../src/alerts/alert.js';
import { PayloadSimulation, simulatedOutcome, type SimulationFacts } from '../../../src/alerts/simulated-outcome.js';
import type { StoredAlertFacts } from '../../../src/alerts/stored-alert-facts.js';

const now = new Date('2026-12-06T10:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const alert = (over: Partial<NormalizedAlert> = {}): NormalizedAlert => ({
  source: 'alertmanager',
  fingerprint: 'f1',
  status: 'firing',
  title: 'Disk full',
  labels: {},
  annotations: {},
  links: {},
  startsAt: minutesAgo(1),
  ...over,
});
type IncidentFacts = NonNullable<StoredAlertFacts['incident']>;
const openIncident = (over: Partial<IncidentFacts> = {}): IncidentFacts => ({ id: 7, title: 'Disk full', status: 'triggered', groupKey: 'g1', resolvedAt: null, reopensUntil: null, ...over });
const resolvedIncident = (resolvedMinutesAgo: number, windowMinutes = 30): IncidentFacts =>
  openIncident({ status: 'resolved', resolvedAt: minutesAgo(resolvedMinutesAgo), reopensUntil: minutesAgo(resolvedMinutesAgo - windowMinutes) });
const stored = (over: Partial<StoredAlertFacts> = {}): StoredAlertFacts => ({
  status: 'resolved',
  contentHash: 'stored-hash',
  startsAt: minutesAgo(60),
  endsAt: minutesAgo(10),
  heldByWindow: null,
  incident: resolvedIncident(10),
  ...over,
});
const firingIn = (incident: IncidentFacts = openIncident()) => stored({ status: 'firing', endsAt: null, incident });
const facts = (over: Partial<SimulationFacts>): SimulationFacts => ({ alert: alert(), contentHash: 'new-hash', stored: undefined, groupOpen: undefined, previousGroupOpen: undefined, heldBy: undefined, now, ...over });

describe('simulatedOutcome: what the bot does with an alert, given what it holds', () => {
  it("a new alert opens an incident, joins its group's open one, or is held by a running maintenance window", () => {
    expect(simulatedOutcome(facts({}))).toEqual({ outcome: 'created', text: 'opens a new incident' });
    expect(simulatedOutcome(facts({ groupOpen: { id: 3, title: 'Rack down' } }))).toMatchObject({ outcome: 'created', text: 'joins open INC-3 "Rack down"' });
    expect(simulatedOutcome(facts({ heldBy: { id: 2, until: '2026-12-06T12:00:00.000Z', reason: 'upgrade' } })).outcome).toBe('held');
    expect(simulatedOutcome(facts({ alert: alert({ status: 'resolved' }) })).outcome).toBe('ignored');
  });

  it('a notification with the stored content and status is a repeat; without the stored hash (asked of the API) it may be either', () => {
    expect(simulatedOutcome(facts({ stored: firingIn(), contentHash: 'stored-hash' }))).toMatchObject({ outcome: 'unchanged', text: 'a repeat: nothing changes (already firing in INC-7 "Disk full")' });
    expect(simulatedOutcome(facts({ stored: firingIn() }))).toMatchObject({ outcome: 'updated' });
    expect(simulatedOutcome(facts({ stored: { ...firingIn(), contentHash: undefined } }))).toMatchObject({ outcome: 'unchanged-or-updated' });
    expect(simulatedOutcome(facts({ stored: firingIn(), alert: alert({ status: 'resolved' }) }))).toMatchObject({ outcome: 'resolved', text: 'resolves the alert in INC-7 "Disk full"' });
  });

  it('a firing notification of an occurrence that already ended is stale', () => {
    expect(simulatedOutcome(facts({ stored: stored(), alert: alert({ startsAt: minutesAgo(60) }) })).outcome).toBe('stale');
    // PagerDuty keeps no start: never stale.
    expect(simulatedOutcome(facts({ stored: stored(), alert: alert({ source: 'pagerduty', startsAt: minutesAgo(60) }) })).outcome).toBe('reopened');
  });

  it('firing again re-opens its incident within REOPEN_WINDOW, and opens a new one after it', () => {
    expect(simulatedOutcome(facts({ stored: stored() }))).toMatchObject({ outcome: 'reopened', text: expect.stringMatching(/^reopens INC-7 "Disk full" \(resolved 2026-12-06T09:50:00.000Z; .* until 2026-12-06T10:20:00.000Z\)$/) });
    expect(simulatedOutcome(facts({ stored: stored({ incident: resolvedIncident(31) }), alert: alert({ startsAt: now }) }))).toEqual({ outcome: 'refired', text: 'fires again: opens a new incident' });
    // Another incident of the group its incident was opened for opened since: it joins that one.
    expect(simulatedOutcome(facts({ stored: stored(), previousGroupOpen: { id: 9, title: 'Disk full again' } }))).toMatchObject({ outcome: 'refired', text: 'fires again: joins open INC-9 "Disk full again"' });
    // ...which is that group's, not the one it routes to now.
    expect(simulatedOutcome(facts({ stored: stored(), groupOpen: { id: 9, title: 'Elsewhere' } })).outcome).toBe('reopened');
    expect(simulatedOutcome(facts({ stored: stored({ incident: resolvedIncident(31) }), alert: alert({ startsAt: now }), groupOpen: { id: 9, title: 'Elsewhere' } })).text).toBe('fires again: joins open INC-9 "Elsewhere"');
    // Its incident still open (a responder keeps it open): it fires again there.
    expect(simulatedOutcome(facts({ stored: stored({ incident: openIncident() }) }))).toMatchObject({ outcome: 'refired', text: 'fires again in open INC-7 "Disk full"' });
    // A running maintenance window holds it rather than re-opening anything.
    expect(simulatedOutcome(facts({ stored: stored(), heldBy: { id: 2, until: 'x', reason: 'upgrade' } })).outcome).toBe('held');
  });

  it('PagerDuty acknowledge and resolve events act on the stored alert only, and only on an incident still triggered', () => {
    expect(simulatedOutcome(facts({ alert: alert({ eventOnly: 'resolve' }) })).outcome).toBe('ignored');
    expect(simulatedOutcome(facts({ stored: firingIn(), alert: alert({ eventOnly: 'resolve' }) })).outcome).toBe('resolved');
    expect(simulatedOutcome(facts({ stored: stored(), alert: alert({ eventOnly: 'resolve' }) })).outcome).toBe('unchanged');
    expect(simulatedOutcome(facts({ stored: firingIn(), alert: alert({ eventOnly: 'acknowledge' }) })).outcome).toBe('acknowledged');
    expect(simulatedOutcome(facts({ stored: firingIn(openIncident({ status: 'acknowledged' })), alert: alert({ eventOnly: 'acknowledge' }) })).outcome).toBe('unchanged');
    expect(simulatedOutcome(facts({ alert: alert({ eventOnly: 'acknowledge' }) })).outcome).toBe('ignored');
  });

  it('a routing key acts only on its own alerts; a heartbeat route takes a beat', () => {
    const other = { ...firingIn(), sameRoutingKey: false };
    expect(simulatedOutcome(facts({ stored: other, ownAlertsOnly: true })).outcome).toBe('refused');
    expect(simulatedOutcome(facts({ stored: other, ownAlertsOnly: true, alert: alert({ eventOnly: 'resolve' }) })).outcome).toBe('ignored');
    expect(simulatedOutcome(facts({ stored: { ...other, sameRoutingKey: true }, ownAlertsOnly: true })).outcome).toBe('updated');
    // The webhook token acts on every alert.
    expect(simulatedOutcome(facts({ stored: other })).outcome).toBe('updated');
    expect(simulatedOutcome(facts({ heartbeat: 'prometheus' }))).toMatchObject({ outcome: 'heartbeat' });
  });
});

describe('PayloadSimulation: the alerts of one payload in order', () => {
  it('the second alert of a group joins the incident the first opens, and a resolution later in the payload resolves it', () => {
    const payload = new PayloadSimulation();
    const step = (over: Partial<NormalizedAlert>) => {
      const a = alert(over);
      const earlier = payload.storedOverride(a);
      return payload.next(facts({ alert: a, stored: earlier?.stored, groupOpen: payload.openOfGroup('g1') }), 'g1');
    };
    expect(step({ fingerprint: 'b1', title: 'B1' })).toMatchObject({ outcome: 'created', text: 'opens a new incident' });
    expect(step({ fingerprint: 'b2' })).toMatchObject({ outcome: 'created', text: 'joins the incident "B1" an alert above opens' });
    expect(step({ fingerprint: 'b1', status: 'resolved', endsAt: now })).toMatchObject({ outcome: 'resolved', text: 'resolves the alert in the incident "B1" an alert above opens' });
  });
});
