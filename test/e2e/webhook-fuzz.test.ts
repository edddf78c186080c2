import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invariantViolations } from '../support/database-invariants.js';
import { sharedFixture } from '../support/fixtures.js';
import type { SnsMessage } from '../../src/alerts/sns-message.js';
import { startFakeSns, type FakeSns } from '../support/fake-sns.js';
import { hostileBody, type HostileBody } from '../support/hostile-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

/** Requests per route and database; FUZZ_RUNS=1000 for a long local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const generic = [
  { title: 'Checkout error rate above 5%', severity: 'critical', service: 'checkout', team: 'payments', fingerprint: 'gen-1', labels: { region: 'eu' }, annotations: { runbook: 'https://runbooks.example/x' }, links: [{ href: 'https://grafana.example/d/1', text: 'Dashboard' }], starts_at: '2026-11-24T00:00:00Z' },
  { alerts: [{ title: 'Disk full', status: 'firing', fingerprint: 'gen-2', severity: 2 }, { title: 'Disk full', status: 'resolved', fingerprint: 'gen-2', ends_at: '2026-11-24T01:00:00Z' }] },
];
type Dialect = 'ours' | 'pagerduty' | 'opsgenie';
const ROUTES: Record<string, { samples: unknown[]; dialect: Dialect }> = {
  '/webhooks/alertmanager': { samples: ['firing', 'resolved', 'partial-resolved'].map((name) => sharedFixture(`alertmanager/${name}.json`)), dialect: 'ours' },
  '/webhooks/grafana': { samples: [sharedFixture('grafana/firing.json')], dialect: 'ours' },
  '/webhooks/generic': { samples: generic, dialect: 'ours' },
  '/webhooks/pagerduty': { samples: ['trigger', 'acknowledge', 'resolve'].map((name) => sharedFixture(`pagerduty/${name}.json`)), dialect: 'pagerduty' },
  '/v2/enqueue': { samples: ['trigger', 'acknowledge', 'resolve', 'trigger-documented'].map((name) => sharedFixture(`pagerduty/${name}.json`)), dialect: 'pagerduty' },
  '/v2/change/enqueue': { samples: [sharedFixture('pagerduty/change-event.json')], dialect: 'pagerduty' },
  '/v2/alerts': { samples: [sharedFixture('opsgenie/create-alert.json'), (sharedFixture('opsgenie/alertmanager-0.25-requests.json') as { body: unknown }[])[0]!.body], dialect: 'opsgenie' },
  '/v2/alerts/1/close?identifierType=tiny': { samples: [sharedFixture('opsgenie/close-alert.json')], dialect: 'opsgenie' },
  '/webhooks/datadog': { samples: ['default-payload', 'default-recovered', 'template-triggered', 'template-recovered'].map((name) => sharedFixture(`datadog/${name}.json`)), dialect: 'ours' },
  // Signed by the SNS stand-in before the runs start; a mutation breaks the signature (403) or the shape (422).
  '/webhooks/cloudwatch': { samples: [], dialect: 'ours' },
};

for (const kind of databaseKinds()) {
  describe(`webhooks under random and mutated payloads [${kind}]`, () => {
    let bot: TestBot;
    let sns: FakeSns;
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    beforeAll(async () => {
      sns = await startFakeSns();
      ROUTES['/webhooks/cloudwatch']!.samples = [sns.sign(sharedFixture('cloudwatch/alarm-notification.json') as SnsMessage)];
      bot = await startTestBot(kind, { SNS_CERT_HOST: sns.host, SNS_CA_FILE: sns.caFile, ...(process.env.FUZZ_LOG ? { LOG_LEVEL: 'error' } : {}) });
    });
    afterAll(async () => {
      await bot?.destroy();
      await sns?.close();
    });

    const send = async (route: string, body: HostileBody) => {
      const response = await fetch(`${bot.url}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, ...(body.contentType ? { 'content-type': body.contentType } : {}) },
        body: body.bytes,
      });
      const text = await response.text();
      return { status: response.status, type: response.headers.get('content-type') ?? '', text };
    };

    for (const [route, { dialect }] of Object.entries(ROUTES)) {
      it(`${route}: never a 5xx, always a JSON answer, a path for every problem`, async () => {
        await fc.assert(
          fc.asyncProperty(hostileBody(ROUTES[route]!.samples), async (body) => {
            const answer = await send(route, body);
            const context = `${body.what} → ${answer.status} ${answer.text.slice(0, 300)}`;
            expect(answer.status, context).toBeLessThan(500);
            expect(answer.type, context).toContain('application/json');
            const json = JSON.parse(answer.text);
            if (answer.status < 400) return;
            expect(typeof json.message, context).toBe('string');
            if (dialect === 'opsgenie') {
              // Opsgenie's shape: message, took, requestId; errors by field for a 422.
              expect(typeof json.requestId, context).toBe('string');
              if (answer.status === 422) for (const problem of Object.values(json.errors)) expect(typeof problem, context).toBe('string');
              return;
            }
            expect(typeof (dialect === 'pagerduty' ? json.status : json.error), context).toBe('string');
            if (json.problems) {
              expect(json.problems.length, context).toBeGreaterThan(0);
              for (const problem of json.problems) expect(typeof problem.path, context).toBe('string');
              if (dialect === 'pagerduty') expect(json.errors.length, context).toBe(json.problems.length);
            } else if (answer.status === 422) {
              expect.fail(`a 422 without problems: ${context}`);
            }
          }),
          { numRuns: RUNS },
        );
      }, 180_000);
    }

    it('still answers afterwards, leaves no half-written incident, and no prototype was touched', async () => {
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      for (const [route, { samples }] of Object.entries(ROUTES)) {
        const answer = await send(route, { what: 'sample', bytes: Buffer.from(JSON.stringify(samples[0])), contentType: 'application/json' });
        expect(answer.status, `${route}: ${answer.text}`).toBeLessThan(300);
      }
      expect(await invariantViolations(bot.database.prisma)).toEqual({});
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
}
