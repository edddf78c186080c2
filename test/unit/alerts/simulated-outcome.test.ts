import { describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../../src/alerts/alert.js';
import { simulatedOutcome, type SimulationFacts } from '../../../src/alerts/simulated-outcome.js';
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
const resolvedIncident = (resolvedMinutesAgo: number, windowMinutes = 30): StoredAlertFacts['incident'] => ({
  id: 7,
  title: 'Disk full',
  open: false,
  resolvedAt: minutesAgo(resolvedMinutesAgo),
  reopensUntil: minutesAgo(resolvedMinutesAgo - windowMinutes),
});
const stored = (over: Partial<StoredAlertFacts> = {}): StoredAlertFacts => ({
  status: 'resolved',
  contentHash: 'stored-hash',
  startsAt: minutesAgo(60),
  endsAt: minutesAgo(10),
  heldByWindow: null,
  incident: resolvedIncident(10),
  ...over,
});
const facts = (over: Partial<SimulationFacts>): SimulationFacts => ({ alert: alert(), contentHash: 'new-hash', stored: undefined, groupOpen: undefined, heldBy: undefined, now, ...over });

describe('simulatedOutcome: what the bot does with an alert, given what it holds', () => {
  it('a new alert opens an incident, joins its group\'s open one, or is held by a running maintenance window', () => {
    expect(simulatedOutcome(facts({}))).toEqual({ outcome: 'created', text: 'opens a new incident' });
    expect(simulatedOutcome(facts({ groupOpen: { id: 3, title: 'Rack down' } }))).toEqual({ outcome: 'created', text: 'joins open INC-3 "Rack down"' });
    expect(simulatedOutcome(facts({ heldBy: { id: 2, until: '2026-12-06T12:00:00.000Z', reason: 'upgrade' } })).outcome).toBe('held');
    expect(simulatedOutcome(facts({ alert: alert({ status: 'resolved' }) })).outcome).toBe('ignored');
  });

  it('a notification with the stored content and status is a repeat', () => {
    const firing = stored({ status: 'firing', endsAt: null, incident: { id: 7, title: 'Disk full', open: true, resolvedAt: null, reopensUntil: null } });
    expect(simulatedOutcome(facts({ stored: firing, contentHash: 'stored-hash' }))).toEqual({ outcome: 'unchanged', text: 'a repeat: nothing changes (already firing in INC-7 "Disk full")' });
    expect(simulatedOutcome(facts({ stored: firing }))).toMatchObject({ outcome: 'updated' });
    expect(simulatedOutcome(facts({ stored: firing, alert: alert({ status: 'resolved' }) }))).toEqual({ outcome: 'resolved', text: 'resolves the alert in INC-7 "Disk full"' });
  });

  it('a firing notification of an occurrence that already ended is stale', () => {
    expect(simulatedOutcome(facts({ stored: stored(), alert: alert({ startsAt: minutesAgo(60) }) })).outcome).toBe('stale');
    // PagerDuty keeps no start: never stale.
    expect(simulatedOutcome(facts({ stored: stored(), alert: alert({ source: 'pagerduty', startsAt: minutesAgo(60) }) })).outcome).toBe('reopened');
  });

  it('firing again re-opens its incident within REOPEN_WINDOW, and opens a new one after it', () => {
    expect(simulatedOutcome(facts({ stored: stored() }))).toMatchObject({ outcome: 'reopened', text: expect.stringMatching(/^reopens INC-7 "Disk full" \(resolved 2026-12-06T09:50:00.000Z; .* until 2026-12-06T10:20:00.000Z\)$/) });
    expect(simulatedOutcome(facts({ stored: stored({ incident: resolvedIncident(31) }), alert: alert({ startsAt: now }) }))).toEqual({ outcome: 'refired', text: 'fires again: opens a new incident' });
    // Another incident of its group opened since: it joins that one instead.
    expect(simulatedOutcome(facts({ stored: stored(), groupOpen: { id: 9, title: 'Disk full again' } }))).toEqual({ outcome: 'refired', text: 'fires again: joins open INC-9 "Disk full again"' });
    // Its incident still open (a responder keeps it open): it fires again there.
    expect(simulatedOutcome(facts({ stored: stored({ incident: { id: 7, title: 'Disk full', open: true, resolvedAt: null, reopensUntil: null } }) }))).toEqual({ outcome: 'refired', text: 'fires again in open INC-7 "Disk full"' });
    // A running maintenance window holds it rather than re-opening anything.
    expect(simulatedOutcome(facts({ stored: stored(), heldBy: { id: 2, until: 'x', reason: 'upgrade' } })).outcome).toBe('held');
  });

  it('PagerDuty acknowledge and resolve events act on the stored alert only', () => {
    const open = stored({ status: 'firing', endsAt: null, incident: { id: 7, title: 'Disk full', open: true, resolvedAt: null, reopensUntil: null } });
    expect(simulatedOutcome(facts({ alert: alert({ eventOnly: 'resolve' }) })).outcome).toBe('ignored');
    expect(simulatedOutcome(facts({ stored: open, alert: alert({ eventOnly: 'resolve' }) })).outcome).toBe('resolved');
    expect(simulatedOutcome(facts({ stored: stored(), alert: alert({ eventOnly: 'resolve' }) })).outcome).toBe('unchanged');
    expect(simulatedOutcome(facts({ stored: open, alert: alert({ eventOnly: 'acknowledge' }) })).outcome).toBe('acknowledged');
    expect(simulatedOutcome(facts({ alert: alert({ eventOnly: 'acknowledge' }) })).outcome).toBe('ignored');
  });
});
