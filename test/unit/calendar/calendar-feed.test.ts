import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarFeed } from '../../../src/calendar/calendar-feed.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';

const config = parseOncallYaml(`
people:
  alice: { name: Alice, timezone: Europe/Berlin }
  bob: { name: Bob, timezone: America/New_York }
schedules:
  nyc:
    name: New York primary
    timezone: America/New_York
    layers:
      - { participants: [alice, bob], rotation: weekly, handoff: "09:00", handoff_day: monday, start: "2026-10-05" }
  berlin:
    name: Berlin nights
    timezone: Europe/Berlin
    layers:
      - participants: [alice]
        rotation: daily
        handoff: "22:00"
        start: "2026-10-01"
        restrictions: [{ days: [saturday], from: "22:00", to: "06:00" }]
`);

/** Parses as a calendar app does: every VTIMEZONE registered, each event's start and end as instants. */
function read(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  const zones = calendar.getAllSubcomponents('vtimezone').map((zone) => zone.getFirstPropertyValue('tzid'));
  const events = calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return { summary: event.summary, start: event.startDate.toJSDate().toISOString(), end: event.endDate.toJSDate().toISOString(), tzid: event.startDate.zone?.tzid, uid: event.uid };
  });
  return { zones, events };
}

describe('calendar feeds (RFC 5545)', () => {
  const now = new Date('2026-10-20T12:00:00Z');

  it("gives a schedule's shifts with their time zone, handing off at 09:00 New York on both sides of the DST change", () => {
    const { zones, events } = read(calendarFeed(config, { kind: 'schedule', key: 'nyc' }, [], now, 'https://bot.example.com'));
    expect(zones).toContain('America/New_York');
    expect(events.every((e) => e.tzid === 'America/New_York')).toBe(true);
    // The shift under way shows its real start (Monday Oct 19, 09:00 EDT = 13:00Z), not "now".
    expect(events[0]).toMatchObject({ summary: 'On call: Alice', start: '2026-10-19T13:00:00.000Z', end: '2026-10-26T13:00:00.000Z' });
    expect(events[1]).toMatchObject({ summary: 'On call: Bob', start: '2026-10-26T13:00:00.000Z', end: '2026-11-02T14:00:00.000Z' });
    // After November 1 (EST) 09:00 is 14:00Z.
    expect(events[2]).toMatchObject({ summary: 'On call: Alice', start: '2026-11-02T14:00:00.000Z' });
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    // 90 days ahead, no further.
    expect(events.at(-1)!.start < '2027-01-19T00:00:00.000Z').toBe(true);
  });

  it("gives a person their shifts in every schedule, overrides included, and nobody else's", () => {
    // Bob's week (Nov 9-16); Alice covers one day of it.
    const override = { scheduleKey: 'nyc', personKey: 'alice', startsAt: new Date('2026-11-11T14:00:00Z'), endsAt: new Date('2026-11-12T14:00:00Z'), createdAt: now };
    const { zones, events } = read(calendarFeed(config, { kind: 'person', handle: 'alice' }, [override], now, 'https://bot.example.com'));
    expect(zones).toEqual(expect.arrayContaining(['America/New_York', 'Europe/Berlin']));
    expect(events.every((e) => e.summary === 'On call: New York primary' || e.summary === 'On call: Berlin nights')).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ summary: 'On call: New York primary', start: '2026-11-11T14:00:00.000Z', end: '2026-11-12T14:00:00.000Z' }));
    // Saturday nights 22:00-06:00 Berlin: CEST before October 25, CET after.
    expect(events).toContainEqual(expect.objectContaining({ summary: 'On call: Berlin nights', start: '2026-10-24T20:00:00.000Z', end: '2026-10-25T05:00:00.000Z' }));
    expect(events).toContainEqual(expect.objectContaining({ summary: 'On call: Berlin nights', start: '2026-10-31T21:00:00.000Z', end: '2026-11-01T05:00:00.000Z' }));
    const bobs = read(calendarFeed(config, { kind: 'person', handle: 'bob' }, [override], now, 'https://bot.example.com')).events;
    expect(bobs.filter((e) => e.start >= '2026-11-09').slice(0, 2).map((e) => [e.start, e.end])).toEqual([
      ['2026-11-09T14:00:00.000Z', '2026-11-11T14:00:00.000Z'],
      ['2026-11-12T14:00:00.000Z', '2026-11-16T14:00:00.000Z'],
    ]);
  });
});
