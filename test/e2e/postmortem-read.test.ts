import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const API_TOKEN = 'api-token-postmortem-0123456789';

for (const kind of databaseKinds()) {
  describe(`reading a postmortem changes nothing; generating one records it [${kind}]`, () => {
    let fake: FakeSlack;
    let bot: TestBot;

    beforeAll(async () => {
      fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
      bot = await startTestBot(kind, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, API_TOKEN, REPORT_TIMEZONE: 'UTC' });
    });
    afterAll(async () => {
      await bot?.destroy();
      await fake?.close();
    });

    const api = (path: string) => fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const missingPostmortem = async () => ((await readJson(api('/api/reports/weekly?weeks=1'))).missingPostmortem as { number: number }[]).map((i) => i.number);
    const alert = (status: string) =>
      fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Replica lag above 30 s', service: 'postgres', status }),
      });

    it('GET postmortem.md renders the draft and stores nothing: the incident is still missing its postmortem; /incident postmortem records it', async () => {
      expect((await alert('firing')).status).toBe(200);
      const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0));
      expect((await alert('resolved')).status).toBe(200);
      await eventually('the incident resolved', async () => (await bot.database.prisma.incident.findUnique({ where: { id: 1 } }))?.status === 'resolved');
      expect(await missingPostmortem()).toEqual([1]);

      for (let read = 0; read < 2; read++) {
        const served = await api('/api/incidents/1/postmortem.md');
        expect(served.status).toBe(200);
        expect(await served.text()).toContain('# Postmortem: INC-1 Replica lag above 30 s');
      }
      expect(await bot.database.prisma.postmortem.count()).toBe(0);
      expect(await missingPostmortem()).toEqual([1]);

      const sent = await fake.requestsTo(`${bot.url}/slack/events`).slashCommand({ command: '/incident', text: 'postmortem', channel_id: channel.id, user_id: 'U0ALICE001' });
      const reply = await eventually('the reply', () => fake.state.responses.find((r) => r.url === sent.response_url));
      expect(JSON.stringify(reply.body)).toContain('generated the postmortem draft of INC-1');
      expect(await bot.database.prisma.postmortem.count()).toBe(1);
      expect(await missingPostmortem()).toEqual([]);
    });
  });
}
