import type { Answer, InboundHarness } from '../support/chat-contract-harness.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { startFakeMattermost, type FakeMattermost } from '../support/fake-mattermost/index.js';
import { freePort } from '../support/free-port.js';
import { startFakeTeams, type FakeTeams } from '../support/fake-teams/index.js';
import { CONTRACT_TEAMS_APP_ID, CONTRACT_TEAMS_PASSWORD, CONTRACT_TEAMS_TENANT, teamsInboundHarness } from '../support/fake-teams/contract-harness.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const SLACK_TOKEN = 'xoxb-inbound-contract';
const SLACK_SECRET = 'inbound-contract-signing-secret';
const DISCORD_TOKEN = 'discord-inbound-contract-token';
const API_TOKEN = 'api-token-inbound-contract-0123';
const MATTERMOST_TOKEN = 'mattermost-inbound-contract-token';
const MATTERMOST_COMMAND_TOKEN = 'incidentcommandtoken000001';


function slackHarness(fake: FakeSlack, slack: SlackRequestSender): InboundHarness {
  const names: Record<string, string> = { U0ALICE001: 'alice', U0BOB00001: 'bob' };
  const answerTo = async (responseUrl: string): Promise<Answer> => {
    const reply = await eventually('the answer', () => fake.state.responses.find((r) => r.url === responseUrl));
    return { visibility: reply.response_type, text: JSON.stringify(reply.body) };
  };
  return {
    responder: 'U0ALICE001',
    stranger: 'U0BOB00001',
    otherChannel: 'C0GENERAL1',
    async incidentChannel(number) {
      const channel = await eventually(`the Slack channel of INC-${number}`, () => fake.state.channels.find((c) => c.name.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));
      return { channelId: channel.id, cardId: fake.state.messages(channel.id)[0]!.ts };
    },
    async typed(user, channelId, subcommand, argument) {
      const text = argument ? `${subcommand} ${argument.value}` : subcommand;
      const delivery = await slack.slashCommand({ command: '/incident', text, channel_id: channelId, user_id: user, user_name: names[user] });
      expect(delivery.status).toBe(200);
      return answerTo(delivery.response_url);
    },
    async click(user, channelId, cardId, action, incidentNumber) {
      const delivery = await slack.blockAction({ action_id: action, value: String(incidentNumber), channel_id: channelId, user_id: user, user_name: names[user], message: { ts: cardId } });
      expect(delivery.status).toBe(200);
      return answerTo(delivery.response_url);
    },
  };
}

function discordHarness(fake: FakeDiscord): InboundHarness {
  const answerTo = async (interactionId: string): Promise<Answer> => {
    await fake.waitForAnswer(interactionId);
    // A public answer edits the deferred reply; a private one replaces it with an ephemeral follow-up.
    return eventually('the answer', () => {
      const interaction = fake.state.interaction(interactionId)!;
      const followup = interaction.followups[0];
      if (followup) return { visibility: (followup.flags ?? 0) & 64 ? 'ephemeral' : 'in_channel', text: JSON.stringify(followup) } satisfies Answer;
      const original = interaction.original;
      if (original && !original.deleted && (original.content || original.embeds.length > 0)) return { visibility: 'in_channel', text: JSON.stringify(original) } satisfies Answer;
      return undefined;
    });
  };
  return {
    responder: fake.users.alice,
    stranger: fake.users.bob,
    otherChannel: fake.generalChannelId!,
    async incidentChannel(number) {
      const channel = await eventually(`the Discord channel of INC-${number}`, () => fake.state.channels.find((c) => c.name?.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));
      return { channelId: channel.id, cardId: fake.state.messages(channel.id)[0]!.id };
    },
    async typed(user, channelId, subcommand, argument) {
      const options = argument ? { [argument.name]: argument.value } : undefined;
      return answerTo(fake.sendInteraction({ kind: 'command', name: 'incident', subcommand, options, userId: user, channelId }).id);
    },
    async click(user, channelId, cardId, action, incidentNumber) {
      return answerTo(fake.sendInteraction({ kind: 'button', customId: `${action}:${incidentNumber}`, messageId: cardId, userId: user, channelId }).id);
    },
  };
}

function mattermostHarness(fake: FakeMattermost, botUrl: string): InboundHarness {
  return {
    responder: fake.users.alice,
    stranger: fake.users.bob,
    otherChannel: fake.generalChannelId,
    async incidentChannel(number) {
      const channel = await eventually(`the Mattermost channel of INC-${number}`, () => fake.state.channels.find((c) => c.name.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));
      return { channelId: channel.id, cardId: fake.state.messages(channel.id)[0]!.id };
    },
    async typed(user, channelId, subcommand, argument) {
      const text = argument ? `${subcommand} ${argument.value}` : subcommand;
      const answer = await fake.slashCommand(`${botUrl}/mattermost/commands`, { command: '/incident', text, userId: user, channelId, token: MATTERMOST_COMMAND_TOKEN });
      expect(answer.status).toBe(200);
      return { visibility: answer.body.response_type as Answer['visibility'], text: JSON.stringify(answer.body) };
    },
    async click(user, channelId, cardId, action, incidentNumber) {
      const before = fake.state.messages(channelId).length;
      const button = fake.state.posts.find((p) => p.id === cardId)!.props.attachments!.flatMap((a) => a.actions ?? []).find((a) => (a.integration!.context as { action: string }).action === action)!;
      expect((button.integration!.context as { value: string }).value).toBe(String(incidentNumber));
      const answer = await fake.click(cardId, button.name, user);
      expect(answer.status).toBe(200);
      // A private answer is the click's ephemeral_text; a public one is a post in the channel.
      if (typeof answer.body.ephemeral_text === 'string') return { visibility: 'ephemeral', text: answer.body.ephemeral_text };
      const posted = await eventually('the answer in the channel', () => fake.state.messages(channelId).slice(before).at(-1));
      return { visibility: 'in_channel', text: JSON.stringify(posted) };
    },
  };
}

// One bot with every platform, one suite: typing a command or clicking a button has the same
// outcome on Slack and on Discord (the answer, its visibility, the incident, the timeline, the audit).
describe('chat inbound contract', () => {
  let slackFake: FakeSlack;
  let discordFake: FakeDiscord;
  let mattermostFake: FakeMattermost;
  let teamsFake: FakeTeams;
  let bot: TestBot;
  let dir: string;
  const harnesses: Record<'slack' | 'discord' | 'mattermost' | 'teams', () => InboundHarness> = {
    teams: () => teamsInboundHarness(teamsFake, bot.url),
    slack: () => slackHarness(slackFake, slackFake.requestsTo(`${bot.url}/slack/events`)),
    discord: () => discordHarness(discordFake),
    mattermost: () => mattermostHarness(mattermostFake, bot.url),
  };

  beforeAll(async () => {
    slackFake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SLACK_SECRET });
    discordFake = await startFakeDiscord({ token: DISCORD_TOKEN });
    mattermostFake = await startFakeMattermost({ token: MATTERMOST_TOKEN });
    teamsFake = await startFakeTeams({ appId: CONTRACT_TEAMS_APP_ID, appPassword: CONTRACT_TEAMS_PASSWORD, tenantId: CONTRACT_TEAMS_TENANT });
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'inbound-contract-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        `  alice: { name: Alice Archer, slack: U0ALICE001, discord: "${discordFake.users.alice}", mattermost: ${mattermostFake.users.alice}, teams: ${teamsFake.users.alice} }`,
        'escalation_policies:',
        '  first:',
        '    levels:',
        '      - targets: [{ person: alice }]',
        '        delay: 1h',
        'default_route:',
        '  escalation_policy: first',
      ].join('\n'),
    );
    bot = await startTestBot('pglite', {
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: slackFake.apiUrl,
      DISCORD_BOT_TOKEN: DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: discordFake.applicationId,
      DISCORD_GUILD_ID: discordFake.guildId,
      DISCORD_API_URL: discordFake.apiUrl,
      MATTERMOST_URL: mattermostFake.url,
      MATTERMOST_BOT_TOKEN: MATTERMOST_TOKEN,
      MATTERMOST_TEAM: mattermostFake.teamName,
      MATTERMOST_COMMAND_TOKENS: `${MATTERMOST_COMMAND_TOKEN},oncallcommandtoken00000001`,
      TEAMS_APP_ID: CONTRACT_TEAMS_APP_ID,
      TEAMS_APP_PASSWORD: CONTRACT_TEAMS_PASSWORD,
      TEAMS_TENANT_ID: CONTRACT_TEAMS_TENANT,
      TEAMS_TEAM_ID: teamsFake.teamId,
      TEAMS_API_URL: teamsFake.url,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      API_TOKEN,
    });
    await discordFake.gateway.waitForSession();
  });
  afterAll(async () => {
    await bot?.destroy();
    await slackFake?.close();
    await discordFake?.close();
    await mattermostFake?.close();
    await teamsFake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let alerts = 0;
  const openIncident = async (title: string): Promise<number> => {
    alerts++;
    return fireGenericAlert(bot, { title: `${title} ${alerts}`, severity: 'critical', service: 'checkout', fingerprint: `inbound-contract-${alerts}`, group: `inbound-contract-${alerts}` });
  };
  const api = (path: string) => readJson(fetch(`${bot.url}/api${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }));
  const audited = async (platform: string, action: string, incident: number) =>
    (await bot.database.prisma.auditEntry.findMany({ where: { platform, action }, orderBy: { id: 'asc' } }))
      .filter((row) => (row.args as { incident?: number }).incident === incident)
      .map((row) => [row.actorName, row.result, (row.args as { via: string }).via]);

  for (const platform of ['slack', 'discord', 'mattermost', 'teams'] as const) {
    describe(`[${platform}]`, () => {
      it('a typed `/incident ack` in the incident`s channel acknowledges it, answers in the channel, and names the person', async () => {
        const h = harnesses[platform]();
        const number = await openIncident('Checkout errors');
        const { channelId } = await h.incidentChannel(number);
        const answer = await h.typed(h.responder, channelId, 'ack');
        expect(answer.visibility).toBe('in_channel');
        expect(answer.text).toContain(`acknowledged INC-${number}`);
        expect((await api(`/incidents/${number}`)).status).toBe('acknowledged');
        const ack = (await api(`/incidents/${number}/timeline`)).events.find((e: { kind: string }) => e.kind === 'status.acknowledged');
        expect(ack.actor.name).toBe('Alice Archer');
        expect(await audited(platform, 'incident.ack', number)).toEqual([['Alice Archer', 'ok', 'typed']]);
      });

      it('a click on the card`s Resolve resolves for a responder; anyone else is told why not, privately, and nothing changes', async () => {
        const h = harnesses[platform]();
        const number = await openIncident('Queue backlog');
        const { channelId, cardId } = await h.incidentChannel(number);
        const refused = await h.click(h.stranger, channelId, cardId, 'incident.resolve', number);
        expect(refused.visibility).toBe('ephemeral');
        expect(refused.text).toContain('not listed in oncall.yaml');
        expect((await api(`/incidents/${number}`)).status).toBe('triggered');
        const done = await h.click(h.responder, channelId, cardId, 'incident.resolve', number);
        expect(done.visibility).toBe('in_channel');
        expect((await api(`/incidents/${number}`)).status).toBe('resolved');
        expect(await audited(platform, 'incident.resolve', number)).toEqual([
          ['Bob Baker', 'refused', 'button'],
          ['Alice Archer', 'ok', 'button'],
        ]);
      });

      it('a second click on Acknowledge is refused privately, not applied twice', async () => {
        const h = harnesses[platform]();
        const number = await openIncident('Disk full');
        const { channelId, cardId } = await h.incidentChannel(number);
        expect((await h.click(h.stranger, channelId, cardId, 'incident.ack', number)).visibility).toBe('in_channel');
        const again = await h.click(h.stranger, channelId, cardId, 'incident.ack', number);
        expect(again.visibility).toBe('ephemeral');
        expect(again.text).toContain(`INC-${number} is already acknowledged`);
        const acks = (await api(`/incidents/${number}/timeline`)).events.filter((e: { kind: string }) => e.kind === 'status.acknowledged');
        expect(acks).toHaveLength(1);
      });

      it('a click on the card`s Noisy counts a noise vote for that person, privately, once', async () => {
        const h = harnesses[platform]();
        const number = await openIncident('Flapping disk alert');
        const { channelId, cardId } = await h.incidentChannel(number);
        const answer = await h.click(h.stranger, channelId, cardId, 'incident.noise', number);
        expect(answer.visibility).toBe('ephemeral');
        expect(answer.text).toContain(`INC-${number} counted as noise`);
        expect((await h.click(h.stranger, channelId, cardId, 'incident.noise', number)).text).toContain('Updated:');
        expect(await bot.database.prisma.noiseVote.count({ where: { incidentId: number } })).toBe(1);
        expect((await api(`/incidents/${number}`)).status).toBe('triggered');
      });

      it('a typed note goes onto the incident`s timeline as that person`s', async () => {
        const h = harnesses[platform]();
        const number = await openIncident('Replica lag');
        const { channelId } = await h.incidentChannel(number);
        await h.typed(h.responder, channelId, 'note', { name: 'text', value: `failover started from ${platform}` });
        const note = (await api(`/incidents/${number}/timeline`)).events.find((e: { kind: string; text: string }) => e.kind === 'note');
        expect(note).toMatchObject({ text: `failover started from ${platform}`, actor: { name: 'Alice Archer' } });
      });

      it('an incident command typed outside any incident channel is answered privately with where to run it', async () => {
        const h = harnesses[platform]();
        const answer = await h.typed(h.stranger, h.otherChannel, 'ack');
        expect(answer.visibility).toBe('ephemeral');
        expect(answer.text).toContain('Run this in an incident channel');
      });
    });
  }
});
