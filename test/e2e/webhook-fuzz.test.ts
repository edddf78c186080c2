import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invariantViolations } from '../support/database-invariants.js';
import { sharedFixture } from '../support/fixtures.js';
import { hostileBody, type HostileBody } from '../support/hostile-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

/** Requests per route and database; FUZZ_RUNS=1000 for a long local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const generic = [
  { title: 'Checkout error rate above 5%', severity: 'critical', service: 'checkout', team: 'payments', fingerprint: 'gen-1', labels: { region: 'eu' }, annotations: { runbook: 'https://runbooks.example/x' }, links: [{ href: 'https://grafana.example/d/1', text: 'Dashboard' }], starts_at: '2026-11-24T00:00:00Z' },
  { alerts: [{ title: 'Disk full', status: 'firing', fingerprint: 'gen-2', severity: 2 }, { title: 'Disk full', status: 'resolved', fingerprint: 'gen-2', ends_at: '2026-11-24T01:00:00Z' }] },
];
const ROUTES: Record<string, { samples: unknown[]; dialect: 'ours' | 'pagerduty' }> = {
  '/webhooks/alertmanager': { samples: ['firing', 'resolved', 'partial-resolved'].map((name) => sharedFixture(`alertmanager/${name}.json`)), dialect: 'ours' },
  '/webhooks/grafana': { samples: [sharedFixture('grafana/firing.json')], dialect: 'ours' },
  '/webhooks/generic': { samples: generic, dialect: 'ours' },
  '/webhooks/pagerduty': { samples: ['trigger', 'acknowledge', 'resolve'].map((name) => sharedFixture(`pagerduty/${name}.json`)), dialect: 'pagerduty' },
  '/v2/enqueue': { samples: ['trigger', 'acknowledge', 'resolve'].map((name) => sharedFixture(`pagerduty/${name}.json`)), dialect: 'pagerduty' },
};

for (const kind of databaseKinds()) {
  describe(`webhooks under random and mutated payloads [${kind}]`, () => {
    let bot: TestBot;
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    beforeAll(async () => {
      bot = await startTestBot(kind, process.env.FUZZ_LOG ? { LOG_LEVEL: 'error' } : {});
    });
    afterAll(async () => {
      await bot?.destroy();
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

    for (const [route, { samples, dialect }] of Object.entries(ROUTES)) {
      it(`${route}: never a 5xx, always a JSON answer, a path for every problem`, async () => {
        await fc.assert(
          fc.asyncProperty(hostileBody(samples), async (body) => {
            const answer = await send(route, body);
            const context = `${body.what} → ${answer.status} ${answer.text.slice(0, 300)}`;
            expect(answer.status, context).toBeLessThan(500);
            expect(answer.type, context).toContain('application/json');
            const json = JSON.parse(answer.text);
            if (answer.status < 400) return;
            expect(typeof json.message, context).toBe('string');
            expect(typeof (dialect === 'pagerduty' ? json.status : json.error), context).toBe('string');
            if (answer.status === 422) {
              expect(json.problems.length, context).toBeGreaterThan(0);
              for (const problem of json.problems) expect(typeof problem.path, context).toBe('string');
              if (dialect === 'pagerduty') expect(json.errors.length, context).toBe(json.problems.length);
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
