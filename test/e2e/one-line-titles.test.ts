import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const SLACK_TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const DISCORD_TOKEN = 'discord-bot-token-for-tests';
const API_TOKEN = 'api-token-one-line-0123456789';
// What a monitoring tool may send as a title: several lines, one of them a Markdown heading.
const TITLE = 'Disk full on db-1\n# rm -rf /\r\nthird line\u2028fourth\ttab';
const SHOWN = 'Disk full on db-1 # rm -rf / third line fourth tab';

for (const kind of databaseKinds()) {
  describe(`an alert title with line breaks stays on one line wherever one line is all there is [${kind}]`, () => {
    let slackFake: FakeSlack;
    let discordFake: FakeDiscord;
    let bot: TestBot;
    let dir: string;

    beforeAll(async () => {
      slackFake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SECRET });
      discordFake = await startFakeDiscord({ token: DISCORD_TOKEN });
      dir = mkdtempSync(join(tmpdir(), 'one-line-titles-'));
      writeFileSync(
        join(dir, 'oncall.yaml'),
        [
          'people:',
          '  alice: { name: Alice Archer, slack: U0ALICE001 }',
          'escalation_policies:',
          '  first:',
          '    levels:',
          '      - targets: [{ person: alice }]',
          '        delay: 1h',
          'default_route:',
          '  escalation_policy: first',
        ].join('\n'),
      );
      bot = await startTestBot(kind, {
        SLACK_BOT_TOKEN: SLACK_TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slackFake.apiUrl,
        DISCORD_BOT_TOKEN: DISCORD_TOKEN,
        DISCORD_APPLICATION_ID: discordFake.applicationId,
        DISCORD_GUILD_ID: discordFake.guildId,
        DISCORD_API_URL: discordFake.apiUrl,
        ONCALL_FILE: join(dir, 'oncall.yaml'),
        API_TOKEN,
      });
      await discordFake.gateway.waitForSession();
    }, 180_000);
    afterAll(async () => {
      await bot?.destroy();
      await slackFake?.close();
      await discordFake?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the postmortem heading, the channel topic and purpose, the card and the page show it on one line', async () => {
      const response = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: TITLE, service: 'postgres', severity: 'critical' }),
      });
      expect(response.status).toBe(200);

      const postmortem = await (await fetch(`${bot.url}/api/incidents/1/postmortem.md`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).text();
      const lines = postmortem.split('\n');
      expect(lines[0]).toBe(`# Postmortem: INC-1 ${SHOWN}`);
      expect(lines.filter((line) => line.startsWith('# '))).toHaveLength(1);
      expect(postmortem).toContain(`First alert: **${SHOWN}** from generic`);

      const channel = await eventually('the Slack channel', () => slackFake.state.channels.find((c) => c.name.startsWith('inc-1-')));
      await eventually('the Slack topic', () => slackFake.state.channel(channel.id)!.topic.value.startsWith('SEV1 · '));
      expect(slackFake.state.channel(channel.id)!.topic.value).toBe(`SEV1 · triggered · ${SHOWN}`);
      expect(slackFake.state.channel(channel.id)!.purpose.value).toBe(`Incident 1: ${SHOWN}`);
      const card = await eventually('the Slack card', () => slackFake.state.messages(channel.id)[0]);
      expect(card.blocks?.[0]).toMatchObject({ type: 'header', text: { text: `🔴 INC-1: ${SHOWN}` } });

      const discordChannel = await eventually('the Discord channel', () => discordFake.state.channels.find((c) => c.name?.startsWith('inc-1-')));
      // Discord has no purpose: the channel is made with the purpose as its topic, then the sync sets the topic.
      await eventually('the Discord topic', () => discordFake.state.channel(discordChannel.id)?.topic?.startsWith('SEV1 · '));
      expect(discordFake.state.channel(discordChannel.id)!.topic).toBe(`SEV1 · triggered · ${SHOWN}`);
      const embed = await eventually('the Discord card', () => discordFake.state.messages(discordChannel.id)[0]?.embeds?.[0] as { title?: string } | undefined);
      expect(embed.title).toBe(`INC-1: ${SHOWN}`);

      const dm = await eventually('the page to Alice', () => slackFake.state.channels.find((c) => c.is_im && slackFake.state.messages(c.id).length > 0));
      expect(slackFake.state.messages(dm.id)[0]!.blocks?.[0]).toMatchObject({ type: 'header', text: { text: `🔴 🚨 INC-1 SEV1: ${SHOWN}` } });
      const page = await bot.database.prisma.page.findFirstOrThrow({ where: { incidentId: 1 } });
      expect(page.message).toBe(`INC-1 SEV1: ${SHOWN}`);
    });
  });
}
