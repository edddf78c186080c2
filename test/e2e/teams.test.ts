import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { cardButtons, cardText, startFakeTeams, type FakeTeams, type SendOptions } from '../support/fake-teams/index.js';
import { freePort } from '../support/free-port.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const APP_ID = '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e';
const PASSWORD = 'teams-e2e-client-secret-value';
const TENANT = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const API_TOKEN = 'api-token-teams-e2e-000001';

// The whole workflow on Microsoft Teams alone: an incident thread with its card, a page by
// proactive DM, @mention commands and Action.Execute clicks, and the requests it must refuse.
describe('Microsoft Teams', () => {
  let fake: FakeTeams;
  let bot: TestBot;
  let dir: string;
  let endpoint: string;

  beforeAll(async () => {
    fake = await startFakeTeams({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, channels: ['incidents', 'reports'] });
    dir = mkdtempSync(join(tmpdir(), 'teams-e2e-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        `  alice: { name: Alice Archer, teams: ${fake.users.alice} }`,
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
      INCIDENTS_CHANNEL: 'incidents',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      API_TOKEN,
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
    return fireGenericAlert(bot, { title, severity: 'critical', service: 'checkout', fingerprint: `teams-${alerts}`, group: `teams-${alerts}` });
  };
  const api = (path: string) => readJson(fetch(`${bot.url}/api${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }));
  /** The incident's thread (started in the incidents channel) and its card, the bot's message with buttons. */
  const incidentThread = (number: number) =>
    eventually(`the thread of INC-${number}`, () => {
      for (const thread of fake.state.threads()) {
        const [root, ...rest] = fake.state.messages(thread.id);
        const card = rest.find((m) => m.from === 'bot' && cardButtons(m).length > 0);
        if (cardText(root).split('\n').some((line) => line.startsWith(`inc-${number}-`)) && card) return { thread, card };
      }
      return undefined;
    });

  it('an alert opens a thread in the incidents channel with its card; the on-call person is paged by DM; `@bot incident ack` in the thread acknowledges and the card changes in place', async () => {
    const number = await openIncident('Checkout error rate above 5%');
    const { thread, card } = await incidentThread(number);
    expect(thread.channelId).toBe(fake.channelIds.incidents);
    expect(cardText(card)).toContain('Checkout error rate above 5%');
    expect(cardButtons(card).map((b) => b.verb)).toEqual(expect.arrayContaining(['incident.ack', 'incident.resolve']));
    expect(card.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');

    const page = await eventually('the page by DM', () => fake.state.dms(fake.users.alice).find((m) => cardText(m).includes('Checkout error rate above 5%')));
    expect(cardButtons(page).some((b) => b.verb === 'page.ack')).toBe(true);

    const typed = await fake.typed(endpoint, { user: fake.users.alice, conversationId: thread.id, text: 'incident ack' });
    expect(typed.status).toBe(200);
    const reply = fake.state.messages(thread.id).find((m) => m.replyToId === typed.activityId);
    expect(cardText(reply)).toContain(`acknowledged INC-${number}`);
    expect((await api(`/incidents/${number}`)).status).toBe('acknowledged');
    const ack = (await api(`/incidents/${number}/timeline`)).events.find((e: { kind: string }) => e.kind === 'status.acknowledged');
    expect(ack.actor.name).toBe('Alice Archer');
    await eventually('the card updated in place', () => (card.edits > 0 && !cardButtons(card).some((b) => b.verb === 'incident.ack')) || undefined);
    expect(fake.state.messages(thread.id).filter((m) => cardButtons(m).some((b) => b.verb === 'incident.resolve'))).toHaveLength(1);
  });

  it('`@bot incident role commander @Bob` in the thread makes the mentioned person commander, looked up by the id Teams sends', async () => {
    const number = await openIncident('Search index stale');
    const { thread } = await incidentThread(number);
    const typed = await fake.typed(endpoint, { user: fake.users.alice, conversationId: thread.id, text: 'incident role commander', mentions: [fake.users.bob] });
    expect(typed.status).toBe(200);
    const reply = await eventually('the answer in the thread', () => fake.state.messages(thread.id).find((m) => m.replyToId === typed.activityId));
    // A real Teams mention of each person in the answer, by the name the roster gives.
    expect(cardText(reply)).toContain(`<at>Alice Archer</at> made <at>Bob Baker</at> **commander** of INC-${number}.`);
    expect((await api(`/incidents/${number}`)).roles).toEqual({ commander: 'Bob Baker' });
  });

  it('a click on Resolve resolves for a responder; a stranger`s click is refused privately and changes nothing', async () => {
    const number = await openIncident('Queue backlog growing');
    const { thread, card } = await incidentThread(number);
    const resolve = cardButtons(card).find((b) => b.verb === 'incident.resolve')!;
    const refused = await fake.click(endpoint, { user: fake.users.bob, conversationId: thread.id, cardId: card.id, verb: resolve.verb, value: resolve.value });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(refused.body.value).toContain('not listed in oncall.yaml');
    expect(fake.state.messages(thread.id).some((m) => m.replyToId === refused.activityId)).toBe(false);
    expect((await api(`/incidents/${number}`)).status).toBe('triggered');

    const done = await fake.click(endpoint, { user: fake.users.alice, conversationId: thread.id, cardId: card.id, verb: resolve.verb, value: resolve.value });
    expect(done.status).toBe(200);
    expect(fake.state.messages(thread.id).some((m) => m.replyToId === done.activityId)).toBe(true);
    expect((await api(`/incidents/${number}`)).status).toBe('resolved');
  });

  it('Acknowledge on the page in the 1:1 chat acknowledges the incident', async () => {
    const number = await openIncident('Payment provider timeouts');
    await incidentThread(number);
    const page = await eventually('the page by DM', () => fake.state.dms(fake.users.alice).find((m) => cardText(m).includes('Payment provider timeouts') && cardButtons(m).length > 0));
    const ack = cardButtons(page).find((b) => b.verb === 'page.ack')!;
    const clicked = await fake.click(endpoint, { user: fake.users.alice, conversationId: page.conversationId, cardId: page.id, verb: ack.verb, value: ack.value });
    expect(clicked.status).toBe(200);
    expect((await api(`/incidents/${number}`)).status).toBe('acknowledged');
  });

  it('a command typed in the 1:1 chat is answered there; unknown words get the usage help', async () => {
    const number = await openIncident('Replica lag');
    await incidentThread(number);
    const chat = await eventually('the 1:1 chat with alice', () => fake.state.conversations.find((c) => c.kind === 'personal' && c.user === fake.users.alice));
    const who = await fake.typed(endpoint, { user: fake.users.alice, conversationId: chat.id, text: '/oncall' });
    expect(who.status).toBe(200);
    expect(cardText(fake.state.messages(chat.id).find((m) => m.replyToId === who.activityId))).toContain('On call now');
    const hello = await fake.typed(endpoint, { user: fake.users.alice, conversationId: chat.id, text: 'hello bot' });
    expect(cardText(fake.state.messages(chat.id).find((m) => m.replyToId === hello.activityId))).toMatch(/\/incident/);
  });

  it('a private incident opens no thread on Teams, where the whole channel would see it', async () => {
    await incidentThread(await openIncident('Disk latency'));
    const chat = await eventually('the 1:1 chat with alice', () => fake.state.conversations.find((c) => c.kind === 'personal' && c.user === fake.users.alice));
    const declared = await fake.typed(endpoint, { user: fake.users.alice, conversationId: chat.id, text: 'incident declare sev2 --private Card numbers in the logs' });
    expect(declared.status).toBe(200);
    const secret = await bot.database.prisma.incident.findFirstOrThrow({ where: { title: 'Card numbers in the logs' } });
    expect(secret.private).toBe(true);
    // Its sync ran (the job is done) and left Teams alone.
    await eventually('the sync done', async () => ((await bot.database.prisma.job.count({ where: { subject: `incident:${secret.id}`, kind: 'incident.sync' } })) === 0 ? true : undefined));
    const leaked = fake.state.threads().flatMap((thread) => fake.state.messages(thread.id)).filter((m) => cardText(m).includes('Card numbers'));
    expect(leaked).toEqual([]);
    expect(await bot.database.prisma.chatChannel.count({ where: { incidentId: secret.id, platform: 'teams' } })).toBe(0);
  });

  it('refuses a bad signature, a wrong audience, an expired token, an unknown key, a forged serviceUrl and no token; nothing changes', async () => {
    const number = await openIncident('Disk full on db-1');
    const { thread } = await incidentThread(number);
    const refusedIds: string[] = [];
    const cases: SendOptions[] = [{ badSignature: true }, { wrongAudience: true }, { expired: true }, { unknownKey: true }, { forgedServiceUrl: true }, { noToken: true }];
    for (const options of cases) {
      const sent = await fake.typed(endpoint, { user: fake.users.alice, conversationId: thread.id, text: 'incident ack' }, options);
      expect([Object.keys(options)[0], sent.status]).toEqual([Object.keys(options)[0], 401]);
      expect(JSON.stringify(sent.body)).not.toMatch(/eyJ/);
      refusedIds.push(sent.activityId);
    }
    expect((await api(`/incidents/${number}`)).status).toBe('triggered');
    expect(fake.state.messages(thread.id).filter((m) => m.replyToId && refusedIds.includes(m.replyToId))).toHaveLength(0);
  });

  it('after Microsoft rotates its signing keys, new requests are still accepted', async () => {
    const number = await openIncident('Certificate expiring');
    const { thread } = await incidentThread(number);
    await fake.rotateKeys();
    const sent = await fake.typed(endpoint, { user: fake.users.alice, conversationId: thread.id, text: 'incident ack' });
    expect(sent.status).toBe(200);
    expect((await api(`/incidents/${number}`)).status).toBe('acknowledged');
  });

  it('the same activity delivered twice is run once', async () => {
    const number = await openIncident('Cache evictions');
    const { thread } = await incidentThread(number);
    const activity = {
      type: 'message',
      id: `dup-${number}`,
      text: '<at>Incident Bot</at> incident note checked the cache',
      from: { id: '29:alice', name: 'Alice Archer', aadObjectId: fake.users.alice.toUpperCase() },
      recipient: { id: fake.botId, name: 'Incident Bot' },
      conversation: { id: thread.id, conversationType: 'channel', tenantId: TENANT },
      entities: [{ type: 'mention', text: '<at>Incident Bot</at>', mentioned: { id: fake.botId } }],
    };
    expect((await fake.sendActivity(endpoint, activity)).status).toBe(200);
    expect((await fake.sendActivity(endpoint, activity)).status).toBe(200);
    const notes = (await api(`/incidents/${number}/timeline`)).events.filter((e: { kind: string }) => e.kind === 'note');
    expect(notes).toHaveLength(1);
    // The Entra object id is matched case-insensitively: the note is Alice's.
    expect(notes[0].actor.name).toBe('Alice Archer');
  });

  it('alert text that looks like a Teams mention mentions nobody', async () => {
    const number = await openIncident('<at>Alice Archer</at> disk alert');
    const { card } = await incidentThread(number);
    const content = card.attachments[0]!.content as { msteams: { entities?: unknown[] } };
    expect(JSON.stringify(content)).not.toContain('<at>Alice Archer</at>');
    expect(content.msteams.entities ?? []).toHaveLength(0);
  });

  it('a 429 from the connector is retried by the job engine: the card arrives, once', async () => {
    fake.failNext('POST /v3/conversations/:conversation/activities', { status: 429, retryAfter: 1 });
    const number = await openIncident('Cache hit ratio low');
    const { thread } = await incidentThread(number);
    expect(fake.failuresServed.some((f) => f.status === 429)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.state.messages(thread.id).filter((m) => cardButtons(m).length > 0 && cardText(m).includes('Cache hit ratio low'))).toHaveLength(1);
  });
});
