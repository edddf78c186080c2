import { describe, expect, it } from 'vitest';
import { isRepeatOfEndedOccurrence } from '../../../src/incidents/incident-rules.js';

const resolvedAt = new Date('2026-11-24T10:05:00Z');
const stored = { status: 'resolved' as const, endsAt: resolvedAt };
const firing = (source: string, startsAt: string) => ({ source, status: 'firing' as const, startsAt: new Date(startsAt) });

describe('a firing notification of an occurrence that already ended', () => {
  it('started before the recorded resolution: a repeat, for every source but PagerDuty', () => {
    for (const source of ['alertmanager', 'grafana', 'generic']) expect(isRepeatOfEndedOccurrence(firing(source, '2026-11-24T09:50:00Z'), stored), source).toBe(true);
    expect(isRepeatOfEndedOccurrence(firing('pagerduty', '2026-11-24T09:50:00Z'), stored)).toBe(false);
  });

  it('started at or after the resolution: a new occurrence', () => {
    expect(isRepeatOfEndedOccurrence(firing('alertmanager', '2026-11-24T10:05:00Z'), stored)).toBe(false);
    expect(isRepeatOfEndedOccurrence(firing('alertmanager', '2026-11-24T10:06:00Z'), stored)).toBe(false);
  });

  it('needs a resolved alert with a recorded end, and a firing notification', () => {
    expect(isRepeatOfEndedOccurrence(firing('alertmanager', '2026-11-24T09:50:00Z'), { status: 'firing', endsAt: resolvedAt })).toBe(false);
    expect(isRepeatOfEndedOccurrence(firing('alertmanager', '2026-11-24T09:50:00Z'), { status: 'resolved', endsAt: null })).toBe(false);
    expect(isRepeatOfEndedOccurrence({ ...firing('alertmanager', '2026-11-24T09:50:00Z'), status: 'resolved' }, stored)).toBe(false);
  });
});
