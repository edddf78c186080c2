import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeAlert } from '../../../src/alerts/routing.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { schedulesFor } from '../../../src/oncall/oncall-queries.js';
import { projectRoot } from '../../../src/project-root.js';

const config = parseOncallYaml(readFileSync(join(projectRoot(), 'oncall.yaml'), 'utf8'));

describe('words that are also names of Object methods', () => {
  it('are no team, schedule, person or policy (/oncall valueOf crashed)', () => {
    for (const word of ['valueOf', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(config.teams[word], word).toBeUndefined();
      expect(config.people[word], word).toBeUndefined();
      expect(config.schedules[word], word).toBeUndefined();
      expect(config.escalationPolicies[word], word).toBeUndefined();
      expect(config.routingKeys[word], word).toBeUndefined();
      expect(() => schedulesFor(config, word), word).toThrow(`No team, service or schedule called "${word}"`);
    }
  });

  it('are no severity: an alert of severity "constructor" gets the default, not a function', () => {
    const decision = routeAlert(
      { source: 'generic', fingerprint: 'f', status: 'firing', title: 't', labels: {}, annotations: {}, links: {}, startsAt: new Date(), sourceSeverity: 'constructor' },
      config,
    );
    expect(decision.severity).toBe(3);
    expect(decision.severityReason).toBe('default (unknown severity "constructor")');
  });

  it('may still be real names in oncall.yaml without reaching a prototype', () => {
    const odd = parseOncallYaml('people:\n  constructor:\n    name: Connie Structor\n    slack: U0CONNIE\nseverity_map:\n  toString: 1\n');
    expect(odd.people.constructor?.name).toBe('Connie Structor');
    expect(odd.severityMap.tostring).toBe(1);
    expect(odd.severityMap.constructor).toBeUndefined();
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });
});
