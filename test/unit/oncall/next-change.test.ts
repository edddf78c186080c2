import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextChange, shiftsBetween, whoIsOnCall, type ScheduleOverride } from '../../../src/oncall/on-call-at.js';
import type { LayerConfig, Restriction, ScheduleConfig } from '../../../src/oncall/oncall-config.js';
import { loadOncallFile } from '../../../src/oncall/oncall-file.js';
import { onCallNow } from '../../../src/oncall/oncall-queries.js';
import { projectRoot } from '../../../src/project-root.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How far the brute-force scan looks, minute by minute. */
const SCAN_MS = 36 * HOUR;
/** Runs of each property; FUZZ_RUNS=500 for a long local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

// Zones with DST at 02:00 or 03:00, at midnight (Santiago), by 30 minutes (Lord Howe), none, or odd offsets.
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
// Instants near the 2026 DST changes of those zones, where a sampled or drifting answer goes wrong first.
const ANCHORS = [
  '2026-03-08T07:00:00Z', // New York springs forward
  '2026-03-29T01:00:00Z', // Europe springs forward
  '2026-04-04T15:00:00Z', // Sydney and Lord Howe fall back
  '2026-04-05T03:00:00Z', // Santiago falls back at midnight
  '2026-09-06T04:00:00Z', // Santiago springs forward at midnight
  '2026-10-03T15:30:00Z', // Sydney and Lord Howe spring forward
  '2026-10-25T01:00:00Z', // Europe falls back
  '2026-11-01T06:00:00Z', // New York falls back
].map((iso) => Date.parse(iso));

const PEOPLE = ['ann', 'ben', 'cy', 'dee'];
const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const restriction: fc.Arbitrary<Restriction> = fc.record({
  weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
  from: hhmm,
  to: hhmm,
});
const layerArb = (name: string): fc.Arbitrary<LayerConfig> =>
  fc.record({
    name: fc.constant(name),
    participants: fc.subarray(PEOPLE, { minLength: 0, maxLength: 4 }),
    rotation: fc.oneof(
      fc.constant({ kind: 'daily' as const }),
      fc.constant({ kind: 'weekly' as const }),
      fc.integer({ min: 30, max: 3 * 24 * 60 }).map((minutes) => ({ kind: 'every' as const, ms: minutes * MINUTE })),
    ),
    handoffTime: hhmm,
    handoffWeekday: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
    start: fc.date({ min: new Date('2025-12-01T00:00:00Z'), max: new Date('2026-11-30T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    restrictions: fc.array(restriction, { maxLength: 2 }),
  });
const scheduleArb: fc.Arbitrary<ScheduleConfig> = fc
  .tuple(fc.constantFrom(...ZONES), fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => layerArb(`layer${i}`)))))
  .map(([timeZone, layers]) => ({ key: 's', name: 's', timeZone, layers }));
const instantArb = fc.oneof(
  fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -48 * 3600, max: 48 * 3600 })).map(([anchor, seconds]) => anchor + seconds * 1000),
  fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
);
const overridesArb = (at: number): fc.Arbitrary<ScheduleOverride[]> =>
  fc.array(
    fc.record({
      scheduleKey: fc.constantFrom('s', 'other'),
      personKey: fc.constantFrom(...PEOPLE),
      startMinute: fc.integer({ min: -24 * 60, max: 36 * 60 }),
      minutes: fc.integer({ min: 1, max: 48 * 60 }),
      created: fc.integer({ min: 0, max: 1_000_000 }),
    }).map(({ scheduleKey, personKey, startMinute, minutes, created }) => {
      const start = Math.floor(at / MINUTE) * MINUTE + startMinute * MINUTE;
      return { scheduleKey, personKey, startsAt: new Date(start), endsAt: new Date(start + minutes * MINUTE), createdAt: new Date(created) };
    }),
    { maxLength: 3 },
  );
const caseArb = fc.tuple(scheduleArb, instantArb).chain(([schedule, at]) => fc.tuple(fc.constant(schedule), fc.constant(at), overridesArb(at)));

const key = (s: ScheduleConfig, overrides: ScheduleOverride[], t: number) => {
  const who = whoIsOnCall(s, overrides, new Date(t));
  return `${who?.personKey}/${who?.via}`;
};

/** Every whole minute after `at` (to `at` + SCAN_MS) at which the answer differs from the minute before. */
function bruteForceChanges(s: ScheduleConfig, overrides: ScheduleOverride[], at: number): number[] {
  const changes: number[] = [];
  let previous = key(s, overrides, at);
  for (let t = Math.floor(at / MINUTE) * MINUTE + MINUTE; t < at + SCAN_MS; t += MINUTE) {
    const current = key(s, overrides, t);
    if (current !== previous) changes.push(t);
    previous = current;
  }
  return changes;
}

describe('shift boundaries, computed exactly', () => {
  it('nextChange is the first instant whoIsOnCall changes, and shiftsBetween has exactly its changes as boundaries (random schedules, zones, DST)', () => {
    fc.assert(
      fc.property(caseArb, ([schedule, at, overrides]) => {
        const changes = bruteForceChanges(schedule, overrides, at);
        const limit = new Date(Math.floor((at + SCAN_MS) / MINUTE) * MINUTE);
        expect(nextChange(schedule, overrides, new Date(at), limit)?.getTime()).toBe(changes.find((t) => t < limit.getTime()));
        const shifts = shiftsBetween(schedule, overrides, new Date(at), limit);
        expect(shifts.slice(1).map((shift) => shift.start.getTime())).toEqual(changes.filter((t) => t < limit.getTime()));
        expect(shifts[0]!.start.getTime()).toBe(at);
        expect(shifts.at(-1)!.end.getTime()).toBe(limit.getTime());
        for (const [i, shift] of shifts.entries()) {
          if (i > 0) expect(shift.start).toEqual(shifts[i - 1]!.end);
          expect(`${shift.personKey}/${shift.via}`).toBe(key(schedule, overrides, shift.start.getTime()));
          expect(`${shift.personKey}/${shift.via}`).toBe(key(schedule, overrides, shift.end.getTime() - 1));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('onCallNow says until when exactly: the first instant someone else is on call', () => {
    fc.assert(
      fc.property(caseArb, ([schedule, at, overrides]) => {
        const now = onCallNow(schedule, overrides, new Date(at));
        const person = whoIsOnCall(schedule, overrides, new Date(at))?.personKey;
        const handover = bruteForceChanges(schedule, overrides, at).find((t) => whoIsOnCall(schedule, overrides, new Date(t))?.personKey !== person);
        if (handover === undefined) expect(now.until === undefined || now.until.getTime() >= at + SCAN_MS).toBe(true);
        else {
          expect(now.until?.getTime()).toBe(handover);
          expect(now.next).toBe(whoIsOnCall(schedule, overrides, new Date(handover))?.personKey);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the shipped follow-the-sun schedule at 08:29 Berlin: Europe until 19:00 Berlin exactly, the handoff `oncall shifts` shows', () => {
    const schedule = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config.schedules['platform-follow-the-sun']!;
    const at = new Date('2026-12-03T07:29:00Z');
    const now = onCallNow(schedule, [], at);
    expect(now).toMatchObject({ via: 'europe', until: new Date('2026-12-03T18:00:00Z') });
    const shifts = shiftsBetween(schedule, [], new Date('2026-12-03T00:00:00Z'), new Date('2026-12-04T00:00:00Z'));
    expect(shifts.map((s) => s.start.toISOString())).toContain(now.until!.toISOString());
  });

  it('an override from chat ends or starts a stretch exactly, to the second', () => {
    const schedule = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config.schedules['payments-weekly']!;
    const at = new Date('2026-12-03T07:29:00Z');
    const override = { scheduleKey: 'payments-weekly', personKey: 'alice', startsAt: new Date('2026-12-03T10:17:23Z'), endsAt: new Date('2026-12-03T12:00:05Z'), createdAt: at };
    expect(onCallNow(schedule, [override], at)).toMatchObject({ until: override.startsAt, next: 'alice' });
    expect(onCallNow(schedule, [override], new Date('2026-12-03T11:00:00Z'))).toMatchObject({ personKey: 'alice', via: 'override', until: override.endsAt });
  });

  it('a restriction window is open from its start to its end as wall-clock times, once, even across the fall-back hour', () => {
    // Berlin falls back at 03:00 CEST (01:00Z) on 25 October 2026: 02:00-03:00 happens twice.
    const night: LayerConfig = {
      name: 'night',
      participants: ['ann'],
      rotation: { kind: 'daily' },
      handoffTime: '22:00',
      start: '2026-10-01',
      restrictions: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '02:30' }],
    };
    const schedule: ScheduleConfig = { key: 's', name: 's', timeZone: 'Europe/Berlin', layers: [night] };
    const who = (iso: string) => whoIsOnCall(schedule, [], new Date(iso))?.personKey;
    expect(who('2026-10-25T00:29:00Z')).toBe('ann'); // 02:29 CEST
    expect(who('2026-10-25T00:30:00Z')).toBeUndefined(); // 02:30 CEST: the window closes
    expect(who('2026-10-25T01:15:00Z')).toBeUndefined(); // 02:15 CET, the second time round: still closed
    expect(shiftsBetween(schedule, [], new Date('2026-10-24T12:00:00Z'), new Date('2026-10-25T12:00:00Z')).map((s) => [s.personKey ?? null, s.start.toISOString()])).toEqual([
      [null, '2026-10-24T12:00:00.000Z'],
      ['ann', '2026-10-24T20:00:00.000Z'], // 22:00 CEST
      [null, '2026-10-25T00:30:00.000Z'],
    ]);
  });
});
