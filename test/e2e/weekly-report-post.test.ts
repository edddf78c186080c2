import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const SLACK_TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const DISCORD_TOKEN = 'discord-bot-token-for-tests';
const ALICE = 'U0ALICE001';

for (const kind of databaseKinds()) {
  describe(`the weekly report in chat: breakdown by severity and team, longest incidents linked [${kind}]`, () => {
    let slackFake: FakeSlack;
    let discordFake: FakeDiscord;
    let slack: SlackRequestSender;
    let bot: TestBot;
    let dir: string;

    beforeAll(async () => {
      slackFake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SECRET, channels: [{ name: 'reports' }] });
      discordFake = await startFakeDiscord({ token: DISCORD_TOKEN, channels: [{ name: 'general' }, { name: 'reports' }] });
      dir = mkdtempSync(join(tmpdir(), 'weekly-report-post-'));
      writeFileSync(
        join(dir, 'oncall.yaml'),
        [
          'people:',
          `  alice: { name: Alice Archer, slack: ${ALICE}, discord: "${discordFake.users.alice}", roles: [manager] }`,
          'teams:',
          '  payments: { name: Payments, members: [alice] }',
          '  platform: { name: Platform, members: [alice] }',
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
        REPORT_CHANNEL: '#reports',
        REPORT_TIMEZONE: 'UTC',
      });
      slack = slackFake.requestsTo(`${bot.url}/slack/events`);
      await discordFake.gateway.waitForSession();
    }, 180_000);
    afterAll(async () => {
      await bot?.destroy();
      await slackFake?.close();
      await discordFake?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const typed = async (text: string, channel = 'C0GENERAL1') => {
      const sent = await slack.slashCommand({ command: '/incident', text, channel_id: channel, user_id: ALICE });
      expect(sent.status).toBe(200);
      return JSON.stringify((await eventually(`the reply to "${text}"`, () => slackFake.state.responses.find((r) => r.url === sent.response_url))).body);
    };

    it('posts the week by severity and by team, and the longest incidents with links to their channels on each platform', async () => {
      const declared = [
        ['declare sev1 --team payments Checkout down', 'inc-1-'],
        ['declare sev2 --team platform Disk full on db-1', 'inc-2-'],
        ['declare sev2 --private --team payments Card numbers in the logs', 'inc-3-'],
      ];
      const channels: { slack: string; discord: string }[] = [];
      for (const [command, prefix] of declared) {
        await typed(command!);
        const slackChannel = await eventually(`the Slack channel ${prefix}`, () => slackFake.state.channels.find((c) => c.name.startsWith(prefix!)));
        const discordChannel = await eventually(`the Discord channel ${prefix}`, () => discordFake.state.channels.find((c) => c.name?.startsWith(prefix!)));
        channels.push({ slack: slackChannel.id, discord: discordChannel.id });
        expect(await typed('resolve done', slackChannel.id)).toContain('resolved');
      }

      // The post due next week reports on the weeks up to this one, which holds the three incidents.
      const nextMonday = DateTime.utc().startOf('week').plus({ weeks: 1, hours: 9 }).toJSDate();
      await bot.database.prisma.job.updateMany({ where: { kind: 'report.weekly' }, data: { dueAt: new Date(Date.now() - 1000), payload: { occurrence: nextMonday.toISOString() } } });
      bot.worker.wake();

      const posted = await eventually('the Slack report', () => slackFake.state.messages('reports').find((m) => JSON.stringify(m.blocks ?? []).includes('Incident report')));
      const blocks = JSON.stringify(posted.blocks);
      expect(blocks).toContain('*By severity*, week of');
      expect(blocks).toContain('"text":"*SEV1*\\n1 incident · MTTA — · MTTR');
      expect(blocks).toContain('"text":"*SEV2*\\n2 incidents · MTTA — · MTTR');
      expect(blocks).toContain('"text":"*Team payments*\\n2 incidents');
      expect(blocks).toContain('"text":"*Team platform*\\n1 incident');
      expect(blocks).toContain('*Longest incidents*');
      for (const [index, channel] of channels.entries()) {
        expect(blocks).toContain(`*INC-${index + 1}*`);
        expect(blocks).toContain(`<#${channel.slack}>`);
      }
      expect(blocks).toContain('Disk full on db-1');
      expect(blocks).not.toContain('Card numbers');
      expect(blocks).toContain('_private_');

      const discordPost = await eventually('the Discord report', () => discordFake.state.messages('reports').find((m) => JSON.stringify(m.embeds ?? []).includes('Incident report')));
      const embed = JSON.stringify(discordPost.embeds);
      expect(embed).toContain('"name":"SEV2","value":"2 incidents · MTTA — · MTTR');
      expect(embed).toContain('"name":"Team payments","value":"2 incidents');
      for (const channel of channels) expect(embed).toContain(`<#${channel.discord}>`);
      expect(embed).not.toContain('Card numbers');
    });

    it('`/incident report` answers with the same breakdown, linking the channels on the asker`s platform', async () => {
      const reply = await typed('report 1');
      expect(reply).toContain('*By team*, week of');
      expect(reply).toContain('*Team payments*');
      const channel = slackFake.state.channels.find((c) => c.name.startsWith('inc-2-'))!;
      expect(reply).toContain(`<#${channel.id}>`);
    });
  });
}
