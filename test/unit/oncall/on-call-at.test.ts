import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shiftsBetween, whoIsOnCall, type ScheduleOverride } from '../../../src/oncall/on-call-at.js';
import type { LayerConfig, ScheduleConfig } from '../../../src/oncall/oncall-config.js';

const layer = (overrides: Partial<LayerConfig>): LayerConfig => ({
  name: 'primary',
  participants: ['ann', 'ben'],
  rotation: { kind: 'weekly' },
  handoffTime: '09:00',
  handoffWeekday: 1,
  start: '2026-03-02',
  restrictions: [],
  ...overrides,
});
const schedule = (timeZone: string, ...layers: LayerConfig[]): ScheduleConfig => ({ key: 's', name: 's', timeZone, layers });
const who = (s: ScheduleConfig, iso: string, overrides: ScheduleOverride[] = []) => whoIsOnCall(s, overrides, new Date(iso))?.personKey;

describe('who is on call', () => {
  it('weekly Monday 09:00 in New York: the handoff stays at 09:00 local across both DST changes', () => {
    const s = schedule('America/New_York', layer({}));
    // Shift 0 starts Mon 2 March 09:00 EST (14:00Z) and ends Mon 9 March 09:00 EDT (13:00Z): 167 hours.
    expect(who(s, '2026-03-02T13:59:59Z')).toBeUndefined();
    expect(who(s, '2026-03-02T14:00:00Z')).toBe('ann');
    expect(who(s, '2026-03-09T12:59:59Z')).toBe('ann');
    expect(who(s, '2026-03-09T13:00:00Z')).toBe('ben');
    // Mon 26 October 09:00 EDT (13:00Z) to Mon 2 November 09:00 EST (14:00Z): 169 hours.
    expect(who(s, '2026-10-26T13:00:00Z')).toBe('ann');
    expect(who(s, '2026-11-02T13:59:59Z')).toBe('ann');
    expect(who(s, '2026-11-02T14:00:00Z')).toBe('ben');
  });

  it('daily 07:00 in Berlin: the shift over the spring change is 23 hours, over the autumn change 25', () => {
    const s = schedule('Europe/Berlin', layer({ rotation: { kind: 'daily' }, handoffTime: '07:00', handoffWeekday: undefined, start: '2026-03-01' }));
    const at = (iso: string) => who(s, iso);
    // 28 March 07:00 CET = 06:00Z; 29 March 07:00 CEST = 05:00Z.
    // 27 days after the start: Ben's shift, 23 hours long, then Ann's.
    expect([at('2026-03-28T05:59:59Z'), at('2026-03-28T06:00:00Z'), at('2026-03-29T04:59:59Z'), at('2026-03-29T05:00:00Z')]).toEqual(['ann', 'ben', 'ben', 'ann']);
    // 24 October 07:00 CEST = 05:00Z; 25 October 07:00 CET = 06:00Z.
    const before = at('2026-10-24T05:00:00Z');
    expect(at('2026-10-25T05:59:59Z')).toBe(before);
    expect(at('2026-10-25T06:00:00Z')).not.toBe(before);
  });

  it('moves a handoff inside the spring-forward gap to the next valid instant', () => {
    // 8 March 2026 in New York: 02:00 jumps to 03:00, so a 02:30 handoff happens at 03:00 EDT (07:00Z).
    const s = schedule('America/New_York', layer({ rotation: { kind: 'daily' }, handoffTime: '02:30', handoffWeekday: undefined, start: '2026-03-01' }));
    const before = who(s, '2026-03-08T06:59:59Z');
    expect(who(s, '2026-03-08T07:00:00Z')).not.toBe(before);
  });

  it('takes the first occurrence of an ambiguous fall-back handoff', () => {
    // 1 November 2026 in New York: 01:30 happens twice; the handoff is the first, 01:30 EDT (05:30Z).
    const s = schedule('America/New_York', layer({ rotation: { kind: 'daily' }, handoffTime: '01:30', handoffWeekday: undefined, start: '2026-10-01' }));
    const before = who(s, '2026-11-01T05:29:59Z');
    expect(who(s, '2026-11-01T05:30:00Z')).not.toBe(before);
    expect(who(s, '2026-11-01T06:30:00Z')).toBe(who(s, '2026-11-01T05:30:00Z'));
  });

  it('follows the sun: a higher layer with a 07:00-19:00 window wins inside it, the lower layer covers the rest', () => {
    const s = schedule(
      'Europe/Berlin',
      layer({ name: 'america', participants: ['dana'], rotation: { kind: 'weekly' }, handoffTime: '19:00' }),
      layer({ name: 'europe', participants: ['alice'], rotation: { kind: 'daily' }, handoffTime: '07:00', restrictions: [{ weekdays: [1, 2, 3, 4, 5, 6, 7], from: '07:00', to: '19:00' }] }),
    );
    expect(whoIsOnCall(s, [], new Date('2026-06-10T08:00:00Z'))).toEqual({ personKey: 'alice', via: 'europe' }); // 10:00 Berlin
    expect(whoIsOnCall(s, [], new Date('2026-06-10T20:00:00Z'))).toEqual({ personKey: 'dana', via: 'america' }); // 22:00 Berlin
    expect(who(s, '2026-06-10T16:59:59Z')).toBe('alice'); // 18:59:59
    expect(who(s, '2026-06-10T17:00:00Z')).toBe('dana'); // 19:00: the window's end belongs to the next
  });

  it('lets overrides cover part of a shift, the most recent one winning where they overlap', () => {
    const s = schedule('UTC', layer({ handoffWeekday: 1 }));
    const overrides: ScheduleOverride[] = [
      { scheduleKey: 's', personKey: 'xena', startsAt: new Date('2026-03-10T10:00:00Z'), endsAt: new Date('2026-03-10T14:00:00Z'), createdAt: new Date(1) },
      { scheduleKey: 's', personKey: 'yuri', startsAt: new Date('2026-03-10T12:00:00Z'), endsAt: new Date('2026-03-10T13:00:00Z'), createdAt: new Date(2) },
      { scheduleKey: 'other', personKey: 'zed', startsAt: new Date('2026-03-10T00:00:00Z'), endsAt: new Date('2026-03-11T00:00:00Z'), createdAt: new Date(3) },
    ];
    expect(['09:00', '10:00', '12:30', '13:00', '14:00'].map((t) => who(s, `2026-03-10T${t}:00Z`, overrides))).toEqual(['ben', 'xena', 'yuri', 'xena', 'ben']);
  });

  it('has a gap where no layer has anyone, and an empty layer never wins', () => {
    const s = schedule('UTC', layer({ participants: [] }), layer({ name: 'day', participants: ['ann'], restrictions: [{ weekdays: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' }] }));
    expect(who(s, '2026-03-10T10:00:00Z')).toBe('ann');
    expect(who(s, '2026-03-10T20:00:00Z')).toBeUndefined();
    expect(who(s, '2026-03-14T10:00:00Z')).toBeUndefined(); // Saturday
  });

  it('rotates every fixed duration in absolute time', () => {
    const s = schedule('Europe/Berlin', layer({ rotation: { kind: 'every', ms: 12 * 3_600_000 }, handoffTime: '08:00', handoffWeekday: undefined, start: '2026-03-28' }));
    expect(who(s, '2026-03-28T07:00:00Z')).toBe('ann'); // 08:00 CET
    expect(who(s, '2026-03-28T19:00:00Z')).toBe('ben');
    expect(who(s, '2026-03-29T07:00:00Z')).toBe('ann'); // 12 h later again, wherever the wall clock is
  });

  it('shifts cover a window without gaps or overlaps and agree with whoIsOnCall', () => {
    const s = schedule('America/New_York', layer({ rotation: { kind: 'daily' }, handoffTime: '09:00', handoffWeekday: undefined, start: '2026-03-01' }));
    const from = new Date('2026-03-07T00:00:00Z');
    const to = new Date('2026-03-10T00:00:00Z');
    const shifts = shiftsBetween(s, [], from, to);
    expect(shifts[0]!.start).toEqual(from);
    expect(shifts.at(-1)!.end).toEqual(to);
    for (let i = 1; i < shifts.length; i++) expect(shifts[i]!.start).toEqual(shifts[i - 1]!.end);
    fc.assert(
      fc.property(fc.integer({ min: from.getTime(), max: to.getTime() - 1 }), (t) => {
        const shift = shifts.find((x) => x.start.getTime() <= t && t < x.end.getTime())!;
        // Boundaries fall on whole quarter hours here, so the stepped shifts are exact.
        return shift.personKey === who(s, new Date(t).toISOString());
      }),
    );
  });
});
