import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

let bot: TestBot;
beforeAll(async () => {
  bot = await startTestBot('pglite');
});
afterAll(async () => {
  await bot?.destroy();
});

it('an alert whose severity is a typo is taken, and the answer says it was taken as SEV3 and which words are known', async () => {
  const post = (severity: string) =>
    readJson(
      fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Checkout down', severity, service: 'checkout', fingerprint: `checkout-${severity}` }),
      }),
    );
  const typo = await post('critcal');
  expect(typo.alerts[0]).toMatchObject({ outcome: 'created', warning: expect.stringMatching(/^severity "critcal" is none the bot knows, so it was taken as SEV3\. Known: critical, /) });
  expect((await bot.database.prisma.incident.findFirstOrThrow({ where: { title: 'Checkout down' } })).severity).toBe(3);
  const known = await post('critical');
  expect(known.alerts[0].outcome).toBe('created');
  expect(known.alerts[0]).not.toHaveProperty('warning');
});
