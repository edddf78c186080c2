import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type DiscordMessage, type FakeDiscord } from '../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack, type SlackMessage, type SlackRequestSender } from '../support/fake-slack/index.js';
import { eventually } from '../support/eventually.js';
import { sharedFixture } from '../support/fixtures.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const SLACK_TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const DISCORD_TOKEN = 'discord-bot-token-for-tests';

/**
 * An alert whose annotations try to ping everyone they can, on both platforms at once, through
 * the real webhook: card, topic, announcement, page DMs and the channel's paging line must notify
 * only the people the bot pages.
 */
describe('alert text pings nobody, on Slack and Discord', () => {
  let slackFake: FakeSlack;
  let discordFake: FakeDiscord;
  let slack: SlackRequestSender;
  let bot: TestBot;
  let dir: string;
  let hostile: string;

  beforeAll(async () => {
    slackFake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SECRET, channels: [{ name: 'incidents' }] });
    discordFake = await startFakeDiscord({ token: DISCORD_TOKEN, channels: [{ name: 'incidents' }] });
    hostile = `<!channel> <!here> <!everyone> <!subteam^S0ONCALL|@oncall> <@U0CAROL001> @everyone @here <@&1100000000000000099> <@${discordFake.users.carol}>`;
    dir = mkdtempSync(join(tmpdir(), 'alert-mentions-'));
    // Alice is paged on Slack, Bob on Discord; Carol is only ever named by the alert.
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001 }',
        `  bob: { name: Bob Baker, discord: "${discordFake.users.bob}" }`,
        'escalation_policies:',
        '  first:',
        '    levels:',
        '      - targets: [{ person: alice }, { person: bob }]',
        '        delay: 1h',
        'default_route:',
        '  escalation_policy: first',
      ].join('\n'),
    );
    bot = await startTestBot('pglite', {
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slackFake.apiUrl,
      DISCORD_BOT_TOKEN: DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: discordFake.applicationId,
      DISCORD_GUILD_ID: discordFake.guildId,
      DISCORD_API_URL: discordFake.apiUrl,
      INCIDENTS_CHANNEL: '#incidents',
      ONCALL_FILE: join(dir, 'oncall.yaml'),
    });
    slack = slackFake.requestsTo(`${bot.url}/slack/events`);
    await discordFake.gateway.waitForSession();

    const body = structuredClone(sharedFixture('alertmanager/firing.json')) as {
      alerts: { labels: Record<string, string>; annotations: Record<string, string> }[];
      commonAnnotations: Record<string, string>;
    };
    body.alerts = body.alerts.slice(0, 1).map((alert) => ({
      ...alert,
      labels: { ...alert.labels, service: '<!here>' },
      annotations: { summary: `Disk full ${hostile}`, description: `The disk is full. ${hostile}`, runbook_url: 'https://runbooks.example.com/disk' },
    }));
    const response = await fetch(`${bot.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    // Embedded storage starting from initdb on a busy machine takes most of a minute.
  }, 180_000);
  afterAll(async () => {
    await bot?.destroy();
    await slackFake?.close();
    await discordFake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const slackMessages = () => slackFake.state.channels.flatMap((channel) => slackFake.state.messages(channel.id));
  const slackVersions = (message: SlackMessage) => [message.notifies, ...message.edits.map((edit) => edit.notifies)];
  const discordMessages = () => [...discordFake.state.channels, ...discordFake.state.dms].flatMap((channel) => discordFake.state.messages(channel.id));
  const discordVersions = (message: DiscordMessage) => [message.pings, ...message.edits.map((edit) => edit.pings!)];

  it('Slack: the card, topic, purpose, announcement and page DM show the alert text but notify only the paged person', async () => {
    const channel = await eventually('the Slack incident channel', () => slackFake.state.channels.find((c) => c.name.startsWith('inc-1-')));
    await eventually('the topic', () => slackFake.state.channel(channel.id)!.topic.value.startsWith('SEV1 · triggered'));
    await eventually('the announcement', () => slackFake.state.messages('incidents').length > 0);
    const dm = await eventually('Alice`s page', () => slackFake.state.channels.find((c) => c.is_im && c.members.includes('U0ALICE001') && slackFake.state.messages(c.id).length > 0));
    const paging = await eventually('the paging line', () => slackFake.state.messages(channel.id).find((m) => m.text?.startsWith('Paging')));
    const card = slackFake.state.messages(channel.id)[0]!;

    // The words are all there to read, escaped.
    expect(JSON.stringify(card.blocks)).toContain('The disk is full. &lt;!channel&gt; &lt;!here&gt;');
    expect(slackFake.state.channel(channel.id)!.topic.value).toContain('&lt;!channel&gt;');
    expect(JSON.stringify(slackFake.state.messages(dm.id)[0])).toContain('Disk full');

    expect(paging.notifies).toEqual({ users: ['U0ALICE001'], broadcasts: [], userGroups: [] });
    for (const message of slackMessages().filter((m) => m !== paging)) {
      for (const notifies of slackVersions(message)) expect(notifies, JSON.stringify(message.blocks ?? message.text)).toEqual({ users: [], broadcasts: [], userGroups: [] });
    }
    for (const text of [slackFake.state.channel(channel.id)!.topic, slackFake.state.channel(channel.id)!.purpose]) {
      expect(text.notifies).toEqual({ users: [], broadcasts: [], userGroups: [] });
    }
  });

  it('Discord: every message, edit and DM carries allowed_mentions; only the paged person is pinged', async () => {
    const channel = await eventually('the Discord incident channel', () => discordFake.state.channels.find((c) => c.name?.startsWith('inc-1-')));
    await eventually('the topic', () => discordFake.state.channel(channel.id)?.topic?.startsWith('SEV1 · triggered'));
    await eventually('the announcement', () => discordFake.state.messages('incidents').length > 0);
    await eventually('Bob`s page', () => discordFake.state.dms.find((d) => d.recipients?.some((u) => u.id === discordFake.users.bob) && discordFake.state.messages(d.id).length > 0));
    const paging = await eventually('the paging line', () => discordFake.state.messages(channel.id).find((m) => m.content.startsWith('Paging')));
    // The card is edited at least once (the page lands after it is posted): edits must carry it too.
    await eventually('a card edit', () => discordFake.state.messages(channel.id)[0]!.edits.length > 0);

    expect(JSON.stringify(discordFake.state.messages(channel.id)[0]!.embeds)).toContain('The disk is full.');
    expect(discordFake.state.channel(channel.id)!.topic).not.toMatch(/@everyone|<@&\d/);

    const sent = discordFake.calls.filter((call) => /^(POST|PATCH) \/(channels\/:channel\/messages|webhooks\/)/.test(call.route));
    expect(sent.length).toBeGreaterThan(3);
    for (const call of sent) expect((call.body as { allowed_mentions?: unknown }).allowed_mentions, call.route).toMatchObject({ parse: [] });

    expect(paging.pings).toEqual({ users: [], roles: [], everyone: false });
    for (const message of discordMessages()) {
      for (const pings of discordVersions(message)) {
        expect(pings.everyone, message.content).toBe(false);
        expect(pings.roles).toEqual([]);
        expect(pings.users.filter((id) => id !== discordFake.users.bob)).toEqual([]);
      }
    }
  });

  it('a postmortem asked for on either platform is uploaded with a comment that pings nobody', async () => {
    const slackChannel = slackFake.state.channels.find((c) => c.name.startsWith('inc-1-'))!;
    await slack.slashCommand({ command: '/incident', text: 'postmortem', channel_id: slackChannel.id, user_id: 'U0ALICE001', user_name: 'alice' });
    const upload = await eventually('the Slack upload', () => slackFake.state.messages(slackChannel.id).find((m) => m.files?.length));
    expect(upload.notifies).toEqual({ users: [], broadcasts: [], userGroups: [] });

    const discordChannel = discordFake.state.channels.find((c) => c.name?.startsWith('inc-1-'))!;
    const asked = discordFake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'postmortem', userId: discordFake.users.bob, channelId: discordChannel.id });
    await discordFake.waitForAnswer(asked.id);
    const file = await eventually('the Discord upload', () => discordFake.state.messages(discordChannel.id).find((m) => m.attachments.length > 0));
    expect(file.allowed_mentions).toMatchObject({ parse: [] });
    expect(file.pings).toEqual({ users: [], roles: [], everyone: false });
    const reply = discordFake.calls.filter((call) => call.route.startsWith('PATCH /webhooks/')).at(-1)!;
    expect((reply.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [], users: [discordFake.users.bob] });
  });
});
