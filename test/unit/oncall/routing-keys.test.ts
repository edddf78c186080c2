import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskRoutingKey, routingKeyHash, weakRoutingKeyReason } from '../../../src/alerts/routing-key.js';
import { OncallFileError, parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { projectRoot } from '../../../src/project-root.js';

const STRONG = 'f3a9c2d17b604e58a1c9e0b2d4f6a8c1';

function problemsOf(yaml: string): string[] {
  try {
    parseOncallYaml(yaml, 'oncall.yaml');
  } catch (error) {
    if (error instanceof OncallFileError) return error.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('PagerDuty routing keys in oncall.yaml', () => {
  it('ships no routing key at all, only a commented example', () => {
    const shipped = readFileSync(join(projectRoot(), 'oncall.yaml'), 'utf8');
    expect(parseOncallYaml(shipped).routingKeys).toEqual({});
    expect(shipped).not.toMatch(/^pagerduty_routing_keys:/m);
    expect(shipped).toMatch(/^# pagerduty_routing_keys:/m);
  });

  it('refuses keys shorter than 20 characters and documented example keys, naming the line and the masked key', () => {
    const yaml = [
      'pagerduty_routing_keys:',
      '  R0123456789abcdef0123456789abcdef: default',
      '  e93facc04764012d7bfb002500d5d1a6: default',
      '  SAMPLEKEYHERE: default',
      '  abcdefghij0123456789: default',
      '  abcdefghij012345678: default',
      `  ${STRONG}: default`,
    ].join('\n');
    const found = problemsOf(yaml);
    expect(found).toEqual([
      'oncall.yaml:2:38 pagerduty_routing_keys.R012…: this routing key is an example key from documentation, which anyone can send: generate your own (PagerDuty integration key, or `openssl rand -hex 16`)',
      expect.stringMatching(/^oncall\.yaml:3:37 pagerduty_routing_keys\.e93f…: this routing key is an example key from documentation/),
      expect.stringMatching(/^oncall\.yaml:4:18 pagerduty_routing_keys\.SAMP…: this routing key is an example key from documentation/),
      'oncall.yaml:6:24 pagerduty_routing_keys.abcd…: this routing key is 19 characters long; a routing key is a credential and needs at least 20 (PagerDuty\'s have 32)',
    ]);
    // No problem ever shows a key whole.
    for (const key of ['R0123456789abcdef0123456789abcdef', 'e93facc04764012d7bfb002500d5d1a6', 'abcdefghij012345678']) {
      expect(found.join('\n')).not.toContain(key);
    }
  });

  it('masks the key in every other problem about it too', () => {
    const found = problemsOf(`pagerduty_routing_keys:\n  ${STRONG}: no-such-route\n  ${STRONG.replace('f3', 'e4')}: "not a route id!"\n`);
    expect(found).toEqual([
      'oncall.yaml:2:37 pagerduty_routing_keys.f3a9…: no route "no-such-route"',
      expect.stringMatching(/^oncall\.yaml:3:\d+ pagerduty_routing_keys\.e4a9…: keys are letters/),
    ]);
    expect(problemsOf(`pagerduty_routing_keys:\n  ${STRONG}: no-such-route\n`)).toEqual([`oncall.yaml:2:37 pagerduty_routing_keys.f3a9…: no route "no-such-route"`]);
  });

  it('keeps a strong key usable', () => {
    expect(parseOncallYaml(`pagerduty_routing_keys:\n  ${STRONG}: default\n`).routingKeys[STRONG]).toBe('default');
    expect(weakRoutingKeyReason(STRONG)).toBeUndefined();
  });

  it('shows four characters of a key and stores only its hash', () => {
    expect(maskRoutingKey(STRONG)).toBe('f3a9…');
    expect(routingKeyHash(STRONG)).toMatch(/^[0-9a-f]{64}$/);
    expect(routingKeyHash(STRONG)).not.toContain(STRONG);
  });
});
