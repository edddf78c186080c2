import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const API_TOKEN = 'api-token-times-0123456789';
// A sender whose clock runs a minute and a half ahead of ours.
const AHEAD_MS = 90_000;

for (const kind of databaseKinds()) {
  describe(`times that cannot be [${kind}]`, () => {
    let bot: TestBot;

    beforeAll(async () => {
      bot = await startTestBot(kind, { API_TOKEN, REPORT_TIMEZONE: 'UTC' });
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    const post = (path: string, body: unknown) =>
      fetch(`${bot.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const api = (path: string) => fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const problems = async (response: Response) => ((await response.json()) as { problems: { path: string; message: string }[] }).problems;

    it('an alert that ends a day before it starts is refused with 422 naming the field, and nothing is stored', async () => {
      const alertmanager = sharedFixture('alertmanager/resolved.json') as { alerts: { startsAt: string; endsAt: string }[] };
      alertmanager.alerts[1]!.endsAt = '2026-11-23T00:42:51Z'; // startsAt 2026-11-24T00:42:51Z
      const refused = await post('/webhooks/alertmanager', alertmanager);
      expect(refused.status).toBe(422);
      expect(await problems(refused)).toEqual([{ path: 'alerts[1].endsAt', message: expect.stringContaining('must not be before startsAt (2026-11-24T00:42:51Z)') }]);

      const grafana = sharedFixture('grafana/firing.json') as { alerts: { status: string; endsAt: string }[] };
      Object.assign(grafana.alerts[0]!, { status: 'resolved', endsAt: '2026-10-11T09:51:03Z' });
      const grafanaRefused = await post('/webhooks/grafana', grafana);
      expect(grafanaRefused.status).toBe(422);
      expect((await problems(grafanaRefused)).map((p) => p.path)).toEqual(['alerts[0].endsAt']);

      const generic = await post('/webhooks/generic', { title: 'Backups late', status: 'resolved', starts_at: '2026-11-24T10:00:00Z', ends_at: '2026-11-23T10:00:00Z' });
      expect(generic.status).toBe(422);
      expect((await problems(generic)).map((p) => p.path)).toEqual(['ends_at']);

      expect(await bot.database.prisma.alert.count()).toBe(0);
      expect(await bot.database.prisma.incident.count()).toBe(0);
    });

    it('an alert from a sender whose clock runs ahead opens its incident when received, not "in the future": acknowledged and resolved at once, 0 s in the report and the postmortem, never negative', async () => {
      // The incident must open in this report week; at most once a week, wait out its last seconds.
      const now = Date.now();
      const weekEnd = DateTime.fromMillis(now, { zone: 'UTC' }).endOf('week').toMillis();
      if (weekEnd - now < 2 * AHEAD_MS) await new Promise((resolve) => setTimeout(resolve, weekEnd - now + 1_000));

      const event = (dedupKey: string, action: string) =>
        post('/v2/enqueue', {
          routing_key: bot.webhookToken,
          event_action: action,
          dedup_key: dedupKey,
          ...(action === 'trigger' ? { payload: { summary: `Queue depth above 10k (${dedupKey})`, source: 'mq-1', severity: 'critical', timestamp: new Date(Date.now() + AHEAD_MS).toISOString() } } : {}),
        });
      for (const [dedupKey, action] of [['acked', 'trigger'], ['acked', 'acknowledge'], ['resolved', 'trigger'], ['resolved', 'resolve']] as const) {
        const sent = await event(dedupKey, action);
        expect(sent.status, await sent.clone().text()).toBe(202);
      }
      const acked = await bot.database.prisma.incident.findFirstOrThrow({ where: { title: { contains: '(acked)' } } });
      const resolved = await bot.database.prisma.incident.findFirstOrThrow({ where: { title: { contains: '(resolved)' } } });
      // Opened when received: the sender's start, ahead of our clock, stays on the alert.
      expect(acked.openedAt.getTime()).toBeLessThanOrEqual(Date.now());
      expect(acked.acknowledgedAt!.getTime()).toBeGreaterThanOrEqual(acked.openedAt.getTime());
      expect(resolved.status).toBe('resolved');
      expect(resolved.resolvedAt!.getTime()).toBeGreaterThanOrEqual(resolved.openedAt.getTime());
      const alert = await bot.database.prisma.alert.findFirstOrThrow({ where: { fingerprint: 'acked' } });
      expect(alert.startsAt.getTime()).toBeGreaterThan(acked.openedAt.getTime());

      const report = await readJson(api('/api/reports/weekly?weeks=1'));
      const week = report.rows.find((r: { group: string; count: number }) => r.group === 'all' && r.count === 2);
      // The few milliseconds the requests took apart, never the hour the sender's clock is ahead.
      for (const figure of [week.mtta, week.mttr]) {
        expect(figure.n).toBe(1);
        expect(figure.mean).toBeGreaterThanOrEqual(0);
        expect(figure.mean).toBeLessThan(60);
      }
      expect(report.longest).toEqual([expect.objectContaining({ number: resolved.id, seconds: expect.any(Number) })]);
      expect(report.longest[0].seconds).toBeLessThan(60);
      const csv = await (await api('/api/reports/weekly?weeks=1&format=csv')).text();
      expect(csv).not.toMatch(/,-\d/);

      const ackedPostmortem = await (await api(`/api/incidents/${acked.id}/postmortem.md`)).text();
      expect(ackedPostmortem).toContain('| Time to acknowledge | 0s |');
      const resolvedPostmortem = await (await api(`/api/incidents/${resolved.id}/postmortem.md`)).text();
      expect(resolvedPostmortem).toContain('| Time to resolve | 0s |');
      for (const markdown of [ackedPostmortem, resolvedPostmortem]) expect(markdown).not.toMatch(/\| -\d/);
    });
  });
}
