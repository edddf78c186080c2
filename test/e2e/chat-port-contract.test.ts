import type { Harness } from '../support/chat-contract-harness.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatApiError } from '../../src/chat/chat-port.js';
import { DiscordChatPort } from '../../src/chat/discord/discord-chat-port.js';
import type { NeutralMessage } from '../../src/chat/neutral-message.js';
import { SlackChatPort } from '../../src/chat/slack/slack-chat-port.js';
import { MattermostChatPort } from '../../src/chat/mattermost/mattermost-chat-port.js';
import { startFakeMattermost } from '../support/fake-mattermost/index.js';
import { teamsPortHarness } from '../support/fake-teams/contract-harness.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';


async function slackHarness(): Promise<Harness> {
  const fake: FakeSlack = await startFakeSlack({ token: 'xoxb-contract' });
  const find = (channelId: string, ts: string) => fake.state.messages(channelId).find((m) => m.ts === ts);
  return {
    port: SlackChatPort.create('xoxb-contract', fake.apiUrl),
    user: 'U0BOB00001',
    messageText: (channel, id) => JSON.stringify(find(channel, id)?.blocks ?? find(channel, id)?.text ?? ''),
    edits: (channel, id) => find(channel, id)?.edits.length ?? 0,
    isPrivate: (channel) => fake.state.channel(channel)!.is_private,
    uploaded: (channel, filename) => fake.state.uploads.find((u) => u.channel === channel && u.filename === filename && u.completed)?.bytes,
    channelText: (channel) => JSON.stringify(fake.state.messages(channel)),
    seenOnlyBy: (user, channel) => JSON.stringify(fake.state.ephemerals.filter((e) => e.user === user && e.channel === channel)),
    failPostsWithRateLimit: (seconds) => fake.failNext('chat.postMessage', { status: 429, retryAfter: seconds }),
    failPostsWithRefusal: () => fake.failNext('chat.postMessage', { ok: false, error: 'channel_not_found' }),
    close: () => fake.close(),
  };
}

async function discordHarness(): Promise<Harness> {
  const fake: FakeDiscord = await startFakeDiscord({ token: 'discord-contract-token' });
  const find = (channelId: string, id: string) => fake.state.messages(channelId).find((m) => m.id === id);
  return {
    port: DiscordChatPort.create({ token: 'discord-contract-token', guildId: fake.guildId, applicationId: fake.applicationId, apiUrl: fake.apiUrl }),
    user: fake.users.bob,
    messageText: (channel, id) => {
      const message = find(channel, id);
      return message ? JSON.stringify({ content: message.content, embeds: message.embeds, components: message.components }) : '';
    },
    edits: (channel, id) => find(channel, id)?.edits.length ?? 0,
    isPrivate: (channel) => (fake.state.channel(channel)?.permission_overwrites ?? []).some((o) => o.id === fake.guildId && BigInt(o.deny ?? '0') !== 0n),
    uploaded: (channel, filename) => fake.state.messages(channel).flatMap((m) => m.attachments).find((a) => a.filename === filename)?.bytes,
    channelText: (channel) => JSON.stringify(fake.state.messages(channel)),
    // Discord has no ephemeral message outside an interaction: the port says so (capabilities) and sends a DM.
    seenOnlyBy: (user) => JSON.stringify(fake.state.dms.filter((dm) => dm.recipients?.some((r) => r.id === user)).flatMap((dm) => fake.state.messages(dm.id))),
    failPostsWithRateLimit: (seconds) => fake.failNext('POST /channels/:channel/messages', { status: 429, retryAfter: seconds }),
    failPostsWithRefusal: () => fake.failNext('POST /channels/:channel/messages', { code: 50001 }),
    close: () => fake.close(),
  };
}

async function mattermostHarness(): Promise<Harness> {
  const fake = await startFakeMattermost({ token: 'mattermost-contract-token' });
  const find = (channelId: string, id: string) => fake.state.messages(channelId).find((m) => m.id === id);
  return {
    port: MattermostChatPort.create({ url: fake.url, token: fake.token, team: fake.teamName, buttons: { url: 'http://127.0.0.1:1/mattermost/actions?key=k', key: Buffer.from('contract') } }),
    user: fake.users.bob,
    messageText: (channel, id) => JSON.stringify(find(channel, id) ?? ''),
    edits: (channel, id) => find(channel, id)?.edits ?? 0,
    isPrivate: (channel) => fake.state.channel(channel)!.type === 'P',
    uploaded: (channel, filename) => [...fake.state.files.entries()].find(([id, f]) => f.channel_id === channel && f.name === filename && fake.state.posts.some((p) => p.file_ids.includes(id)))?.[1].bytes,
    channelText: (channel) => JSON.stringify(fake.state.messages(channel)),
    seenOnlyBy: (user, channel) => JSON.stringify(fake.state.ephemerals.filter((e) => e.user_id === user && e.channel_id === channel)),
    failPostsWithRateLimit: (seconds) => fake.failNext('POST /posts', { status: 429, reset: seconds }),
    failPostsWithRefusal: () => fake.failNext('POST /posts', { status: 403 }),
    close: () => fake.close(),
  };
}

const card: NeutralMessage = {
  summary: 'INC-7 SEV2 triggered: Checkout errors',
  title: 'INC-7: Checkout errors',
  color: 'red',
  sections: [{ text: 'Error rate **5%** on [checkout](https://grafana.example/d/x)' }, { fields: [{ label: 'Severity', value: 'SEV2' }] }],
  buttons: [
    { action: 'incident.ack', label: 'Acknowledge', value: '7', style: 'primary' },
    { action: 'incident.resolve', label: 'Resolve', value: '7', style: 'danger' },
  ],
};

// One suite, every adapter: what the core relies on behaves the same on each platform.
for (const [name, start] of [['slack', slackHarness], ['discord', discordHarness], ['mattermost', mattermostHarness], ['teams', () => teamsPortHarness()], ['teams with Graph', () => teamsPortHarness({ graph: true })]] as const) {
  describe(`chat port contract [${name}]`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await start();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('creates public and private channels, finds a channel by name, and invites (twice is fine)', async () => {
      const open = await h.port.createChannel({ name: 'inc-7-checkout-errors', private: false, topic: 'SEV2 · triggered' });
      expect(open.name).toBe('inc-7-checkout-errors');
      expect(await h.port.resolveChannel('#inc-7-checkout-errors')).toBe(open.channelId);
      expect(h.isPrivate(open.channelId)).toBe(false);
      if (h.port.capabilities.privateChannels) {
        const secret = await h.port.createChannel({ name: 'inc-8-leaked-key', private: true });
        expect(h.isPrivate(secret.channelId)).toBe(true);
        await h.port.invite(secret.channelId, [h.user]);
        await h.port.invite(secret.channelId, [h.user]);
      } else {
        // Where a channel cannot be private, asking for one is refused rather than made public.
        await expect(h.port.createChannel({ name: 'inc-8-leaked-key', private: true })).rejects.toThrow();
      }
      await h.port.setTopic(open.channelId, 'SEV2 · acknowledged');
    });

    it('posts a card with buttons and edits that same message in place', async () => {
      const channel = (await h.port.resolveChannel('inc-7-checkout-errors'))!;
      const posted = await h.port.postMessage(channel, card);
      expect(h.messageText(channel, posted.messageId)).toContain('incident.ack');
      await h.port.updateMessage(channel, posted.messageId, { ...card, title: 'INC-7: Checkout errors (acknowledged)', buttons: [card.buttons![1]!] });
      expect(h.edits(channel, posted.messageId)).toBe(1);
      expect(h.messageText(channel, posted.messageId)).toContain('(acknowledged)');
      expect(h.messageText(channel, posted.messageId)).not.toContain('incident.ack');
    });

    it('sends direct messages, uploads files whose bytes arrive, and names users', async () => {
      const dm = await h.port.sendDirectMessage(h.user, { summary: 'You are paged', sections: [{ text: 'INC-7' }] });
      expect(dm.messageId).toBeTruthy();
      const channel = (await h.port.resolveChannel('inc-7-checkout-errors'))!;
      await h.port.uploadFile(channel, { filename: 'INC-7-postmortem.md', title: 'Postmortem', content: Buffer.from('# Postmortem\n') });
      expect(h.uploaded(channel, 'INC-7-postmortem.md')?.toString()).toBe('# Postmortem\n');
      expect((await h.port.getUser(h.user)).name).toBe('Bob Baker');
    });

    it('shows a message to one person only, in the channel where the platform can and by DM where it cannot', async () => {
      const channel = (await h.port.resolveChannel('inc-7-checkout-errors'))!;
      await h.port.invite(channel, [h.user]);
      await h.port.postEphemeral(channel, h.user, { summary: 'Only for you', sections: [{ text: 'Your override starts at 09:00' }] });
      expect(h.seenOnlyBy(h.user, channel)).toContain('Your override starts at 09:00');
      expect(h.channelText(channel)).not.toContain('Your override starts at 09:00');
      expect(h.port.capabilities.ephemeralReplies).toBe(name === 'slack' || name === 'mattermost');
    });

    it('reports a rate limit as retryable with its wait, and a refusal as final', async () => {
      const channel = (await h.port.resolveChannel('inc-7-checkout-errors'))!;
      h.failPostsWithRateLimit(2);
      const limited = await h.port.postMessage(channel, card).catch((error: unknown) => error);
      expect(limited).toBeInstanceOf(ChatApiError);
      expect((limited as ChatApiError).retryable).toBe(true);
      expect((limited as ChatApiError).options.retryAfterMs).toBeGreaterThanOrEqual(2_000);
      h.failPostsWithRefusal();
      const refused = await h.port.postMessage(channel, card).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ChatApiError);
      expect((refused as ChatApiError).retryable).toBe(false);
      expect(['channel_not_found', '50001', 'api.context.permissions.app_error', 'BotNotInConversationRoster']).toContain((refused as ChatApiError).platformCode);
    });
  });
}
