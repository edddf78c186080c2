import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

for (const kind of databaseKinds()) {
  describe(`Datadog webhooks [${kind}]`, () => {
    let bot: TestBot;
    beforeAll(async () => {
      bot = await startTestBot(kind);
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    /** Datadog's webhook integration with the custom header {"Authorization": "Bearer <token>"}. */
    const post = (body: unknown, token = bot.webhookToken) =>
      fetch(`${bot.url}/webhooks/datadog`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const incidentOf = async (response: Response) => {
      const answer = await readJson(response);
      return { outcome: answer.alerts[0].outcome as string, incident: answer.alerts[0].incident as string | undefined };
    };

    it("opens and resolves from Datadog's default payload, by the title without its transition", async () => {
      const fired = await incidentOf(await post(sharedFixture('datadog/default-payload.json')));
      expect(fired.outcome).toBe('created');
      const recovered = await incidentOf(await post(sharedFixture('datadog/default-recovered.json')));
      expect(recovered).toEqual({ outcome: 'resolved', incident: fired.incident });
      const alert = await bot.database.prisma.alert.findFirstOrThrow({ where: { source: 'datadog', fingerprint: 'title:CPU usage high on host:web-1' }, include: { incident: true } });
      expect(alert.labels).toMatchObject({ scope: 'host:web-1' });
      expect(alert.incident!.status).toBe('resolved');
      // Datadog's %%% markers are gone; its @-handles stay text.
      expect(alert.description).toMatch(/^CPU usage is back under 90% on web-1\.$/);
    });

    it("reads the README's template: monitor and scope are the identity, $TAGS the labels, $ALERT_PRIORITY the severity", async () => {
      const fired = await incidentOf(await post(sharedFixture('datadog/template-triggered.json')));
      expect(fired.outcome).toBe('created');
      const alert = await bot.database.prisma.alert.findFirstOrThrow({ where: { source: 'datadog', fingerprint: 'monitor:87654321:host:web-1' }, include: { incident: true } });
      expect(alert).toMatchObject({ title: 'CPU usage high', sourceSeverity: 'P2', incident: { severity: 2, service: 'checkout' } });
      expect(alert.labels).toMatchObject({ env: 'prod', service: 'checkout', team: 'payments', host: 'web-1', tags: 'monitor', monitor_id: '87654321' });
      expect(alert.links).toMatchObject({ 'Datadog event': expect.stringContaining('app.datadoghq.com/event'), graph: expect.stringContaining('snapshot') });
      const recovered = await incidentOf(await post(sharedFixture('datadog/template-recovered.json')));
      expect(recovered).toEqual({ outcome: 'resolved', incident: fired.incident });
    });

    it('refuses a payload without a title, and a wrong token before reading the body', async () => {
      const untitled = await post({ body: 'no title', event_type: 'query_alert_monitor' });
      expect(untitled.status).toBe(422);
      expect((await readJson(untitled)).problems).toEqual([{ path: 'title', message: expect.stringContaining('$EVENT_TITLE') }]);
      // Datadog leaves a variable as written when the event has none: such a title is no title.
      expect((await post({ title: '$EVENT_TITLE' })).status).toBe(422);
      expect((await post(sharedFixture('datadog/default-payload.json'), 'wrong-token-wrong-token')).status).toBe(401);
    });
  });
}
