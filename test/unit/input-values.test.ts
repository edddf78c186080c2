import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INT4_MAX, INT8_MAX, oneOf, readIdCursor, readIncidentNumber, readSearchText, wholeNumber } from '../../src/input-values.js';
import { MAX_DURATION_MS, readDuration } from '../../src/time/duration.js';
import { EARLIEST_INSTANT_MS, LATEST_INSTANT_MS, readInstant, readInstantOrAgo } from '../../src/time/instant.js';

const problemOf = <T>(reading: { ok: true; value: T } | { ok: false; problem: string }) => (reading.ok ? undefined : reading.problem);
const now = new Date('2026-11-24T10:00:00Z');

describe('typed values and their bounds', () => {
  it('incident numbers: 12 or INC-12, within int4', () => {
    expect(readIncidentNumber('12')).toEqual({ ok: true, value: 12 });
    expect(readIncidentNumber('inc-12')).toEqual({ ok: true, value: 12 });
    expect(readIncidentNumber(String(INT4_MAX))).toEqual({ ok: true, value: INT4_MAX });
    for (const bad of ['0', '-1', '2147483648', 'INC-2147483648', '9'.repeat(400), '1e3', '0x10', 'INC-', '', '12a']) {
      expect(problemOf(readIncidentNumber(bad)), bad).toBe('must be an incident number such as 12 or INC-12 (1 to 2147483647)');
    }
  });

  it('id cursors: digits within int8', () => {
    expect(readIdCursor('0')).toEqual({ ok: true, value: 0n });
    expect(readIdCursor(String(INT8_MAX))).toEqual({ ok: true, value: INT8_MAX });
    for (const bad of [String(INT8_MAX + 1n), '9'.repeat(30), '-1', '1.0', '']) expect(problemOf(readIdCursor(bad)), bad).toBe(`must be an event id from 0 to ${INT8_MAX}`);
  });

  it('whole numbers: decimal digits only, within the bounds given', () => {
    const limit = wholeNumber(1, 500);
    expect(limit('500')).toEqual({ ok: true, value: 500 });
    expect(limit(' 7 ')).toEqual({ ok: true, value: 7 });
    for (const bad of ['0', '501', '1e2', '0x10', '1.5', '-1', 'NaN', 'Infinity', '', '1'.repeat(400)]) expect(problemOf(limit(bad)), bad).toBe('must be a whole number from 1 to 500');
  });

  it('search text: what PostgreSQL cannot hold is read as it was stored', () => {
    expect(readSearchText('a\u0000b')).toEqual({ ok: true, value: 'a\uFFFDb' });
    expect(problemOf(readSearchText(''))).toBe('must not be empty');
    expect(problemOf(oneOf(['json', 'csv'])('xml'))).toBe('must be one of json, csv');
  });

  it('durations: at most ten thousand years', () => {
    expect(readDuration('1h30m')).toEqual({ ok: true, value: 5_400_000 });
    expect(readDuration('521000w').ok).toBe(true);
    for (const bad of ['99999999w', '999999999999999999999w', '9'.repeat(400) + 'ms']) {
      expect(problemOf(readDuration(bad)), bad).toBe('is longer than any span of dates the bot keeps (years 0001 to 9999)');
    }
    expect(problemOf(readDuration('1.5h'))).toBe('must be a duration such as 90s, 15m, 1h30m or 7d');
  });

  it('instants: ISO times from 0001-01-01 to 9999-12-31 UTC', () => {
    expect(readInstant('0001-01-01T00:00:00Z')).toEqual({ ok: true, value: new Date(EARLIEST_INSTANT_MS) });
    expect(readInstant('9999-12-31T23:59:59.999Z')).toEqual({ ok: true, value: new Date(LATEST_INSTANT_MS) });
    expect(readInstant('2026-12-01T09:00:00+01:00')).toEqual({ ok: true, value: new Date('2026-12-01T08:00:00Z') });
    for (const bad of ['0000-01-01', '+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '9999-12-31T23:59:59.999-01:00']) {
      expect(problemOf(readInstant(bad)), bad).toBe('must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z');
    }
    expect(problemOf(readInstant('last tuesday'))).toBe('must be an ISO time such as 2026-12-01 or 2026-12-01T09:00:00+01:00');
  });

  it('since: a duration back from now or an ISO time, never before 0001-01-01', () => {
    expect(readInstantOrAgo('7d', now)).toEqual({ ok: true, value: new Date('2026-11-17T10:00:00Z') });
    expect(readInstantOrAgo('2026-11-01', now)).toEqual({ ok: true, value: new Date('2026-11-01T00:00:00Z') });
    expect(problemOf(readInstantOrAgo('106000w', now))).toMatch(/^reaches back before 0001-01-01/);
    expect(problemOf(readInstantOrAgo('99999999w', now))).toBe('is longer than any span of dates the bot keeps (years 0001 to 9999)');
    expect(problemOf(readInstantOrAgo('yesterday', now))).toBe('must be a duration such as 24h or 7d, or an ISO time such as 2026-12-01 or 2026-12-01T09:00:00+01:00');
  });

  it('never throw, and whatever they accept is within bounds', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.bigInt().map(String), fc.nat().map((n) => `${n}w`), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
    fc.assert(
      fc.property(text, (input) => {
        const number = readIncidentNumber(input);
        if (number.ok) expect(number.value >= 1 && number.value <= INT4_MAX).toBe(true);
        const cursor = readIdCursor(input);
        if (cursor.ok) expect(cursor.value >= 0n && cursor.value <= INT8_MAX).toBe(true);
        const duration = readDuration(input);
        if (duration.ok) expect(duration.value).toBeLessThanOrEqual(MAX_DURATION_MS);
        for (const reading of [readInstant(input), readInstantOrAgo(input, now)]) {
          if (reading.ok) expect(reading.value.getTime() >= EARLIEST_INSTANT_MS && reading.value.getTime() <= LATEST_INSTANT_MS, input).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
