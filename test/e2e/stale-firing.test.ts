import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const API_TOKEN = 'stale-firing-api-token-0123';

/** An Alertmanager (version 4) notification of one alert. */
function notification(status: 'firing' | 'resolved', startsAt: string, endsAt: string) {
  return {
    version: '4',
    status,
    receiver: 'incident-bot',
    groupKey: '{}:{alertname="CertificateExpiry"}',
    groupLabels: { alertname: 'CertificateExpiry' },
    commonLabels: { alertname: 'CertificateExpiry' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: [
      {
        status,
        labels: { alertname: 'CertificateExpiry', host: 'edge-1', severity: 'warning' },
        annotations: { summary: 'TLS certificate of edge-1 expires in 6 days' },
        startsAt,
        endsAt,
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: 'cert-edge-1',
      },
    ],
  };
}

for (const kind of databaseKinds()) {
  describe(`Alertmanager re-sending the firing of an occurrence that already resolved [${kind}]`, () => {
    let bot: TestBot;
    beforeAll(async () => {
      bot = await startTestBot(kind, { API_TOKEN });
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    const post = async (body: unknown) => {
      const response = await fetch(`${bot.url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.webhookToken}` },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await readJson(response)).alerts[0];
    };
    const incidents = async () =>
      (await readJson(fetch(`${bot.url}/api/incidents?status=all`, { headers: { authorization: `Bearer ${API_TOKEN}` } }))).incidents.map(
        (i: { id: string; status: string }) => `${i.id} ${i.status}`,
      );

    it('answers "stale" and leaves the resolved incident alone; a new occurrence still re-opens it', async () => {
      // Times close to now, so that the resolve falls inside REOPEN_WINDOW (30 minutes).
      const minute = (n: number) => new Date(Date.now() + n * 60_000).toISOString();
      expect(await post(notification('firing', minute(-10), minute(5)))).toMatchObject({ outcome: 'created', incident: 'INC-1' });
      expect(await post(notification('resolved', minute(-10), minute(-1)))).toMatchObject({ outcome: 'resolved', incident: 'INC-1' });
      expect(await incidents()).toEqual(['INC-1 resolved']);

      // repeat_interval, or the HA peer that had not heard of the resolve: the old occurrence's startsAt.
      expect(await post(notification('firing', minute(-10), minute(5)))).toEqual({ fingerprint: 'cert-edge-1', outcome: 'stale', incident: 'INC-1' });
      expect(await incidents()).toEqual(['INC-1 resolved']);

      expect(await post(notification('firing', minute(0), minute(5)))).toMatchObject({ outcome: 'reopened', incident: 'INC-1' });
      expect(await incidents()).toEqual(['INC-1 triggered']);
    });
  });
}
