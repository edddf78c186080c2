import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { sharedFixture } from '../../support/fixtures.js';

const now = new Date('2026-11-24T12:00:00Z');
const issuesOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ZodError) return error.issues.map((issue) => issue.path.join('.'));
    throw error;
  }
  return [];
};

describe('alert start and end times', () => {
  it('an end equal to the start is an alert that lasted no time; a year-1 end is no end; neither is refused', () => {
    const body = sharedFixture('alertmanager/resolved.json') as { alerts: { startsAt: string; endsAt: string }[] };
    body.alerts[0]!.endsAt = body.alerts[0]!.startsAt;
    body.alerts[1]!.endsAt = '0001-01-01T00:00:00Z';
    const [first, second] = normalizeAlertmanager(body).alerts;
    expect(first!.endsAt).toEqual(first!.startsAt);
    expect(second!.endsAt).toBeUndefined();
  });

  it('an end before the start is refused at that alert`s end field, in every alert of the batch it happens to', () => {
    const body = sharedFixture('alertmanager/resolved.json') as { alerts: { startsAt: string; endsAt: string }[] };
    for (const alert of body.alerts) alert.endsAt = '2026-11-24T00:42:50.999Z'; // a millisecond before the start
    expect(issuesOf(() => normalizeAlertmanager(body))).toEqual(['alerts.0.endsAt', 'alerts.1.endsAt']);
    expect(issuesOf(() => normalizeGeneric({ alerts: [{ title: 'a', starts_at: '2026-11-24T10:00:00+01:00', ends_at: '2026-11-24T08:30:00Z' }] }, now))).toEqual(['alerts.0.ends_at']);
    // The same instants written with offsets: 09:30Z is after 10:00+01:00, so it stands.
    expect(issuesOf(() => normalizeGeneric({ title: 'a', starts_at: '2026-11-24T10:00:00+01:00', ends_at: '2026-11-24T09:30:00Z' }, now))).toEqual([]);
  });

  it('a generic resolve without ends_at ends on receipt, but never before a start its sender put in our future', () => {
    const [resolved] = normalizeGeneric({ title: 'a', status: 'resolved', starts_at: '2026-11-24T12:05:00Z' }, now).alerts;
    expect(resolved!.endsAt).toEqual(resolved!.startsAt);
    const [usual] = normalizeGeneric({ title: 'a', status: 'resolved', starts_at: '2026-11-24T11:00:00Z' }, now).alerts;
    expect(usual!.endsAt).toEqual(now);
  });
});
