import { describe, expect, it } from 'vitest';
import { resolveWhen } from '../../../src/chat/commands/resolve-when.js';

const NY = 'America/New_York';

function at(text: string, zone: string, now: string): string {
  const result = resolveWhen(text, zone, new Date(now));
  if (!result.ok) throw new Error(result.message);
  return result.at.toISOString();
}

describe('resolveWhen', () => {
  const now = '2024-03-09T15:00:00Z'; // 10:00 in New York, the day before spring-forward

  it('reads every accepted form in the asker\'s zone', () => {
    expect(at('now', NY, now)).toBe('2024-03-09T15:00:00.000Z');
    expect(at('+2h', NY, now)).toBe('2024-03-09T17:00:00.000Z');
    expect(at('+1h30m', NY, now)).toBe('2024-03-09T16:30:00.000Z');
    expect(at('2024-03-09T09:00:00Z', NY, now)).toBe('2024-03-09T09:00:00.000Z');
    expect(at('2024-03-09T09:00+01:00', NY, now)).toBe('2024-03-09T08:00:00.000Z');
    expect(at('2024-03-09 18:30', NY, now)).toBe('2024-03-09T23:30:00.000Z');
    expect(at('2024-03-09T18:30', NY, now)).toBe('2024-03-09T23:30:00.000Z');
    expect(at('today 18:00', NY, now)).toBe('2024-03-09T23:00:00.000Z');
    expect(at('18:00', NY, now)).toBe('2024-03-09T23:00:00.000Z');
    expect(at('2024-03-12', 'Europe/Paris', now)).toBe('2024-03-11T23:00:00.000Z');
  });

  it('keeps wall-clock times across a DST change', () => {
    // Tomorrow 09:00 is EDT (-4) although today is EST (-5).
    expect(at('tomorrow 09:00', NY, now)).toBe('2024-03-10T13:00:00.000Z');
    // "+1d" is the same wall time tomorrow; "+24h" is 24 real hours.
    expect(at('+1d', NY, now)).toBe('2024-03-10T14:00:00.000Z');
    expect(at('+24h', NY, now)).toBe('2024-03-10T15:00:00.000Z');
  });

  it('moves a time in the spring-forward gap to the end of the gap', () => {
    expect(at('2024-03-10 02:30', NY, now)).toBe('2024-03-10T07:00:00.000Z'); // 03:00 EDT
  });

  it('takes the first occurrence of an ambiguous fall-back time', () => {
    expect(at('2024-11-03 01:30', NY, now)).toBe('2024-11-03T05:30:00.000Z'); // 01:30 EDT, not EST
  });

  it('is "tomorrow" in the asker\'s zone, not in UTC', () => {
    // 23:30 on 9 March in New York is already 10 March in UTC.
    expect(at('tomorrow 09:00', NY, '2024-03-10T04:30:00Z')).toBe('2024-03-10T13:00:00.000Z');
  });

  it('refuses nonsense with a message', () => {
    for (const text of ['', 'soon', '+2', '+h', '2024-13-01 09:00', '2024-02-30', 'tomorrow 24:00', '25:00', '2024-03-09T25:00Z']) {
      const result = resolveWhen(text, NY, new Date(now));
      expect(result.ok, text).toBe(false);
    }
    expect(resolveWhen('now', 'Mars/Olympus', new Date(now))).toEqual({ ok: false, message: 'Unknown time zone "Mars/Olympus"' });
  });
});
