import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitByPass } from '../../../src/oncall/escalation-pass.js';
import { loadOncallFile } from '../../../src/oncall/oncall-file.js';
import { previewEscalation } from '../../../src/oncall/oncall-queries.js';
import { projectRoot } from '../../../src/project-root.js';

const shipped = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config;
const HOUR = 3_600_000;

describe('one page per person per pass over an escalation policy', () => {
  it('pages the targets nobody in this pass paged yet, and names the others', () => {
    expect(splitByPass(['emma', 'chen'], ['emma'])).toEqual({ page: ['chen'], alreadyPaged: ['emma'] });
    expect(splitByPass([7, 8], undefined)).toEqual({ page: [7, 8], alreadyPaged: [] });
    expect(splitByPass(['emma'], ['emma'])).toEqual({ page: [], alreadyPaged: ['emma'] });
  });

  it('the preview of a policy that names one person at several levels pages them once per pass, again in each repeat', () => {
    const config = structuredClone(shipped);
    config.escalationPolicies.twice = {
      key: 'twice',
      name: 'twice',
      repeat: 1,
      levels: [
        { targets: [{ kind: 'person', key: 'emma' }], delayMs: 60_000 },
        { targets: [{ kind: 'person', key: 'emma' }, { kind: 'person', key: 'chen' }], delayMs: 60_000 },
      ],
    };
    const steps = previewEscalation(config, 'twice', [], new Date('2026-12-01T02:00:00Z'));
    expect(steps.map(({ round, level, people, alreadyPaged }) => ({ round, level, people, alreadyPaged }))).toEqual([
      { round: 0, level: 1, people: ['emma'], alreadyPaged: undefined },
      { round: 0, level: 2, people: ['chen'], alreadyPaged: ['emma'] },
      { round: 1, level: 1, people: ['emma'], alreadyPaged: undefined },
      { round: 1, level: 2, people: ['chen'], alreadyPaged: ['emma'] },
    ]);
  });

  it('the shipped oncall.yaml pages nobody twice in a pass, at any hour of a three-week rotation', () => {
    const start = new Date('2026-11-23T00:00:00Z').getTime();
    for (const policy of Object.keys(shipped.escalationPolicies)) {
      for (let hour = 0; hour < 21 * 24; hour++) {
        const at = new Date(start + hour * HOUR);
        const steps = previewEscalation(shipped, policy, [], at);
        for (let round = 0; round <= shipped.escalationPolicies[policy]!.repeat; round++) {
          const paged = steps.filter((step) => step.round === round).flatMap((step) => step.people);
          expect(new Set(paged).size, `${policy} at ${at.toISOString()}, pass ${round}: ${paged.join(', ')}`).toBe(paged.length);
        }
      }
    }
  });

  it('the shipped payments policy goes from the person on call to a second person, then to the manager', () => {
    const start = new Date('2026-11-23T00:00:00Z').getTime();
    for (let hour = 0; hour < 21 * 24; hour++) {
      const at = new Date(start + hour * HOUR);
      const steps = previewEscalation(shipped, 'payments', [], at);
      expect(steps.map((step) => step.level)).toEqual([1, 2, 3]);
      const [first, second, third] = steps.map((step) => step.people);
      expect(first, at.toISOString()).toHaveLength(1);
      expect(second, at.toISOString()).toHaveLength(1);
      expect(second).not.toEqual(first);
      expect(third).toEqual(['emma']);
      expect(shipped.people.emma!.roles).toContain('manager');
    }
  });
});
