import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { alertmanagerInstalled, startRealAlertmanager, type RealAlertmanager } from '../support/real-alertmanager.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const installed = alertmanagerInstalled();
const OPSGENIE_KEY = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const ROUTING_KEY = 'd3b07384d113edec49eaa6238ad5ff00';

/**
 * Alertmanager's own Opsgenie and PagerDuty receivers, pointed at the bot by changing one URL:
 * the way a team moves off either without touching its alerting rules.
 */
const receivers = {
  opsgenie: (url: string) => [
    'opsgenie_configs:',
    `  - api_url: ${url}/`,
    `    api_key: ${OPSGENIE_KEY}`,
    '    update_alerts: true',
    `    priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}'`,
    "    tags: '{{ .CommonLabels.service }}'",
  ],
  // Alertmanager's default PagerDuty severity is "error" whatever the alert says.
  pagerduty: (url: string) => ['pagerduty_configs:', `  - routing_key: ${ROUTING_KEY}`, `    url: ${url}/v2/enqueue`, "    severity: '{{ .CommonLabels.severity }}'"],
};

for (const [receiver, lines] of Object.entries(receivers)) {
  describe.skipIf(!installed)(`a real Alertmanager's ${receiver}_configs pointed at the bot`, () => {
    let bot: TestBot;
    let alertmanager: RealAlertmanager;
    const dir = mkdtempSync(join(tmpdir(), `alertmanager-${receiver}-`));
    const source = receiver;

    beforeAll(async () => {
      const oncall = join(dir, 'oncall.yaml');
      writeFileSync(
        oncall,
        [
          'teams:',
          '  payments: { name: Payments, services: [checkout] }',
          'routes:',
          '  - id: from-alertmanager',
          '    team: payments',
          '    match: { labels: { never: matches } }',
          'opsgenie_keys:',
          `  ${OPSGENIE_KEY}: from-alertmanager`,
          'pagerduty_routing_keys:',
          `  ${ROUTING_KEY}: from-alertmanager`,
        ].join('\n'),
      );
      bot = await startTestBot('pglite', { ONCALL_FILE: oncall });
      alertmanager = await startRealAlertmanager({
        dir,
        receiver: lines(bot.url),
        route: ["group_by: ['alertname', 'service']", 'group_wait: 1s', 'group_interval: 1s', 'repeat_interval: 1h'],
      });
    });
    afterAll(async () => {
      await alertmanager?.stop();
      await bot?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    const alerts = () => bot.database.prisma.alert.findMany({ where: { source }, include: { incident: { include: { team: true } } } });

    it('opens one incident per group on the route of its key, dedups the repeats, and resolves it when Alertmanager does', async () => {
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      const alert = (instance: string, endsAt?: string) => ({
        labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical', instance },
        annotations: { summary: 'checkout 5xx above 5%' },
        startsAt,
        ...(endsAt ? { endsAt } : {}),
      });
      expect((await alertmanager.post([alert('checkout-1:8080')])).status, alertmanager.log()).toBe(200);
      const [opened] = await eventually(`the ${receiver} alert`, async () => ((await alerts()).length === 1 ? alerts() : undefined), 20_000, 200);
      expect(opened!.incident).toMatchObject({ status: 'triggered', severity: 1, routeId: 'from-alertmanager', team: { key: 'payments' } });
      expect(opened!.title).toContain('HighErrorRate');

      // A second alert of the group: Alertmanager sends the group again under the same alias / dedup_key.
      expect((await alertmanager.post([alert('checkout-1:8080'), alert('checkout-2:8080')])).status).toBe(200);
      await eventually('the group notification to be received again', async () => ((await alerts())[0]!.receivedCount >= 2 ? true : undefined), 20_000, 200);
      expect(await bot.database.prisma.incident.count()).toBe(1);

      const endsAt = new Date().toISOString();
      expect((await alertmanager.post([alert('checkout-1:8080', endsAt), alert('checkout-2:8080', endsAt)])).status).toBe(200);
      const [resolved] = await eventually('the incident to resolve', async () => ((await alerts())[0]?.incident?.status === 'resolved' ? alerts() : undefined), 20_000, 200);
      expect(resolved!.status).toBe('resolved');
      expect(await bot.database.prisma.incident.count()).toBe(1);
      // Nothing Alertmanager sent was refused: its log has no failed notification.
      expect(alertmanager.log()).not.toMatch(/Notify for alerts failed|notify retry canceled/);
    });
  });
}
