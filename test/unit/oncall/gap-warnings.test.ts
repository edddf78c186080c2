import { describe, expect, it } from 'vitest';
import { gapWarnings } from '../../../src/oncall/gap-warnings.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';

const config = parseOncallYaml(`
people:
  alice: { name: Alice }
  bob: { name: Bob }
teams:
  db: { name: Databases, members: [alice, bob], schedules: [nights] }
schedules:
  nights:
    layers:
      - { participants: [alice], rotation: daily, handoff: "22:00", start: "2026-12-01", restrictions: [{ days: [mon, tue, wed, thu, fri, sat, sun], from: "22:00", to: "06:00" }] }
`);

describe('gap warnings', () => {
  it('names a gap by an edge of its own, so the scan an hour later recognises it', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    const first = gapWarnings(config, [], now, 1);
    const later = gapWarnings(config, [], new Date(now.getTime() + 3_600_000), 1);
    // The gap under way (06:00-22:00) is named by its end, the coming ones by their start.
    expect(first[0]).toMatchObject({ key: 'gap-warning:nights:until 2026-12-07T22:00:00.000Z', candidates: ['alice', 'bob'], teams: ['db'] });
    expect(later[0]!.key).toBe(first[0]!.key);
    expect(first[1]).toMatchObject({ key: 'gap-warning:nights:from 2026-12-08T06:00:00.000Z' });
    // A gap covered by an override is no gap.
    const covered = gapWarnings(config, [{ scheduleKey: 'nights', personKey: 'bob', startsAt: new Date('2026-12-08T06:00:00Z'), endsAt: new Date('2026-12-08T22:00:00Z'), createdAt: now }], now, 1);
    expect(covered.map((w) => w.key)).not.toContain('gap-warning:nights:from 2026-12-08T06:00:00.000Z');
  });
});
