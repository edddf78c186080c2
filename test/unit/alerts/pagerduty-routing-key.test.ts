import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalizePagerDuty } from '../../../src/alerts/pagerduty.js';
import { sharedFixture } from '../../support/fixtures.js';

const KEY = 'a7c1e09f3b5d4e2a8c6f0b1d3e5a7c9f';
const now = new Date('2026-11-23T10:00:00Z');

describe('PagerDuty routing key in a normalized event', () => {
  it('keeps only the first 4 characters of the key in the stored payload, for every event action', () => {
    for (const name of ['trigger', 'acknowledge', 'resolve']) {
      const body = { ...(sharedFixture(`pagerduty/${name}.json`) as object), routing_key: KEY };
      const batch = normalizePagerDuty(body, now);
      expect((batch.raw as { routing_key: string }).routing_key, name).toBe('a7c1…');
      expect(JSON.stringify(batch.raw), name).not.toContain(KEY);
      // Everything else in the payload is kept as received, and the request body is not changed.
      expect({ ...(batch.raw as object), routing_key: KEY }, name).toEqual(body);
      expect(body.routing_key).toBe(KEY);
    }
  });

  it('gives the alert the key for routing and its SHA-256 to store', () => {
    const [alert] = normalizePagerDuty({ ...(sharedFixture('pagerduty/trigger.json') as object), routing_key: KEY }, now).alerts;
    expect(alert!.routingKey).toBe(KEY);
    expect(alert!.routingKeyHash).toBe(createHash('sha256').update(KEY).digest('hex'));
  });
});
