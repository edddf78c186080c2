import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { cardButtons, cardText, startFakeTeams, type FakeTeams } from '../support/fake-teams/index.js';
import { freePort } from '../support/free-port.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const APP_ID = '6c7d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e9f';
const PASSWORD = 'teams-graph-e2e-client-secret';
const TENANT = '2b3c4d5e-6f70-4b8c-9d0e-1f2a3b4c5d6e';

// Teams with TEAMS_GRAPH=on: what the Bot Connector alone cannot do, through Microsoft Graph: a
// channel per incident, files into a channel.
describe('Microsoft Teams with Microsoft Graph (TEAMS_GRAPH=on)', () => {
  let fake: FakeTeams;
  let bot: TestBot;
  let dir: string;
  let endpoint: string;

  beforeAll(async () => {
    fake = await startFakeTeams({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, channels: ['incidents', 'reports'] });
    dir = mkdtempSync(join(tmpdir(), 'teams-graph-e2e-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        `  alice: { name: Alice Archer, teams: ${fake.users.alice} }`,
        `  bob: { name: Bob Baker, teams: ${fake.users.bob} }`,
        'escalation_policies:',
        '  first:',
        '    levels:',
        '      - targets: [{ person: alice }]',
        '        delay: 1h',
        'default_route:',
        '  escalation_policy: first',
      ].join('\n'),
    );
    const port = await freePort();
    bot = await startTestBot('pglite', {
      TEAMS_APP_ID: APP_ID,
      TEAMS_APP_PASSWORD: PASSWORD,
      TEAMS_TENANT_ID: TENANT,
      TEAMS_TEAM_ID: fake.teamId,
      TEAMS_API_URL: fake.url,
      TEAMS_GRAPH: 'on',
      TEAMS_GROUP_ID: fake.groupId,
      TEAMS_GRAPH_URL: `${fake.url}/v1.0`,
      INCIDENTS_CHANNEL: 'incidents',
      REPORT_CHANNEL: 'reports',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
    });
    endpoint = `${bot.url}/teams/messages`;
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let alerts = 0;
  const openIncident = (title: string) => {
    alerts++;
    return fireGenericAlert(bot, { title, severity: 'critical', service: 'checkout', fingerprint: `teams-graph-${alerts}`, group: `teams-graph-${alerts}` });
  };
  /** The incident's conversation (a thread) and its card, the bot's message with buttons. */
  const incidentThread = (number: number) =>
    eventually(`the thread of INC-${number}`, () => {
      for (const thread of fake.state.threads()) {
        const [root, ...rest] = fake.state.messages(thread.id);
        const card = rest.find((m) => m.from === 'bot' && cardButtons(m).length > 0);
        if (cardText(root).split('\n').some((line) => line.startsWith(`inc-${number}-`)) && card) return { thread, card };
      }
      return undefined;
    });

  it('an alert opens a standard team channel of its own through Graph, the card in its first post`s thread; `incident ack` there acknowledges and the channel`s description follows the status', async () => {
    const number = await openIncident('Checkout latency above 2s');
    const { thread, card } = await incidentThread(number);
    const channel = fake.state.channel(thread.channelId!)!;
    expect(channel).toMatchObject({ createdByGraph: true, membershipType: 'standard' });
    expect(channel.name).toMatch(new RegExp(`^inc-${number}-checkout-latency`));
    expect(channel.name!.length).toBeLessThanOrEqual(50);
    expect(thread.channelId).not.toBe(fake.channelIds.incidents);
    expect(cardText(card)).toContain('Checkout latency above 2s');
    await eventually('the description set', () => (channel.description ?? '').includes('triggered') || undefined);
    const typed = await fake.typed(endpoint, { user: fake.users.alice, conversationId: thread.id, text: 'incident ack' });
    expect(typed.status).toBe(200);
    expect(cardText(fake.state.messages(thread.id).find((m) => m.replyToId === typed.activityId))).toContain(`acknowledged INC-${number}`);
    await eventually('the description updated', () => (channel.description ?? '').includes('acknowledged') || undefined);
    // A click on the card's Resolve, in the channel's first post's thread.
    const resolve = cardButtons(card).find((b) => b.verb === 'incident.resolve')!;
    const clicked = await fake.click(endpoint, { user: fake.users.alice, conversationId: thread.id, cardId: card.id, verb: resolve.verb, value: resolve.value });
    expect(clicked.status).toBe(200);
    await eventually('resolved', async () => ((await bot.database.prisma.incident.findFirst({ where: { title: 'Checkout latency above 2s' } }))?.resolvedAt ? true : undefined));
    await eventually('the description resolved', () => (channel.description ?? '').includes('resolved') || undefined);
    // INCIDENTS_CHANNEL still gets the announcement, and keeps its own description.
    await eventually('the announcement', () => fake.state.messages(fake.channelIds.incidents!).find((m) => cardText(m).includes('Checkout latency above 2s')));
    expect(fake.state.channel(fake.channelIds.incidents!)!.description).toBeUndefined();
    expect(await bot.database.prisma.chatChannel.findFirst({ where: { platform: 'teams', channelId: thread.id } })).toMatchObject({ name: channel.name });
  });

  it('a command typed as a new post in the incident`s channel is that incident`s; a new post in INCIDENTS_CHANNEL belongs to none', async () => {
    const number = await openIncident('Search index stale');
    const { thread } = await incidentThread(number);
    const newPost = `${thread.channelId};messageid=${Date.now()}`;
    const typed = await fake.typed(endpoint, { user: fake.users.alice, conversationId: newPost, text: 'incident ack' });
    expect(typed.status).toBe(200);
    expect(cardText(fake.state.messages(newPost).find((m) => m.replyToId === typed.activityId))).toContain(`acknowledged INC-${number}`);
    await eventually('acknowledged', async () => ((await bot.database.prisma.incident.findFirst({ where: { title: 'Search index stale' } }))?.acknowledgedAt ? true : undefined));
    const elsewhere = `${fake.channelIds.incidents};messageid=${Date.now() + 1}`;
    const dmsBefore = fake.state.dms(fake.users.alice).length;
    await fake.typed(endpoint, { user: fake.users.alice, conversationId: elsewhere, text: 'incident resolve' });
    const answer = await eventually('the answer', () => [...fake.state.messages(elsewhere).filter((m) => m.from === 'bot'), ...fake.state.dms(fake.users.alice).slice(dmsBefore)][0]);
    expect(cardText(answer)).not.toContain(`resolved INC-${number}`);
    expect((await bot.database.prisma.incident.findFirstOrThrow({ where: { title: 'Search index stale' } })).resolvedAt).toBeNull();
  });

  it('a private incident still gets no channel on Teams with Graph on: a bot cannot post into a private channel', async () => {
    // Alice's 1:1 chat with the bot, opened by a page.
    await incidentThread(await openIncident('Disk latency on db-2'));
    const chat = await eventually('the 1:1 chat with alice', () => fake.state.conversations.find((c) => c.kind === 'personal' && c.user === fake.users.alice));
    const channelsBefore = fake.state.channels.length;
    const declared = await fake.typed(endpoint, { user: fake.users.alice, conversationId: chat.id, text: 'incident declare sev2 --private Leaked signing key' });
    expect(declared.status).toBe(200);
    const secret = await bot.database.prisma.incident.findFirstOrThrow({ where: { title: 'Leaked signing key' } });
    expect(secret.private).toBe(true);
    await eventually('the sync done', async () => ((await bot.database.prisma.job.count({ where: { subject: `incident:${secret.id}`, kind: 'incident.sync' } })) === 0 ? true : undefined));
    expect(fake.state.channels).toHaveLength(channelsBefore);
    expect(fake.state.activities.filter((m) => m.from === 'bot' && !fake.state.conversation(m.conversationId)?.user && cardText(m).includes('Leaked signing key'))).toEqual([]);
    expect(await bot.database.prisma.chatChannel.count({ where: { incidentId: secret.id, platform: 'teams' } })).toBe(0);
  });

  it('`incident postmortem` puts the draft into the channel`s files and links it in the incident`s conversation', async () => {
    const number = await openIncident('Payment provider timeouts');
    const { thread } = await incidentThread(number);
    const typed = await fake.typed(endpoint, { user: fake.users.alice, conversationId: thread.id, text: 'incident postmortem' });
    expect(typed.status).toBe(200);
    const file = await eventually('the postmortem file', () => fake.state.uploads.find((u) => u.name === `INC-${number}-postmortem.md`));
    expect(file.channelId).toBe(thread.channelId);
    expect(file.content.toString('utf8')).toContain('Payment provider timeouts');
    const link = await eventually('the message linking it', () => fake.state.messages(thread.id).find((m) => m.from === 'bot' && JSON.stringify(m.attachments).includes(file.webUrl)));
    expect(cardText(link)).toContain(`INC-${number}-postmortem.md`);
    // Not the text inline, as without Graph.
    expect(JSON.stringify(link.attachments)).not.toContain('Monospace');
    expect(fake.tokensIssued().graph).toBeGreaterThanOrEqual(1);
  });

  it('posts the weekly report with its chart, uploaded to the reports channel; a 429 from Graph is waited out by the job engine and the chart lands once', async () => {
    fake.failNext('PUT /v1.0/drives/:drive/items/:item:/:name:/content', { status: 429, retryAfter: 1 });
    const nextMonday = DateTime.utc().startOf('week').plus({ weeks: 1, hours: 9 }).toJSDate();
    await bot.database.prisma.job.updateMany({ where: { kind: 'report.weekly' }, data: { dueAt: new Date(Date.now() - 1000), payload: { occurrence: nextMonday.toISOString() } } });
    bot.worker.wake();
    const reports = fake.channelIds.reports!;
    await eventually('the report', () => fake.state.messages(reports).find((m) => cardText(m).includes('Incident report')));
    const chart = await eventually('the chart', () => fake.state.uploads.find((u) => u.channelId === reports && u.name.endsWith('.png')));
    expect(chart.content.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(fake.failuresServed.some((f) => f.route === 'PUT /v1.0/drives/:drive/items/:item:/:name:/content' && f.status === 429)).toBe(true);
    await eventually('the chart linked', () => fake.state.messages(reports).find((m) => JSON.stringify(m.attachments).includes(chart.webUrl)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.state.messages(reports).filter((m) => JSON.stringify(m.attachments).includes(chart.webUrl))).toHaveLength(1);
  });
});
