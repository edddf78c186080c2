import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, DiscordAPIError, Events, GatewayIntentBits, HTTPError, MessageFlags, RateLimitError, REST, Routes, type Interaction } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../support/fake-discord/index.js';

const TOKEN = 'fake-discord-bot-token';

let fake: FakeDiscord;
let client: Client;
const seen: Array<{ kind: string; detail: unknown }> = [];

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function discordFailure(call: Promise<unknown>): Promise<DiscordAPIError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof DiscordAPIError) return error;
    throw error;
  }
  throw new Error('expected a DiscordAPIError');
}

/** What the bot under test would do: defer and edit for commands, update the message for buttons. */
async function onInteraction(interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand()) {
    seen.push({ kind: 'command', detail: { name: interaction.commandName, sub: interaction.options.getSubcommand(false), title: interaction.options.getString('title'), channelId: interaction.channelId } });
    if (interaction.options.getSubcommand(false) === 'ignore') return;
    await interaction.deferReply(interaction.options.getSubcommand(false) === 'help' ? { flags: MessageFlags.Ephemeral } : {});
    await interaction.editReply(`Incident opened: ${interaction.options.getString('title') ?? '?'}`);
  } else if (interaction.isButton()) {
    seen.push({ kind: 'button', detail: { customId: interaction.customId, messageId: interaction.message.id } });
    await interaction.update({ content: `Acknowledged by ${interaction.user.username}`, components: [] });
  }
}

beforeAll(async () => {
  fake = await startFakeDiscord({ token: TOKEN });
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client.on(Events.InteractionCreate, (interaction) => void onInteraction(interaction).catch((error: unknown) => seen.push({ kind: 'error', detail: error })));
  const ready = once(client, Events.ClientReady);
  await client.login(TOKEN);
  await ready;
});
afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe('fake Discord: gateway with a real discord.js Client', () => {
  it('lets the client log in: GET /gateway/bot with the bot token, Hello, Identify, READY', () => {
    expect(client.isReady()).toBe(true);
    expect(client.user!.id).toBe(fake.botUserId);
    expect(client.application!.id).toBe(fake.applicationId);
    expect(fake.callsTo('GET /gateway/bot')).toMatchObject([{ status: 200, authorized: true }]);
    expect(fake.gateway.counters.identifies).toBe(1);
    const identify = fake.gateway.received.find((p) => p.op === 2)!.d as Record<string, unknown>;
    expect(identify).toMatchObject({ token: TOKEN, intents: GatewayIntentBits.Guilds, compress: false, shard: [0, 1] });
  });

  it('delivers a slash command; deferReply + editReply land in the fake and in the channel', async () => {
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'declare', options: { title: 'DB down', severity: 'sev1' } });
    await fake.waitForAnswer(sent.id);
    expect(seen.at(-1)).toEqual({ kind: 'command', detail: { name: 'incident', sub: 'declare', title: 'DB down', channelId: fake.generalChannelId } });
    const interaction = fake.state.interaction(sent.id)!;
    expect(interaction.callbacks.map((c) => c.type)).toEqual([5]);
    expect(interaction.original).toMatchObject({ content: 'Incident opened: DB down', flags: 0, edits: [{ content: '' }] });
    expect(fake.state.messages('general').at(-1)!.id).toBe(interaction.original!.id);
    const callback = fake.calls.find((c) => c.route === 'POST /interactions/:interaction/:token/callback' && c.path.includes(sent.id))!;
    expect(callback).toMatchObject({ authorized: false, status: 204, query: '?with_response=false' });
    expect(fake.callsTo('PATCH /webhooks/:app/:token/messages/:message').at(-1)!.path).toContain('%40original');
  });

  it('keeps an ephemeral deferred reply out of the channel', async () => {
    const before = fake.state.messages('general').length;
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'help' });
    await fake.waitForAnswer(sent.id);
    expect(fake.state.interaction(sent.id)!.original!.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(fake.state.messages('general')).toHaveLength(before);
  });

  it('delivers a button click on a posted message; update() edits that message', async () => {
    const posted = (await client.rest.post(Routes.channelMessages(fake.generalChannelId!), {
      body: { content: 'Incident #1', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Ack', custom_id: 'incident:ack:1' }] }] },
    })) as { id: string };
    const sent = fake.sendInteraction({ kind: 'button', customId: 'incident:ack:1', messageId: posted.id });
    await fake.waitForAnswer(sent.id);
    expect(seen.at(-1)).toEqual({ kind: 'button', detail: { customId: 'incident:ack:1', messageId: posted.id } });
    const message = fake.state.messages('general').find((m) => m.id === posted.id)!;
    expect(message).toMatchObject({ content: 'Acknowledged by alice', components: [], edits: [{ content: 'Incident #1' }] });
    expect(fake.state.interaction(sent.id)!.callbacks.map((c) => c.type)).toEqual([7]);
  });

  it('refuses a second acknowledgement (40060) and an unknown interaction (10062)', async () => {
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'declare', options: { title: 'twice' } });
    await fake.waitForAnswer(sent.id);
    const again = await fetch(`${fake.apiUrl}/v10/interactions/${sent.id}/${sent.token}/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":4,"data":{"content":"x"}}' });
    expect([again.status, await again.json()]).toEqual([400, { message: 'Interaction has already been acknowledged.', code: 40060 }]);
    const unknown = await fetch(`${fake.apiUrl}/v10/interactions/1/nope/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":5}' });
    expect([unknown.status, await unknown.json()]).toEqual([404, { message: 'Unknown interaction', code: 10062 }]);
  });

  it('forgets an interaction not answered within 3 seconds', async () => {
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'ignore' });
    await sleep(3100);
    const late = await fetch(`${fake.apiUrl}/v10/interactions/${sent.id}/${sent.token}/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":5}' });
    expect(late.status).toBe(404);
  });

  it('survives an abrupt drop (1006): discord.js resumes and gets what it missed', async () => {
    const resumes = fake.gateway.counters.resumes;
    fake.gateway.dropConnection();
    // Sent while the client is away: Discord keeps it for the resume.
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'declare', options: { title: 'during outage' } });
    await until(() => fake.gateway.counters.resumes === resumes + 1);
    await fake.waitForAnswer(sent.id);
    expect(fake.state.interaction(sent.id)!.original!.content).toBe('Incident opened: during outage');
    expect(fake.gateway.counters.identifies).toBe(1);
  });

  it('re-identifies when the session is invalidated (close 4000, then op 9 on resume) and still receives interactions', async () => {
    const identifies = fake.gateway.counters.identifies;
    fake.gateway.dropConnection({ code: 4000, invalidateSession: true });
    await until(() => fake.gateway.counters.identifies === identifies + 1);
    expect(fake.gateway.counters.invalidSessions).toBeGreaterThanOrEqual(1);
    await fake.gateway.waitForSession();
    const sent = fake.sendInteraction({ kind: 'command', name: 'incident', subcommand: 'declare', options: { title: 'after re-identify' } });
    await fake.waitForAnswer(sent.id);
    expect(fake.state.interaction(sent.id)!.original!.content).toBe('Incident opened: after re-identify');
  });

  it('answers heartbeats with acks', async () => {
    const quick = await startFakeDiscord({ token: TOKEN, heartbeatIntervalMs: 200 });
    const other = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: quick.apiUrl } });
    const ready = once(other, Events.ClientReady);
    await other.login(TOKEN);
    await ready;
    await until(() => quick.gateway.counters.heartbeats >= 3);
    expect(other.ws.ping).toBeGreaterThanOrEqual(0);
    // No zombie-connection reconnects: every beat was acknowledged.
    expect(quick.gateway.counters.connections).toBe(1);
    await other.destroy();
    await quick.close();
  });

  it('fails login with TokenInvalid on a bad token (401 on /gateway/bot)', async () => {
    const bad = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    await expect(bad.login('wrong-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(fake.callsTo('GET /gateway/bot').at(-1)).toMatchObject({ status: 401, response: { message: '401: Unauthorized', code: 0 } });
    await bad.destroy();
  });
});

describe('fake Discord: REST', () => {
  const rest = () => new REST({ api: fake.apiUrl, retries: 0 }).setToken(TOKEN);

  it('rate limits with 429, retry_after and X-RateLimit headers; discord.js waits and retries', async () => {
    fake.failNext('POST /channels/:channel/messages', { status: 429, retryAfter: 1 });
    const started = Date.now();
    await client.rest.post(Routes.channelMessages(fake.generalChannelId!), { body: { content: 'after 429' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const [limited, passed] = fake.callsTo('POST /channels/:channel/messages').slice(-2);
    expect(limited).toMatchObject({ status: 429, response: { message: 'You are being rate limited.', retry_after: 1, global: false } });
    expect(passed!.status).toBe(200);
  });

  it('surfaces a 429 to a REST client that rejects on rate limits (as the bot port does)', async () => {
    fake.failNext('POST /channels/:channel/messages', { status: 429, retryAfter: 3, global: true });
    const strict = new REST({ api: fake.apiUrl, retries: 0, rejectOnRateLimit: () => true }).setToken(TOKEN);
    const failed = await strict.post(Routes.channelMessages(fake.generalChannelId!), { body: { content: 'x' } }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(RateLimitError);
    // @discordjs/rest adds its 50 ms offset to Retry-After.
    expect(failed).toMatchObject({ global: true, retryAfter: 3050 });
    expect(fake.calls.at(-1)!.response).toEqual({ message: 'You are being rate limited.', retry_after: 3, global: true, code: 0 });
  });

  it('answers Missing Access (403, 50001) when told to and for a private channel the bot cannot see', async () => {
    fake.failNext('POST /channels/:channel/messages', { code: 50001 });
    const injected = await discordFailure(client.rest.post(Routes.channelMessages(fake.generalChannelId!), { body: { content: 'x' } }));
    expect([injected.status, injected.code, injected.message]).toEqual([403, 50001, 'Missing Access']);
    const hidden = (await rest().post(Routes.guildChannels(fake.guildId), {
      body: { name: 'secret', type: 0, permission_overwrites: [{ id: fake.guildId, type: 0, deny: String(1 << 10) }] },
    })) as { id: string };
    expect((await discordFailure(rest().post(Routes.channelMessages(hidden.id), { body: { content: 'x' } }))).code).toBe(50001);
  });

  it('answers 500; discord.js retries it, and fails with HTTPError when retries run out', async () => {
    fake.failNext('GET /users/:user', { status: 500 });
    await expect(client.rest.get(Routes.user(fake.users.alice))).resolves.toMatchObject({ username: 'alice' });
    fake.failNext('GET /users/:user', { status: 500 });
    await expect(rest().get(Routes.user(fake.users.alice))).rejects.toBeInstanceOf(HTTPError);
  });

  it('refuses a wrong token with 401 {"message":"401: Unauthorized","code":0}', async () => {
    const response = await fetch(`${fake.apiUrl}/v10/users/@me`, { headers: { authorization: 'Bot nope' } });
    expect([response.status, await response.json()]).toEqual([401, { message: '401: Unauthorized', code: 0 }]);
  });

  it('registers guild commands by bulk overwrite, keeping ids, and refuses bad definitions', async () => {
    const route = Routes.applicationGuildCommands(fake.applicationId, fake.guildId);
    const definition = { name: 'incident', description: 'Incidents', options: [{ type: 1, name: 'declare', description: 'Declare', options: [{ type: 3, name: 'title', description: 'Title', required: true }] }] };
    const [first] = (await rest().put(route, { body: [definition] })) as Array<{ id: string }>;
    const [again] = (await rest().put(route, { body: [definition] })) as Array<{ id: string }>;
    expect(again!.id).toBe(first!.id);
    const bad = await discordFailure(rest().put(route, { body: [{ name: 'Incident', description: '' }] }));
    expect(bad.code).toBe(50035);
    expect(bad.rawError).toMatchObject({ errors: { '0': { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] }, description: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } } } });
    const mixed = await discordFailure(rest().put(route, { body: [{ name: 'x', description: 'x', options: [{ type: 3, name: 'a', description: 'a' }, { type: 3, name: 'b', description: 'b', required: true }] }] }));
    expect(mixed.code).toBe(50035);
    expect(() => fake.sendInteraction({ kind: 'command', name: 'oncall' })).toThrow(/not registered/);
    await rest().put(route, { body: [definition, { name: 'oncall', description: 'On call' }] });
  });

  it('creates a category and private text channels (name lowercased), sets topics, admits members by overwrite', async () => {
    const category = (await rest().post(Routes.guildChannels(fake.guildId), { body: { name: 'Incidents', type: 4 } })) as { id: string; name: string };
    expect(category.name).toBe('Incidents');
    const channel = (await rest().post(Routes.guildChannels(fake.guildId), {
      body: {
        name: 'Inc 7 Breach',
        type: 0,
        parent_id: category.id,
        topic: 'SEV1',
        permission_overwrites: [
          { id: fake.guildId, type: 0, deny: String(1 << 10) },
          { id: fake.botUserId, type: 1, allow: String((1 << 10) | (1 << 11)) },
        ],
      },
    })) as { id: string; name: string; parent_id: string };
    expect(channel).toMatchObject({ name: 'inc-7-breach', parent_id: category.id });
    await rest().put(Routes.channelPermission(channel.id, fake.users.alice), { body: { type: 1, allow: String(1 << 10) } });
    expect(fake.state.admitted(channel.id)).toEqual([fake.botUserId, fake.users.alice]);
    await rest().patch(Routes.channel(channel.id), { body: { topic: 'SEV1 · mitigated' } });
    expect(fake.state.channel(channel.id)!.topic).toBe('SEV1 · mitigated');
    const listed = (await rest().get(Routes.guildChannels(fake.guildId))) as Array<{ name: string }>;
    expect(listed.map((c) => c.name)).toEqual(expect.arrayContaining(['general', 'Incidents', 'inc-7-breach']));
    expect((await discordFailure(rest().post(Routes.guildChannels(fake.guildId), { body: { name: 'x'.repeat(101), type: 0 } }))).code).toBe(50035);
    expect((await discordFailure(rest().post(Routes.guildChannels(fake.guildId), { body: { name: 'y', type: 0, parent_id: fake.generalChannelId } }))).code).toBe(50035);
    expect((await discordFailure(rest().get(Routes.guildChannels('999')))).code).toBe(10004);
  });

  const row = (count: number, id = (i: number) => `b${i}`) => ({ type: 1, components: Array.from({ length: count }, (_, i) => ({ type: 2, style: 1, label: 'x', custom_id: id(i) })) });
  it.each([
    ['a title of 257', { embeds: [{ title: 't'.repeat(257) }] }, ['embeds', '0', 'title']],
    ['a description of 4097', { embeds: [{ description: 'd'.repeat(4097) }] }, ['embeds', '0', 'description']],
    ['26 fields', { embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }] }, ['embeds', '0', 'fields']],
    ['a field value of 1025', { embeds: [{ fields: [{ name: 'n', value: 'v'.repeat(1025) }] }] }, ['embeds', '0', 'fields', '0', 'value']],
    ['6001 characters in all', { embeds: [{ description: 'd'.repeat(4096) }, { description: 'd'.repeat(1905) }] }, ['embeds']],
    ['6 buttons in a row', { components: [row(6)] }, ['components', '0', 'components']],
    ['a custom_id of 101', { components: [row(1, () => 'c'.repeat(101))] }, ['components', '0', 'components', '0', 'custom_id']],
    ['a duplicated custom_id', { components: [row(2, () => 'same')] }, ['components', '0', 'components', '1', 'custom_id']],
    ['6 action rows', { components: Array.from({ length: 6 }, (_, r) => row(1, () => `r${r}`)) }, ['components']],
  ])('refuses a message with %s (50035 Invalid Form Body)', async (_name, body, path) => {
    const failed = await discordFailure(rest().post(Routes.channelMessages(fake.generalChannelId!), { body: { content: 'x', ...body } }));
    expect([failed.status, failed.code]).toEqual([400, 50035]);
    let node = (failed.rawError as { errors: Record<string, unknown> }).errors;
    for (const key of path) node = node[key] as Record<string, unknown>;
    expect(node._errors).toBeDefined();
  });

  it('refuses an empty message (50006) and accepts one right at the limits', async () => {
    expect((await discordFailure(rest().post(Routes.channelMessages(fake.generalChannelId!), { body: { content: '' } }))).code).toBe(50006);
    const body = {
      embeds: [{ title: 't'.repeat(256), description: 'd'.repeat(4096), fields: Array.from({ length: 25 }, () => ({ name: 'n', value: 'v'.repeat(20) })) }],
      components: [row(5), row(5, (i) => `second${i}`)],
    };
    await expect(rest().post(Routes.channelMessages(fake.generalChannelId!), { body })).resolves.toMatchObject({ id: expect.any(String) });
  });

  it('edits a message, keeping its history, and knows unknown ones (10008)', async () => {
    const posted = (await rest().post(Routes.channelMessages(fake.generalChannelId!), { body: { content: 'v1' } })) as { id: string };
    const edited = (await rest().patch(Routes.channelMessage(fake.generalChannelId!, posted.id), { body: { content: 'v2' } })) as { edited_timestamp: string };
    expect(edited.edited_timestamp).toEqual(expect.any(String));
    expect(fake.state.messages('general').find((m) => m.id === posted.id)).toMatchObject({ content: 'v2', edits: [{ content: 'v1' }] });
    expect((await discordFailure(rest().patch(Routes.channelMessage(fake.generalChannelId!, '1'), { body: { content: 'x' } }))).code).toBe(10008);
  });

  it('takes attachments as multipart payload_json + files[n]', async () => {
    const data = Buffer.from('# Postmortem\n');
    await rest().post(Routes.channelMessages(fake.generalChannelId!), {
      body: { content: 'Postmortem', attachments: [{ id: 0, filename: 'postmortem.md', description: 'Postmortem #1' }] },
      files: [{ name: 'postmortem.md', data }],
    });
    const message = fake.state.messages('general').at(-1)!;
    expect(message.attachments).toMatchObject([{ filename: 'postmortem.md', description: 'Postmortem #1', size: data.length }]);
    expect(message.attachments[0]!.bytes.equals(data)).toBe(true);
    expect(fake.calls.at(-1)!.files).toEqual([{ key: 'files[0]', filename: 'postmortem.md', size: data.length }]);
  });

  it('opens DMs (one per user), and refuses closed DMs (50007) and unknown recipients (50033)', async () => {
    const dm = (await rest().post(Routes.userChannels(), { body: { recipient_id: fake.users.bob } })) as { id: string; type: number };
    expect(dm.type).toBe(1);
    expect(((await rest().post(Routes.userChannels(), { body: { recipient_id: fake.users.bob } })) as { id: string }).id).toBe(dm.id);
    await rest().post(Routes.channelMessages(dm.id), { body: { content: 'You are paged' } });
    expect(fake.state.messages(dm.id).map((m) => m.content)).toEqual(['You are paged']);
    const carol = (await rest().post(Routes.userChannels(), { body: { recipient_id: fake.users.carol } })) as { id: string };
    expect((await discordFailure(rest().post(Routes.channelMessages(carol.id), { body: { content: 'x' } }))).code).toBe(50007);
    expect((await discordFailure(rest().post(Routes.userChannels(), { body: { recipient_id: '42' } }))).code).toBe(50033);
  });

  it('answers users and members, and Unknown User / Unknown Member', async () => {
    await expect(rest().get(Routes.user(fake.users.alice))).resolves.toMatchObject({ username: 'alice', global_name: 'Alice Archer' });
    await expect(rest().get(Routes.guildMember(fake.guildId, fake.users.bob))).resolves.toMatchObject({ user: { id: fake.users.bob }, roles: [] });
    expect((await discordFailure(rest().get(Routes.user('42')))).code).toBe(10013);
    expect((await discordFailure(rest().get(Routes.guildMember(fake.guildId, '42')))).code).toBe(10007);
  });
});
