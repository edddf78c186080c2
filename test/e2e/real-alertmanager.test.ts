import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { eventually } from '../support/eventually.js';
import { alertmanagerInstalled, startRealAlertmanager, type RealAlertmanager } from '../support/real-alertmanager.js';

const installed = alertmanagerInstalled();

/** Waits for a probe that may fail while Alertmanager is starting (a refused connection counts as not yet). */
function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return eventually(what, () => probe().catch(() => undefined), timeoutMs, 200);
}

describe.skipIf(!installed)('a real Prometheus Alertmanager pointed at the bot', () => {
  let bot: TestBot;
  let alertmanager: RealAlertmanager;
  let dir: string;

  beforeAll(async () => {
    bot = await startTestBot('pglite', { API_TOKEN: 'api-token-0123456789abcdef' });
    dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
    alertmanager = await startRealAlertmanager({
      dir,
      webhookUrl: `${bot.url}/webhooks/alertmanager`,
      token: bot.webhookToken,
      route: ["group_by: ['alertname', 'service']", 'group_wait: 1s', 'group_interval: 1s', 'repeat_interval: 1h'],
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const postToAlertmanager = async (alerts: unknown[]) => {
    const response = await alertmanager.post(alerts);
    expect(response.status, alertmanager.log()).toBe(200);
  };
  const incidents = async () =>
    (await readJson(await fetch(`${bot.url}/api/incidents?status=all`, { headers: { authorization: 'Bearer api-token-0123456789abcdef' } }))).incidents as {
      number: number;
      status: string;
      alertCount: number;
      severity: string;
    }[];

  it('groups what Alertmanager groups into one incident, and resolves it when Alertmanager says so', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alert = (instance: string, endsAt?: string) => ({
      labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical', instance },
      annotations: { summary: 'checkout 5xx above 5%' },
      generatorURL: 'http://prometheus:9090/graph',
      startsAt,
      ...(endsAt ? { endsAt } : {}),
    });
    await postToAlertmanager([alert('checkout-1:8080'), alert('checkout-2:8080')]);
    const [opened] = await waitFor('the incident', async () => {
      const list = await incidents();
      return list.length === 1 && list[0]!.alertCount === 2 ? list : undefined;
    });
    expect(opened).toMatchObject({ status: 'triggered', severity: 'SEV1' });

    const endsAt = new Date().toISOString();
    await postToAlertmanager([alert('checkout-1:8080', endsAt), alert('checkout-2:8080', endsAt)]);
    const [resolved] = await waitFor('the incident to resolve', async () => {
      const list = await incidents();
      return list[0]?.status === 'resolved' ? list : undefined;
    });
    expect(resolved!.number).toBe(opened!.number);
    expect(await incidents()).toHaveLength(1);
  });
});
