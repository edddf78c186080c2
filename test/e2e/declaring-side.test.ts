import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { DEFAULT_SLACK_USERS } from '../support/fake-slack/slack-state.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const SLACK_TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const DISCORD_TOKEN = 'discord-bot-token-for-tests';
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001';
const DAVE = 'U0DAVE0001';

/** Chat from the declaring side: declare for a team, the declarer in the channel, roles from anywhere, re-open. */
for (const kind of databaseKinds()) {
  describe(`declaring and running an incident from chat [${kind}]`, () => {
    let slackFake: FakeSlack;
    let discordFake: FakeDiscord;
    let slack: SlackRequestSender;
    let bot: TestBot;
    let dir: string;

    beforeAll(async () => {
      // Dave is in the workspace but not in oncall.yaml.
      const dave = { id: DAVE, name: 'dave', real_name: 'Dave Diaz', email: 'dave@example.com', tz: 'UTC' };
      slackFake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SECRET, users: [...DEFAULT_SLACK_USERS, dave] });
      discordFake = await startFakeDiscord({ token: DISCORD_TOKEN });
      dir = mkdtempSync(join(tmpdir(), 'declaring-side-'));
      writeFileSync(
        join(dir, 'oncall.yaml'),
        [
          'people:',
          `  alice: { name: Alice Archer, slack: ${ALICE}, discord: "${discordFake.users.alice}" }`,
          `  bob: { name: Bob Baker, slack: ${BOB} }`,
          `  carol: { name: Carol Chen, slack: ${CAROL} }`,
          'teams:',
          '  security: { name: Security, members: [alice, bob], escalation_policy: security }',
          '  payments: { name: Payments, members: [carol] }',
          'escalation_policies:',
          '  security:',
          '    levels:',
          '      - targets: [{ person: bob }]',
          '        delay: 1h',
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

    /** A slash command typed on Slack, and the reply the bot posted to its response URL. */
    const typed = async (text: string, user = ALICE, channel = 'C0GENERAL1') => {
      const sent = await slack.slashCommand({ command: '/incident', text, channel_id: channel, user_id: user });
      expect(sent.status).toBe(200);
      const reply = await eventually(`the reply to "${text}"`, () => slackFake.state.responses.find((r) => r.url === sent.response_url));
      return { visibility: reply.body.response_type as string, text: JSON.stringify(reply.body) };
    };
    const incident = (id: number) => bot.database.prisma.incident.findUniqueOrThrow({ where: { id }, include: { team: true, roles: true } });
    const pagesTo = async (id: number, handle: string) => bot.database.prisma.page.count({ where: { incidentId: id, person: { handle } } });

    it('a typed team that does not exist is refused with the teams there are, and nothing is declared', async () => {
      const reply = await typed('declare sev1 --private --team sec Suspicious logins');
      expect(reply.visibility).toBe('ephemeral');
      expect(reply.text).toContain('There is no team \\"sec\\" in oncall.yaml; known teams: payments, security');
      expect(reply.text).toContain('Usage: `/incident declare [sev1..sev4] [--private] [--team &lt;key&gt;] &lt;title&gt;`');
      expect(await bot.database.prisma.incident.count()).toBe(0);
      expect(slackFake.callsTo('conversations.create')).toEqual([]);
    });

    it('`declare --team` files the incident under the team and pages its escalation policy; the declarer is in the private channel', async () => {
      const reply = await typed('declare sev1 --private --team security Suspicious logins');
      expect(reply.visibility).toBe('in_channel');
      expect(reply.text).toContain('Paging Security (escalation policy security)');
      const declared = await incident(1);
      expect(declared).toMatchObject({ title: 'Suspicious logins', private: true, team: { key: 'security' } });
      await eventually('Bob paged', async () => (await pagesTo(1, 'bob')) === 1);

      const channel = await eventually('the private Slack channel', () => slackFake.state.channels.find((c) => c.name.startsWith('inc-1-')));
      expect(channel.is_private).toBe(true);
      await eventually('Alice, who declared it, in the Slack channel', () => slackFake.state.channel(channel.id)!.members.includes(ALICE));
      await eventually('Bob, who is paged, in the Slack channel', () => slackFake.state.channel(channel.id)!.members.includes(BOB));
      const discordChannel = await eventually('the Discord channel', () => discordFake.state.channels.find((c) => c.name?.startsWith('inc-1-')));
      await eventually('Alice admitted to the private Discord channel', () => discordFake.state.admitted(discordChannel.id).includes(discordFake.users.alice));
      expect(discordFake.state.admitted(discordChannel.id)).not.toContain(discordFake.users.bob);
    });

    it('Discord: `declare` takes the team as an option and the declarer is admitted to the channel', async () => {
      const sent = discordFake.sendInteraction({
        kind: 'command',
        name: 'incident',
        subcommand: 'declare',
        options: { title: 'Token leaked in a build log', private: true, team: 'security' },
        userId: discordFake.users.alice,
      });
      await discordFake.waitForAnswer(sent.id);
      expect(JSON.stringify(discordFake.state.interaction(sent.id)!.original)).toContain('Paging Security');
      expect(await incident(2)).toMatchObject({ title: 'Token leaked in a build log', private: true, team: { key: 'security' } });
      const channel = await eventually('the Discord channel', () => discordFake.state.channels.find((c) => c.name?.startsWith('inc-2-')));
      await eventually('Alice admitted', () => discordFake.state.admitted(channel.id).includes(discordFake.users.alice));
      await eventually('Bob paged', async () => (await pagesTo(2, 'bob')) === 1);
    });

    it('`role` names its incident from outside the channel: the role is given, the person invited, the asker told privately', async () => {
      const reply = await typed(`role commander <@${CAROL}|carol> INC-1`);
      expect(reply.visibility).toBe('ephemeral');
      expect(reply.text).toContain(`made <@${CAROL}> *commander* of INC-1. They are invited to its channel.`);
      const roles = (await incident(1)).roles;
      const carol = await bot.database.prisma.person.findFirstOrThrow({ where: { handle: 'carol' } });
      expect(roles).toEqual([expect.objectContaining({ role: 'commander', personId: carol.id })]);
      const channel = slackFake.state.channels.find((c) => c.name.startsWith('inc-1-'))!;
      await eventually('Carol invited to the private channel', () => slackFake.state.channel(channel.id)!.members.includes(CAROL));

      // Discord: the incident named by a mention of its channel (no name in it), from #general.
      const discordChannel = discordFake.state.channels.find((c) => c.name?.startsWith('inc-2-'))!;
      const sent = discordFake.sendInteraction({
        kind: 'command',
        name: 'incident',
        subcommand: 'role',
        options: { role: 'scribe', user: { type: 6, value: discordFake.users.alice }, incident: `<#${discordChannel.id}>` },
        userId: discordFake.users.alice,
      });
      await discordFake.waitForAnswer(sent.id);
      const answered = await eventually('the private answer', () => (discordFake.state.interaction(sent.id)!.followups.length > 0 ? discordFake.state.interaction(sent.id) : undefined));
      expect(JSON.stringify(answered.followups)).toContain('scribe');
      expect((await incident(2)).roles).toEqual([expect.objectContaining({ role: 'scribe' })]);

      const unknown = await typed(`role comms <@${CAROL}> INC-99`);
      expect(unknown.text).toContain('There is no incident INC-99');
    });

    it('`reopen` re-opens a resolved incident for its responders and pages again; `ack` on a resolved one says how', async () => {
      const channel = slackFake.state.channels.find((c) => c.name.startsWith('inc-1-'))!;
      expect((await typed('resolve false alarm', ALICE, channel.id)).visibility).toBe('in_channel');
      expect((await incident(1)).status).toBe('resolved');
      expect((await typed('ack', BOB, channel.id)).text).toContain('INC-1 is resolved; re-open it first');

      const refused = await typed('reopen not over', DAVE, channel.id);
      expect(refused.text).toMatch(/Only Security responders, the incident commander or an admin may re-open INC-1/);
      expect((await incident(1)).status).toBe('resolved');

      const reopened = await typed('reopen the logins started again', BOB, channel.id);
      expect(reopened.visibility).toBe('in_channel');
      expect(reopened.text).toContain('re-opened INC-1: the logins started again');
      expect((await incident(1)).status).toBe('triggered');
      const timeline = await bot.database.prisma.timelineEvent.findMany({ where: { incidentId: 1, kind: 'status.reopened' } });
      expect(timeline.map((event) => [event.actorName, event.text])).toEqual([['Bob Baker', 'Re-opened: the logins started again']]);
      await eventually('Bob paged again', async () => (await pagesTo(1, 'bob')) === 2);
      await eventually('the card shows it triggered', () => JSON.stringify(slackFake.state.messages(channel.id)[0]?.blocks ?? []).includes('triggered'));
    });
  });
}
