import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { eventually } from '../support/eventually.js';

const TOKEN = 'discord-bot-token-for-tests';
const API_TOKEN = 'api-token-0123456789abcdef';

// Typed commands and button clicks, the same on both platforms, are in chat-inbound-contract.test.ts.
describe('Discord, end to end', () => {
  let fake: FakeDiscord;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeDiscord({ token: TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'discord-e2e-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        `  alice: { name: Alice Archer, discord: "${fake.users.alice}" }`,
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
      DISCORD_BOT_TOKEN: TOKEN,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_GUILD_ID: fake.guildId,
      DISCORD_API_URL: fake.apiUrl,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      API_TOKEN,
    });
    await fake.gateway.waitForSession();
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const incident = (number: number) => readJson(fetch(`${bot.url}/api/incidents/${number}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }));
  const alert = async (name: string) => {
    const body = structuredClone(sharedFixture('alertmanager/firing.json')) as { alerts: { fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }[]; groupKey: string };
    body.groupKey = `{}:{alertname="${name}"}`;
    body.alerts = body.alerts.slice(0, 1).map((a) => ({ ...a, fingerprint: `fp-${name}`, labels: { ...a.labels, alertname: name }, annotations: { summary: `${name} on checkout` } }));
    const response = await readJson(
      fetch(`${bot.url}/webhooks/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
    return Number(String(response.alerts[0].incident).slice(4));
  };
  const channelOf = (number: number) => eventually(`channel of INC-${number}`, () => fake.state.channels.find((c) => c.name?.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));

  it('registers /incident and /oncall for the guild', async () => {
    const names = fake.state.commands.map((command) => command.name);
    expect(names).toEqual(expect.arrayContaining(['incident', 'oncall']));
  });

  it('an alert opens a text channel in the Incidents category with an embed card and buttons', async () => {
    const number = await alert('HighErrorRate');
    const channel = await channelOf(number);
    const category = fake.state.channels.find((c) => c.id === channel.parent_id);
    expect(category).toMatchObject({ name: 'Incidents', type: 4 });
    const card = await eventually('the card', () => fake.state.messages(channel.id)[0]);
    expect(JSON.stringify(card)).toContain(`INC-${number}: HighErrorRate on checkout`);
    expect(JSON.stringify(card)).toContain(`"custom_id":"incident.ack:${number}"`);
    await eventually('the topic', () => fake.state.channel(channel.id)?.topic?.startsWith('SEV1 · triggered'));
  });

  it('pages by direct message; the page`s Acknowledge button acknowledges the incident', async () => {
    const number = 1;
    const dm = await eventually('the page DM', () => fake.state.dms.find((d) => d.recipients?.some((u) => u.id === fake.users.alice) && fake.state.messages(d.id).length > 0));
    const page = fake.state.messages(dm.id)[0]!;
    const customId = /"custom_id":"(page\.ack:[^"]+)"/.exec(JSON.stringify(page))![1]!;
    const sent = fake.sendInteraction({ kind: 'button', customId, messageId: page.id, userId: fake.users.alice, channelId: dm.id });
    await fake.waitForAnswer(sent.id);
    await eventually('acknowledged', async () => (await incident(number)).status === 'acknowledged');
    const pages = await bot.database.prisma.page.findMany({ where: { incidentId: number } });
    expect(pages.map((p) => p.status)).toEqual(['acknowledged']);
  });

  it('`/incident postmortem` attaches the draft to the incident channel', async () => {
    const number = await alert('TlsHandshakeErrors');
    const channel = await channelOf(number);
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'postmortem', userId: fake.users.bob, channelId: channel.id });
    await fake.waitForAnswer(sent.id);
    const attachment = await eventually('the attachment', () => fake.state.messages(channel.id).flatMap((m) => m.attachments).find((a) => a.filename === `INC-${number}-postmortem.md`));
    expect(attachment.bytes.toString('utf8')).toContain(`# Postmortem: INC-${number} TlsHandshakeErrors on checkout`);
  });

  it('an interaction delivered twice (a resumed session, a gateway handed to another replica) runs and is answered once', async () => {
    const number = await alert('ReplicaLag');
    const channel = await channelOf(number);
    const notes = async () =>
      ((await readJson(fetch(`${bot.url}/api/incidents/${number}/timeline`, { headers: { authorization: `Bearer ${API_TOKEN}` } }))).events as { kind: string; text: string }[])
        .filter((e) => e.kind === 'note')
        .map((e) => e.text);
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'note', options: { text: 'delivered twice' }, userId: fake.users.bob, channelId: channel.id });
    fake.redeliverInteraction(sent.id);
    await fake.waitForAnswer(sent.id);
    // A later interaction, once answered, shows the second copy had its turn.
    const marker = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'note', options: { text: 'after the copy' }, userId: fake.users.bob, channelId: channel.id });
    await fake.waitForAnswer(marker.id);
    await eventually('the later note', async () => (await notes()).includes('after the copy'));
    expect((await notes()).filter((text) => text === 'delivered twice')).toHaveLength(1);
    // Discord takes one callback per interaction; the bot does not even try a second.
    expect(fake.callsTo('POST /interactions/:interaction/:token/callback').filter((call) => call.path.includes(sent.id))).toHaveLength(1);
  });

  it('carries on after the gateway drops: it reconnects and still answers', async () => {
    const before = fake.gateway.counters.connections;
    fake.gateway.dropConnection({ code: 1006 });
    await eventually('the reconnection', () => fake.gateway.counters.connections > before && fake.gateway.connected, 15_000);
    const number = await alert('CertExpiry');
    const channel = await channelOf(number);
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'ack', userId: fake.users.bob, channelId: channel.id });
    await fake.waitForAnswer(sent.id, 10_000);
    await eventually('acknowledged', async () => (await incident(number)).status === 'acknowledged');
  });
});
