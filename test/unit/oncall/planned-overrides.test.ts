import { describe, expect, it } from 'vitest';
import { levelTargetResolver } from '../../../src/oncall/level-target-resolver.js';
import { OncallFileError, parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { onCallNow } from '../../../src/oncall/oncall-queries.js';
import { plannedOverlapping } from '../../../src/oncall/stored-overrides.js';

const base = `
people:
  alice: { name: Alice }
  bob: { name: Bob }
schedules:
  ops:
    timezone: Europe/Berlin
    layers:
      - { participants: [alice], rotation: weekly, handoff: "09:00", handoff_day: monday, start: "2026-11-02" }
escalation_policies:
  ops: { levels: [{ targets: [{ schedule: ops }] }] }
`;

describe('planned leave in oncall.yaml (overrides:)', () => {
  const config = parseOncallYaml(`${base}overrides:\n  - { schedule: ops, person: bob, from: "2026-12-24T09:00:00+01:00", to: "2026-12-27T09:00:00+01:00", reason: Alice on holiday }\n`);

  it('puts the covering person on call for the stretch, and only then', () => {
    const during = new Date('2026-12-25T12:00:00Z');
    const overrides = plannedOverlapping(config, during, new Date(during.getTime() + 86_400_000));
    expect(onCallNow(config.schedules.ops!, overrides, during).personKey).toBe('bob');
    const after = new Date('2026-12-27T08:01:00Z');
    expect(onCallNow(config.schedules.ops!, plannedOverlapping(config, after, new Date(after.getTime() + 1)), after).personKey).toBe('alice');
  });

  it('is paged by escalation while it runs', async () => {
    const resolve = levelTargetResolver(() => config);
    const level = config.escalationPolicies.ops!.levels[0]!;
    expect(await resolve(level, new Date('2026-12-25T12:00:00Z'), undefined as never)).toEqual(['bob']);
    expect(await resolve(level, new Date('2026-12-28T12:00:00Z'), undefined as never)).toEqual(['alice']);
  });

  it('names every mistake with its place', () => {
    const problems = (() => {
      try {
        parseOncallYaml(`${base}overrides:\n  - { schedule: nope, person: carol, from: "2026-12-24T09:00:00+01:00", to: "2026-12-24T08:00:00+01:00" }\n  - { schedule: ops, person: bob, from: "2026-12-24 09:00", to: "2026-12-25T09:00:00Z" }\n`);
      } catch (error) {
        return (error as OncallFileError).problems.map((p) => `${p.path}: ${p.message}`);
      }
      return [];
    })();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^overrides\[0\]\.to: must end after it starts/),
        expect.stringMatching(/^overrides\[0\]\.schedule: no schedule "nope"/),
        expect.stringMatching(/^overrides\[0\]\.person: no person "carol"/),
        expect.stringMatching(/^overrides\[1\]\.from: must be an instant with its offset/),
      ]),
    );
  });
});
