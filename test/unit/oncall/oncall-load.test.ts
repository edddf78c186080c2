import { describe, expect, it } from 'vitest';
import { onCallLoad } from '../../../src/oncall/oncall-load.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';

const config = parseOncallYaml(`
people:
  alice: { name: Alice, timezone: Europe/Berlin }
  bob: { name: Bob, timezone: America/New_York }
schedules:
  primary:
    timezone: UTC
    layers:
      - { participants: [bob, alice], rotation: daily, handoff: "20:00", start: "2026-10-23" }
  shadow:
    timezone: UTC
    layers:
      - { participants: [alice], rotation: daily, handoff: "20:00", start: "2026-10-23", restrictions: [{ days: [sat], from: "21:00", to: "23:00" }] }
`);

describe('on-call load', () => {
  it("counts hours, night hours and weekend hours in each person's own zone, across the DST change, and two schedules at once once", () => {
    // Bob: Fri 23 Oct 20:00Z to Sat 24 Oct 20:00Z; Alice: Sat 24 Oct 20:00Z to Sun 25 Oct 20:00Z (Berlin leaves summer time at 01:00Z).
    const from = new Date('2026-10-23T20:00:00Z');
    const to = new Date('2026-10-25T20:00:00Z');
    const pages = [
      { person: 'alice', at: new Date('2026-10-25T01:30:00Z') }, // 02:30 in Berlin: at night
      { person: 'alice', at: new Date('2026-10-25T12:00:00Z') },
      { person: 'bob', at: new Date('2026-10-24T03:00:00Z') }, // 23:00 in New York: at night
    ];
    const loads = onCallLoad(config, [], from, to, pages);
    const alice = loads.find((load) => load.person === 'alice')!;
    const bob = loads.find((load) => load.person === 'bob')!;
    // The shadow's Saturday 21:00-23:00Z lies inside Alice's primary shift: counted once.
    expect(alice).toMatchObject({ hours: 24, weekendHours: 24, pages: 2, nightPages: 1 });
    // Saturday 22:00 CEST to Sunday 07:00 CET is ten hours: the hour from 03:00 back to 02:00 is lived twice.
    expect(alice.nightHours).toBe(10);
    // New York (EDT): Friday 16:00 to Saturday 16:00; night Friday 22:00 to Saturday 07:00.
    expect(bob).toMatchObject({ hours: 24, nightHours: 9, weekendHours: 16, pages: 1, nightPages: 1 });
  });
});
