import { afterAll, beforeAll, expect, it } from 'vitest';
import { ChatApiError } from '../../../src/chat/chat-port.js';
import { DiscordChatPort } from '../../../src/chat/discord/discord-chat-port.js';
import { SlackChatPort } from '../../../src/chat/slack/slack-chat-port.js';
import { Delivery } from '../../../src/delivery/delivery.js';
import { commanderReminderHandler, playbookReminderHandler } from '../../../src/delivery/reminders.js';
import { reportDeliveryHandler } from '../../../src/delivery/report-delivery.js';
import type { ClaimedJob } from '../../../src/engine/job.js';
import { createLogger } from '../../../src/logging.js';
import { startFakeDiscord, type FakeDiscord } from '../../support/fake-discord/index.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack/index.js';
import { describeEachDatabase } from '../../support/test-database.js';

const job = (kind: string, subject: string, payload: Record<string, unknown> = {}): ClaimedJob => ({
  id: 1n,
  kind,
  subject,
  payload,
  dueAt: new Date(),
  attempts: 1,
  maxAttempts: 10,
  fence: null,
  lockedBy: 'test',
});

// Everything the bot sends is keyed: a job retried because one platform failed must not post a
// second time on the platform that already has the message (the commander and playbook reminders
// and the weekly report used to).
describeEachDatabase('delivery: one message per key, whatever is retried', (db) => {
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let delivery: Delivery;
  let channels: { slack: string; discord: string };
  let incidentId: number;

  beforeAll(async () => {
    slack = await startFakeSlack({ token: 'xoxb-delivery' });
    discord = await startFakeDiscord({ token: 'discord-delivery-token' });
    const ports = [
      SlackChatPort.create('xoxb-delivery', slack.apiUrl),
      DiscordChatPort.create({ token: 'discord-delivery-token', guildId: discord.guildId, applicationId: discord.applicationId, apiUrl: discord.apiUrl }),
    ];
    delivery = new Delivery({ prisma: db().database.prisma, ports });
    const { prisma } = db().database;
    const incident = await prisma.incident.create({ data: { title: 'Checkout errors', severity: 2, source: 'generic', openedAt: new Date(), escalationPolicy: { levels: [] } } });
    incidentId = incident.id;
    channels = {
      slack: (await ports[0]!.createChannel({ name: `inc-${incidentId}-checkout`, private: false })).channelId,
      discord: (await ports[1]!.createChannel({ name: `inc-${incidentId}-checkout`, private: false })).channelId,
    };
    await prisma.chatChannel.createMany({
      data: [
        { incidentId, platform: 'slack', channelId: channels.slack, name: `inc-${incidentId}-checkout`, private: false },
        { incidentId, platform: 'discord', channelId: channels.discord, name: `inc-${incidentId}-checkout`, private: false },
      ],
    });
  });
  afterAll(async () => {
    await slack?.close();
    await discord?.close();
  });

  const texts = () => ({
    slack: slack.state.messages(channels.slack).map((m) => m.text ?? ''),
    discord: discord.state.messages(channels.discord).map((m) => m.content ?? JSON.stringify(m.embeds)),
  });

  it('deliverOnce: the same key twice is one message, and the second call answers with the first message', async () => {
    const target = { kind: 'channel', via: 'slack', channelId: channels.slack } as const;
    const first = await delivery.deliverOnce('test:once', target, { summary: 'once only', sections: [{ text: 'once only' }] });
    const second = await delivery.deliverOnce('test:once', target, { summary: 'once only', sections: [{ text: 'once only' }] });
    expect(second).toEqual(first);
    expect(texts().slack.filter((text) => text.includes('once only'))).toHaveLength(1);
  });

  it('the commander reminder: Discord rate-limited, retried, and Slack still has it once', async () => {
    discord.failNext('POST /channels/:channel/messages', { status: 429, retryAfter: 1 });
    const remind = commanderReminderHandler({ prisma: db().database.prisma, delivery });
    const failure = await remind(job('incident.commander-reminder', `incident:${incidentId}`)).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ChatApiError);
    // The worker waits as the platform said: the hint carries Discord's Retry-After.
    expect((failure as ChatApiError).retryHint).toMatchObject({ retryable: true, retryAfterMs: expect.any(Number) });
    expect((failure as ChatApiError).retryHint.retryAfterMs).toBeGreaterThanOrEqual(1000);
    await remind(job('incident.commander-reminder', `incident:${incidentId}`));
    const sent = texts();
    expect(sent.slack.filter((text) => text.includes('no incident commander'))).toHaveLength(1);
    expect(sent.discord.filter((text) => text.includes('no incident commander'))).toHaveLength(1);
  });

  it('a playbook reminder: Slack failing with 500 first, Discord has it once', async () => {
    slack.failNext('chat.postMessage', { status: 500 });
    const reminder = {
      key: `playbook:1:check:2026-12-03T00:00:00.000Z:reminder`,
      channels: [
        { platform: 'discord' as const, channelId: channels.discord },
        { platform: 'slack' as const, channelId: channels.slack },
      ],
      message: { summary: 'Reminder: step "Check the dashboards" is still open', sections: [{ text: 'Step still open' }] },
    };
    const remind = playbookReminderHandler({ delivery, reminder: async () => reminder });
    await expect(remind(job('playbook.reminder', `incident:${incidentId}`))).rejects.toBeInstanceOf(ChatApiError);
    await remind(job('playbook.reminder', `incident:${incidentId}`));
    const sent = texts();
    expect(sent.slack.filter((text) => text.includes('Check the dashboards'))).toHaveLength(1);
    expect(sent.discord.filter((text) => text.includes('Check the dashboards'))).toHaveLength(1);
  });

  it('the weekly report: its chart upload failing on Slack posts neither the report nor the chart twice', async () => {
    const name = 'weekly-reports';
    const reportChannels = [await delivery.port('slack')!.createChannel({ name, private: false }), await delivery.port('discord')!.createChannel({ name, private: false })];
    slack.failNext('files.getUploadURLExternal', { status: 500 });
    const deliver = reportDeliveryHandler({
      delivery,
      channel: `#${name}`,
      log: createLogger('silent'),
      render: async () => ({ message: async () => ({ summary: 'Weekly incident report', sections: [{ text: 'Weekly incident report' }] }), chart: { filename: 'mtta.png', png: Buffer.from('png') } }),
    });
    const reportJob = job('report.deliver', 'report:weekly', { occurrence: '2026-12-07T09:00:00.000Z' });
    await expect(deliver(reportJob)).rejects.toBeInstanceOf(ChatApiError);
    await deliver(reportJob);
    await deliver(reportJob);
    expect(slack.state.messages(reportChannels[0]!.channelId).filter((m) => (m.text ?? '').includes('Weekly incident report'))).toHaveLength(1);
    expect(slack.state.uploads.filter((u) => u.channel === reportChannels[0]!.channelId && u.completed)).toHaveLength(1);
    expect(discord.state.messages(reportChannels[1]!.channelId).filter((m) => JSON.stringify(m).includes('Weekly incident report'))).toHaveLength(1);
  });
});
