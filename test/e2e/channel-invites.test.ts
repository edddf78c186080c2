import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { eventually } from '../support/eventually.js';
import { sharedFixture } from '../support/fixtures.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const SLACK_TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const DISCORD_TOKEN = 'discord-bot-token-for-tests';

for (const kind of databaseKinds()) {
  describe(`incident channel invitations [${kind}]`, () => {
    let slackFake: FakeSlack;
    let discordFake: FakeDiscord;
    let slack: SlackRequestSender;
    let bot: TestBot;
    let dir: string;

    beforeAll(async () => {
      slackFake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SECRET });
      discordFake = await startFakeDiscord({ token: DISCORD_TOKEN });
      dir = mkdtempSync(join(tmpdir(), 'channel-invites-'));
      writeFileSync(
        join(dir, 'oncall.yaml'),
        [
          'people:',
          '  alice: { name: Alice Archer, slack: U0ALICE001 }',
          `  bob: { name: Bob Baker, discord: "${discordFake.users.bob}" }`,
          '  carol: { name: Carol Chen, slack: U0CAROL001 }',
          'escalation_policies:',
          '  first:',
          '    levels:',
          '      - targets: [{ person: alice }, { person: bob }]',
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
      });
      slack = slackFake.requestsTo(`${bot.url}/slack/events`);
      await discordFake.gateway.waitForSession();
      // Embedded storage starting from initdb on a busy machine takes most of a minute.
    }, 180_000);
    afterAll(async () => {
      await bot?.destroy();
      await slackFake?.close();
      await discordFake?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const slackCard = (channelId: string) => JSON.stringify(slackFake.state.messages(channelId)[0]?.blocks ?? []);
    const discordCard = (channelId: string) => JSON.stringify(discordFake.state.messages(channelId)[0]?.embeds ?? []);
    const slackInvites = (user: string) => slackFake.callsTo('conversations.invite').filter((call) => call.args.users === user);
    const discordInvites = (user: string) => discordFake.calls.filter((call) => call.route === 'PUT /channels/:channel/permissions/:overwrite' && call.path.endsWith(`/${user}`));

    it('invites each person once, however many times the card is brought up to date', async () => {
      const response = await fetch(`${bot.url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(sharedFixture('alertmanager/firing.json')),
      });
      expect(response.status).toBe(200);
      const slackChannel = await eventually('the Slack channel', () => slackFake.state.channels.find((c) => c.name.startsWith('inc-1-')));
      const discordChannel = await eventually('the Discord channel', () => discordFake.state.channels.find((c) => c.name?.startsWith('inc-1-')));
      await eventually('Alice in the Slack channel', () => slackFake.state.channel(slackChannel.id)!.members.includes('U0ALICE001'));
      await eventually('Bob admitted to the Discord channel', () => discordFake.state.admitted(discordChannel.id).includes(discordFake.users.bob));
      // Members are invited before the card is posted: wait for both cards before counting their edits.
      await eventually('the Slack card', () => slackFake.state.messages(slackChannel.id)[0]);
      await eventually('the Discord card', () => discordFake.state.messages(discordChannel.id)[0]);

      // Each change brings both cards up to date; wait for both before the next one.
      const changes: Array<{ text: string; shows: string }> = [
        { text: 'sev 2', shows: 'SEV2' },
        { text: 'status looking at the disks', shows: 'SEV2' },
        { text: 'role commander <@U0CAROL001|carol>', shows: 'U0CAROL001' },
        { text: 'sev 3', shows: 'SEV3' },
        { text: 'mitigate', shows: 'mitigated' },
      ];
      for (const change of changes) {
        const before = slackFake.state.messages(slackChannel.id)[0]!.edits.length;
        const beforeDiscord = discordFake.state.messages(discordChannel.id)[0]!.edits.length;
        const sent = await slack.slashCommand({ command: '/incident', text: change.text, channel_id: slackChannel.id, user_id: 'U0ALICE001', user_name: 'alice' });
        expect(sent.status).toBe(200);
        await eventually(`the Slack card after "${change.text}"`, () => slackFake.state.messages(slackChannel.id)[0]!.edits.length > before && slackCard(slackChannel.id).includes(change.shows));
        await eventually(`the Discord card after "${change.text}"`, () => discordFake.state.messages(discordChannel.id)[0]!.edits.length > beforeDiscord);
      }
      expect(discordCard(discordChannel.id)).toContain('mitigated');

      expect(slackInvites('U0ALICE001')).toHaveLength(1);
      expect(slackInvites('U0CAROL001')).toHaveLength(1);
      expect(slackFake.callsTo('conversations.invite').filter((call) => call.response.error === 'already_in_channel')).toEqual([]);
      expect(slackFake.state.channel(slackChannel.id)!.members).toEqual(expect.arrayContaining(['U0ALICE001', 'U0CAROL001']));
      expect(discordInvites(discordFake.users.bob)).toHaveLength(1);
    });
  });
}
