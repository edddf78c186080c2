import type { Answer, Harness, InboundHarness } from '../chat-contract-harness.js';
import { expect } from 'vitest';
import { TeamsChatPort } from '../../../src/chat/teams/teams-chat-port.js';
import { systemClock } from '../../../src/time/clock.js';
import { eventually } from '../eventually.js';
import { startFakeTeams, type FakeTeams } from './server.js';
import { cardButtons, cardText, type FakeTeamsActivity } from './state.js';

export const CONTRACT_TEAMS_APP_ID = '0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
export const CONTRACT_TEAMS_PASSWORD = 'contract-teams-client-secret';
export const CONTRACT_TEAMS_TENANT = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';

/** The text of the monospace block a file was posted as (the port adds one newline before the closing fence). */
function postedFile(activity: FakeTeamsActivity): Buffer | undefined {
  const items = ((activity.attachments[0]?.content as { body?: { items?: { fontType?: string; text?: string }[] }[] } | undefined)?.body ?? []).flatMap((c) => c.items ?? []);
  const code = items.find((item) => item.fontType === 'Monospace')?.text;
  return code === undefined ? undefined : Buffer.from(code.replace(/\n$/, ''));
}

/**
 * Teams for the chat port contract. Teams differs where the contract asks the platform: no
 * ephemeral messages (a DM). Without Graph (TEAMS_GRAPH=off): no private channels (createChannel
 * with private: true is refused; the core asks capabilities.privateChannels first), an incident
 * "channel" is a thread in INCIDENTS_CHANNEL, and a file is a message with its text inline. With
 * Graph: a file goes into the channel's files folder, its bytes read back from the stand-in's
 * record of uploads. A refusal's code is the connector's "BotNotInConversationRoster".
 */
export async function teamsPortHarness(options: { graph?: boolean } = {}): Promise<Harness> {
  const fake = await startFakeTeams({ appId: CONTRACT_TEAMS_APP_ID, appPassword: CONTRACT_TEAMS_PASSWORD, tenantId: CONTRACT_TEAMS_TENANT, channels: ['incidents'] });
  const find = (channelId: string, id: string) => fake.state.messages(channelId).find((m) => m.id === id);
  return {
    port: TeamsChatPort.create({
      appId: CONTRACT_TEAMS_APP_ID,
      appPassword: CONTRACT_TEAMS_PASSWORD,
      tenantId: CONTRACT_TEAMS_TENANT,
      teamId: fake.teamId,
      incidentsChannel: 'incidents',
      apiUrl: fake.url,
      clock: systemClock,
      ...(options.graph ? { graph: { groupId: fake.groupId, url: `${fake.url}/v1.0` } } : {}),
    }),
    user: fake.users.bob,
    messageText: (channel, id) => JSON.stringify(find(channel, id) ?? ''),
    edits: (channel, id) => find(channel, id)?.edits ?? 0,
    isPrivate: (channel) => fake.state.channel(channel.split(';')[0]!)?.membershipType === 'private',
    uploaded: (channel, filename) => {
      if (options.graph) {
        const file = fake.state.uploads.find((u) => u.channelId === channel.split(';')[0] && u.name === filename);
        // The file counts as shared once the conversation holds the bot's message linking it.
        const linked = file && fake.state.messages(channel).some((m) => m.from === 'bot' && JSON.stringify(m.attachments).includes(file.webUrl));
        return linked ? file.content : undefined;
      }
      const posted = fake.state.messages(channel).find((m) => m.from === 'bot' && cardText(m).includes(filename));
      return posted ? postedFile(posted) : undefined;
    },
    channelText: (channel) => JSON.stringify(fake.state.messages(channel)),
    seenOnlyBy: (user) => JSON.stringify(fake.state.dms(user)),
    failPostsWithRateLimit: (seconds) => fake.failNext('POST /v3/conversations/:conversation/activities', { status: 429, retryAfter: seconds }),
    failPostsWithRefusal: () => fake.failNext('POST /v3/conversations/:conversation/activities', { status: 403, code: 'BotNotInConversationRoster' }),
    close: () => fake.close(),
  };
}

/**
 * Teams for the inbound contract: commands typed as "@Incident Bot incident …" in the incident's
 * thread, and Action.Execute clicks on its card. A public answer is the bot's reply to that
 * activity in the conversation; a private one is the click's invoke answer, or a DM for a typed command.
 */
export function teamsInboundHarness(fake: FakeTeams, botUrl: string): InboundHarness {
  const endpoint = `${botUrl}/teams/messages`;
  const replyTo = (conversationId: string, activityId: string) => fake.state.messages(conversationId).find((m) => m.from === 'bot' && m.replyToId === activityId);
  return {
    responder: fake.users.alice,
    stranger: fake.users.bob,
    otherChannel: fake.teamId,
    async incidentChannel(number) {
      return eventually(`the Teams thread of INC-${number}`, () => {
        for (const thread of fake.state.threads()) {
          const [root, ...rest] = fake.state.messages(thread.id);
          if (!cardText(root).split('\n').some((line) => line.startsWith(`inc-${number}-`))) continue;
          const card = rest.find((m) => m.from === 'bot' && cardButtons(m).length > 0);
          if (card) return { channelId: thread.id, cardId: card.id };
        }
        return undefined;
      });
    },
    async typed(user, channelId, subcommand, argument) {
      const dmsBefore = fake.state.dms(user).length;
      const text = argument ? `incident ${subcommand} ${argument.value}` : `incident ${subcommand}`;
      const sent = await fake.typed(endpoint, { user, conversationId: channelId, text });
      expect(sent.status).toBe(200);
      const inChannel = replyTo(channelId, sent.activityId);
      if (inChannel) return { visibility: 'in_channel', text: cardText(inChannel) };
      const dm = await eventually('the private answer', () => fake.state.dms(user).slice(dmsBefore).at(-1));
      return { visibility: 'ephemeral', text: cardText(dm) };
    },
    async click(user, channelId, cardId, action, incidentNumber) {
      const button = cardButtons(fake.state.messages(channelId).find((m) => m.id === cardId)).find((b) => b.verb === action)!;
      expect(button.value).toBe(String(incidentNumber));
      const sent = await fake.click(endpoint, { user, conversationId: channelId, cardId, verb: button.verb, value: button.value });
      expect(sent.status).toBe(200);
      const inChannel = replyTo(channelId, sent.activityId);
      if (inChannel) return { visibility: 'in_channel', text: cardText(inChannel) };
      return { visibility: 'ephemeral', text: String(sent.body?.value ?? '') };
    },
  };
}
