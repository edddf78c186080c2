import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../support/fixtures.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

// The checkout deploy pipeline's integration key (a PagerDuty service's would look the same).
const CHECKOUT_KEY = 'c4a1e09f3b5d4e2a8c6f0b1d3e5a7c9f';
const API_TOKEN = 'api-token-0123456789abcdef';

for (const kind of databaseKinds()) {
  describe(`PagerDuty change events [${kind}]`, () => {
    let bot: TestBot;
    const dir = mkdtempSync(join(tmpdir(), 'change-events-'));
    beforeAll(async () => {
      const oncall = join(dir, 'oncall.yaml');
      writeFileSync(
        oncall,
        [
          'teams:',
          '  payments: { name: Payments, services: [checkout] }',
          'routes:',
          '  - id: checkout-deploys',
          '    service: checkout',
          '    match: { labels: { service: checkout } }',
          'pagerduty_routing_keys:',
          `  ${CHECKOUT_KEY}: checkout-deploys`,
        ].join('\n'),
      );
      bot = await startTestBot(kind, { ONCALL_FILE: oncall, API_TOKEN, CHANGE_EVENT_WINDOW: '2h' });
    });
    afterAll(async () => {
      await bot?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    const change = (summary: string, at: Date, routingKey = CHECKOUT_KEY) => {
      const body = structuredClone(sharedFixture('pagerduty/change-event.json')) as { routing_key: string; payload: { summary: string; timestamp: string } };
      body.routing_key = routingKey;
      body.payload.summary = summary;
      body.payload.timestamp = at.toISOString();
      return fetch(`${bot.url}/v2/change/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    };
    const postmortem = async (incident: number) =>
      (await fetch(`${bot.url}/api/incidents/${incident}/postmortem.md`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).text();

    it("notes a change on the open incidents of its key's service and lists recent changes under \"What changed\"", async () => {
      const hour = 3_600_000;
      const earlier = await change('Deploy checkout 1.4.0 (three hours ago)', new Date(Date.now() - 3 * hour));
      expect(earlier.status).toBe(202);
      expect(await readJson(earlier)).toEqual({ status: 'success', message: 'Change event processed' });
      expect((await change('Deploy checkout 1.4.1: new payment retry policy', new Date(Date.now() - hour))).status).toBe(202);

      const checkout = await fireGenericAlert(bot, { title: 'Checkout error rate above 5%', service: 'checkout', severity: 'critical' });
      const search = await fireGenericAlert(bot, { title: 'Search latency high', service: 'search' });
      expect((await change('Roll back checkout to 1.4.0', new Date())).status).toBe(202);

      const timeline = await bot.database.prisma.timelineEvent.findMany({ where: { kind: 'change' }, orderBy: { id: 'asc' } });
      expect(timeline.map((e) => [e.incidentId, e.text])).toEqual([[checkout, 'Change: Roll back checkout to 1.4.0 (prod-build-agent-i-0b148d1040d565540)']]);
      expect(search).not.toBe(checkout);

      const markdown = await postmortem(checkout);
      const section = markdown.slice(markdown.indexOf('## What changed'), markdown.indexOf('## Impact'));
      expect(section).toContain('Deploy checkout 1.4.1: new payment retry policy (checkout, prod-build-agent-i-0b148d1040d565540) [View more details in Acme!](https://acme.pagerduty.dev/build/2)');
      expect(section).toContain('Roll back checkout to 1.4.0');
      expect(section).not.toContain('three hours ago');
      // Another service's incident hears of none of it.
      expect(await postmortem(search)).toContain('No change events of this service from 2h before it began');
    });

    it('answers as PagerDuty does: 400 for an unknown routing key or an invalid event, and stores nothing', async () => {
      const before = await bot.database.prisma.changeEvent.count();
      const unknown = await change('Deploy', new Date(), 'f0e1d2c3b4a5968778695a4b3c2d1e0f');
      expect(unknown.status).toBe(400);
      expect(await readJson(unknown)).toMatchObject({ status: 'invalid event', errors: ['Invalid routing key', expect.any(String)] });
      const noSummary = await fetch(`${bot.url}/v2/change/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: CHECKOUT_KEY, payload: { source: 'ci' } }),
      });
      expect(noSummary.status).toBe(400);
      expect(await readJson(noSummary)).toMatchObject({ status: 'invalid event', errors: [expect.stringContaining('payload.summary')] });
      expect(await bot.database.prisma.changeEvent.count()).toBe(before);
    });

    it('takes the webhook token as the key, routing by the service the change names', async () => {
      const response = await fetch(`${bot.url}/v2/change/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: bot.webhookToken, payload: { summary: 'Feature flag new-checkout on', custom_details: { service: 'checkout' } } }),
      });
      expect(response.status).toBe(202);
      const stored = await bot.database.prisma.changeEvent.findFirstOrThrow({ where: { summary: 'Feature flag new-checkout on' } });
      // The webhook token is never stored, not even hashed.
      expect(stored).toMatchObject({ service: 'checkout', teamKey: 'payments', routeId: 'checkout-deploys', routingKeyHash: null });
    });
  });
}
