import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatApiError } from '../../../src/chat/chat-port.js';
import { BotFrameworkJwtVerifier, BotTokenRefused } from '../../../src/chat/teams/bot-framework-jwt.js';
import { BotFrameworkToken, GRAPH_SCOPE } from '../../../src/chat/teams/bot-framework-token.js';
import { TeamsChatPort } from '../../../src/chat/teams/teams-chat-port.js';
import { systemClock } from '../../../src/time/clock.js';
import { startFakeTeams, type FakeTeams, type SendOptions } from '../../support/fake-teams/index.js';

const APP_ID = '3f1c2b4a-5d6e-4f70-8a91-b2c3d4e5f607';
const PASSWORD = 'fake-teams-test-secret';
const TENANT = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';

// The stand-in must be as strict as the real connector, or the adapter's tests prove nothing.
describe('fake Teams (Bot Connector stand-in)', () => {
  let fake: FakeTeams;
  let token: string;
  const call = (method: string, path: string, body?: unknown, bearer: string | undefined = token) =>
    fetch(`${fake.url}${path}`, { method, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const card = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4', body: [] } }] };

  beforeAll(async () => {
    fake = await startFakeTeams({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, channels: ['incidents'] });
    token = await new BotFrameworkToken({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, loginUrl: fake.url, clock: systemClock }).get();
  });
  afterAll(() => fake?.close());

  it('issues a token only for the right secret, and the refusal names TEAMS_APP_PASSWORD but not the secret', async () => {
    const wrong = await new BotFrameworkToken({ appId: APP_ID, appPassword: 'not-the-secret', tenantId: TENANT, loginUrl: fake.url, clock: systemClock }).get().catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ChatApiError);
    expect((wrong as ChatApiError).platformCode).toBe('invalid_client');
    expect((wrong as ChatApiError).retryable).toBe(false);
    expect((wrong as Error).message).toContain('TEAMS_APP_PASSWORD');
    expect((wrong as Error).message).not.toContain('not-the-secret');
    const scope = await fetch(`${fake.url}/${TENANT}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: PASSWORD, scope: 'https://management.azure.com/.default' }) });
    expect(scope.status).toBe(400);
    // Graph's scope is issued too (TEAMS_GRAPH=on), a token of its own.
  });

  it('one token request serves concurrent callers', async () => {
    let requests = 0;
    const counting = createServer((request, response) => {
      requests++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ access_token: 'abc', expires_in: 3600 }));
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const provider = new BotFrameworkToken({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, loginUrl: `http://127.0.0.1:${(counting.address() as AddressInfo).port}`, clock: systemClock });
    expect(await Promise.all([provider.get(), provider.get(), provider.get()])).toEqual(['abc', 'abc', 'abc']);
    expect(await provider.get()).toBe('abc');
    expect(requests).toBe(1);
    await new Promise<void>((resolve) => counting.close(() => resolve()));
  });

  it('refuses connector calls without its token, and activities without their required fields', async () => {
    const denied = await call('POST', `/v3/conversations/${encodeURIComponent(fake.teamId)}/activities`, card, 'forged');
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ message: 'Authorization has been denied for this request.' });
    expect((await call('POST', '/v3/conversations', { isGroup: true, activity: card })).status).toBe(400);
    const noType = await call('POST', '/v3/conversations', { isGroup: true, channelData: { channel: { id: fake.teamId }, tenant: { id: TENANT } }, activity: { text: 'x' } });
    expect(noType.status).toBe(400);
    expect(((await noType.json()) as { error: { code: string } }).error.code).toBe('BadArgument');
    const huge = await call('POST', '/v3/conversations', { isGroup: true, channelData: { channel: { id: fake.teamId }, tenant: { id: TENANT } }, activity: { type: 'message', text: 'x'.repeat(40_000) } });
    expect(huge.status).toBe(413);
    expect((await call('POST', '/v3/conversations', { members: [{ id: fake.users.alice }], tenantId: TENANT })).status).toBe(400);
    expect((await call('PUT', `/v3/conversations/${encodeURIComponent(fake.teamId)}/activities/123`, card)).status).toBe(404);
  });

  it('fails on demand: 429 with Retry-After, 500, and a refusal, each read by the port as the engine needs', async () => {
    const port = TeamsChatPort.create({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, teamId: fake.teamId, apiUrl: fake.url, clock: systemClock });
    const thread = await port.createChannel({ name: 'inc-1-db', private: false });
    const route = 'POST /v3/conversations/:conversation/activities' as const;
    fake.failNext(route, { status: 429, retryAfter: 3 });
    fake.failNext(route, { status: 500 });
    fake.failNext(route, { status: 403, code: 'BotNotInConversationRoster' });
    const post = () => port.postMessage(thread.channelId, { summary: 'x', sections: [] }).catch((e: unknown) => e as ChatApiError) as Promise<ChatApiError>;
    expect((await post()).retryHint).toEqual({ retryable: true, retryAfterMs: 3000 });
    expect((await post()).retryHint).toEqual({ retryable: true });
    const refused = (await post()) as ChatApiError;
    expect([refused.retryable, refused.platformCode]).toEqual([false, 'BotNotInConversationRoster']);
    expect(await post()).toMatchObject({ channelId: thread.channelId });
    expect(fake.state.messages(thread.channelId)).toHaveLength(2);
  });

  it('signs activities the verifier accepts, and bad ones it refuses', async () => {
    const verifier = new BotFrameworkJwtVerifier({ appId: APP_ID, openIdUrl: fake.url, clock: systemClock });
    let authorization = '';
    let body: { serviceUrl?: string; channelId?: string } = {};
    const catcher = createServer((request, response) => {
      authorization = request.headers.authorization ?? '';
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        body = JSON.parse(raw) as typeof body;
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', resolve));
    const botUrl = `http://127.0.0.1:${(catcher.address() as AddressInfo).port}`;
    const check = async (options: SendOptions) => {
      await fake.sendActivity(botUrl, { type: 'message' }, options);
      try {
        verifier.checkActivity(await verifier.verify(authorization), body);
        return 'accepted';
      } catch (error) {
        return (error as BotTokenRefused).reason;
      }
    };
    expect(await check({})).toBe('accepted');
    expect(await check({ badSignature: true })).toBe('bad signature');
    expect(await check({ wrongAudience: true })).toContain('aud');
    expect(await check({ expired: true })).toBe('expired');
    expect(await check({ unknownKey: true })).toBe('signed by an unknown key');
    expect(await check({ forgedServiceUrl: true })).toContain('serviceUrl');
    await fake.rotateKeys();
    expect(await check({})).toBe('accepted');
    await new Promise<void>((resolve) => catcher.close(() => resolve()));
  });
});

// The Graph half of the stand-in: its own token (Graph's scope), Graph's error body, and the
// refusals of the real Graph that the port must survive.
describe('fake Teams (Microsoft Graph stand-in)', () => {
  let fake: FakeTeams;
  let graphToken: string;
  let connectorToken: string;
  const graph = (method: string, path: string, body?: unknown, bearer: string | undefined = graphToken) =>
    fetch(`${fake.url}/v1.0${path}`, { method, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

  beforeAll(async () => {
    fake = await startFakeTeams({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, channels: ['incidents'] });
    graphToken = await new BotFrameworkToken({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, loginUrl: fake.url, clock: systemClock, scope: GRAPH_SCOPE }).get();
    connectorToken = await new BotFrameworkToken({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, loginUrl: fake.url, clock: systemClock }).get();
  });
  afterAll(() => fake?.close());

  it('takes only a token issued for Graph`s scope: no token, a forged one and the connector`s are refused with Graph`s 401 body', async () => {
    expect(graphToken).not.toBe(connectorToken);
    const folder = `/teams/${fake.groupId}/channels/${encodeURIComponent(fake.channelIds.incidents!)}/filesFolder`;
    for (const bearer of ['', 'forged', connectorToken]) {
      const denied = await graph('GET', folder, undefined, bearer);
      expect(denied.status).toBe(401);
      expect((await errorOf(denied)).code).toBe('InvalidAuthenticationToken');
    }
    // And the connector does not take Graph's token.
    expect((await fetch(`${fake.url}/v3/teams/${encodeURIComponent(fake.teamId)}/conversations`, { headers: { authorization: `Bearer ${graphToken}` } })).status).toBe(401);
    const ok = await graph('GET', folder);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { parentReference: { driveId: string } }).parentReference.driveId).toBeTruthy();
  });

  it('refuses channel names Graph refuses (400), a taken name (409), and a private channel without an owner', async () => {
    const create = (body: Record<string, unknown>) => graph('POST', `/teams/${fake.groupId}/channels`, body);
    for (const displayName of ['a'.repeat(51), 'inc-1 db/disk', 'inc#1', "o'brien", '_hidden', '.dot', 'trailing.', 'a:b', 'x?y', 'a|b', 'a&b']) {
      const refused = await create({ displayName, membershipType: 'standard' });
      expect(refused.status, displayName).toBe(400);
      expect((await errorOf(refused)).code).toBe('BadRequest');
    }
    expect((await create({ displayName: 'inc-1-disk-full', membershipType: 'standard' })).status).toBe(201);
    const taken = await create({ displayName: 'INC-1-DISK-FULL' });
    expect(taken.status).toBe(409);
    expect((await errorOf(taken)).code).toBe('NameAlreadyExists');
    expect((await create({ displayName: 'inc-2-secret', membershipType: 'private', members: [] })).status).toBe(400);
    const bind = `https://graph.microsoft.com/v1.0/users('${fake.users.alice}')`;
    const secret = await create({ displayName: 'inc-2-secret', membershipType: 'private', members: [{ '@odata.type': '#microsoft.graph.aadUserConversationMember', 'user@odata.bind': bind, roles: ['owner'] }] });
    expect(secret.status).toBe(201);
    expect(fake.state.channels.find((c) => c.name === 'inc-2-secret')).toMatchObject({ membershipType: 'private', members: [{ user: fake.users.alice, owner: true }] });
    // The connector refuses bot posts in a private channel, as Microsoft documents.
    const privateId = fake.state.channels.find((c) => c.name === 'inc-2-secret')!.id;
    const card = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4', body: [] } }] };
    const post = await fetch(`${fake.url}/v3/conversations`, { method: 'POST', headers: { authorization: `Bearer ${connectorToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ isGroup: true, channelData: { channel: { id: privateId }, tenant: { id: TENANT } }, activity: card }) });
    expect(post.status).toBe(403);
    const member = await graph('POST', `/teams/${fake.groupId}/channels/${encodeURIComponent(privateId)}/members`, { '@odata.type': '#microsoft.graph.aadUserConversationMember', 'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${fake.users.bob}')`, roles: [] });
    expect(member.status).toBe(201);
    expect((await graph('POST', `/teams/${fake.groupId}/channels/${encodeURIComponent(privateId)}/members`, { '@odata.type': '#microsoft.graph.aadUserConversationMember', 'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${fake.users.bob}')`, roles: [] })).status).toBe(409);
  });

  it('fails on demand with 429 and Retry-After or 500, which the port reads as retryable; records uploads', async () => {
    const port = TeamsChatPort.create({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, teamId: fake.teamId, apiUrl: fake.url, clock: systemClock, graph: { groupId: fake.groupId, url: `${fake.url}/v1.0` } });
    const channel = fake.channelIds.incidents!;
    const upload = () => port.uploadFile(channel, { filename: 'chart.png', title: 'Chart', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }).then(() => undefined, (e: unknown) => e as ChatApiError);
    fake.failNext('GET /v1.0/teams/:group/channels/:channel/filesFolder', { status: 429, retryAfter: 7 });
    expect((await upload())?.retryHint).toEqual({ retryable: true, retryAfterMs: 7000 });
    fake.failNext('PUT /v1.0/drives/:drive/items/:item:/:name:/content', { status: 500 });
    expect((await upload())?.retryHint).toEqual({ retryable: true });
    fake.failNext('PUT /v1.0/drives/:drive/items/:item:/:name:/content', { status: 403, code: 'accessDenied' });
    const refused = (await upload())!;
    expect([refused.retryable, refused.platformCode]).toEqual([false, 'accessDenied']);
    expect(await upload()).toBeUndefined();
    expect(fake.state.uploads.filter((u) => u.name === 'chart.png').map((u) => [...u.content])).toEqual([[0x89, 0x50, 0x4e, 0x47]]);
    // The same name again (next week's chart) is kept beside the first, not over it.
    await port.uploadFile(channel, { filename: 'chart.png', title: 'Chart', content: Buffer.from([1, 2, 3]) });
    expect(fake.state.uploads.filter((u) => u.channelId === channel).map((u) => u.name)).toEqual(['chart.png', 'chart 1.png']);
    expect(fake.state.messages(channel).filter((m) => JSON.stringify(m.attachments).includes('chart%201.png'))).toHaveLength(1);
    const big = await port.uploadFile(channel, { filename: 'big.bin', title: 'Big', content: Buffer.alloc(4 * 1024 * 1024 + 1) }).catch((e: unknown) => e as ChatApiError);
    expect(big).toMatchObject({ platformCode: 'file_too_large', retryable: false });
  });

  it('a channel per incident: a standard channel under Graph`s rules, a taken name suffixed, the card`s thread started in it, the topic as its description', async () => {
    const port = TeamsChatPort.create({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, teamId: fake.teamId, incidentsChannel: 'incidents', apiUrl: fake.url, clock: systemClock, graph: { groupId: fake.groupId, url: `${fake.url}/v1.0` } });
    expect(port.capabilities).toMatchObject({ channelTopics: true, fileUploads: true, privateChannels: false });
    const long = `inc-31-${'checkout-'.repeat(10)}errors`;
    const first = await port.createChannel({ name: long, private: false, purpose: 'Incident 31' });
    expect(first.name).toHaveLength(50);
    const channel = fake.state.channels.find((c) => c.name === first.name)!;
    expect(channel).toMatchObject({ membershipType: 'standard', createdByGraph: true });
    // The incident's conversation is a thread in its own channel, started by the bot.
    expect(first.channelId.startsWith(`${channel.id};messageid=`)).toBe(true);
    expect(fake.state.messages(first.channelId)[0]).toMatchObject({ from: 'bot' });
    expect(await port.resolveChannel(long)).toBe(first.channelId);
    // A channel a person made earlier holds the name: the bot takes the next one.
    fake.state.channels.push({ id: '19:person-made@thread.tacv2', name: 'inc-32-payments' });
    const second = await port.createChannel({ name: 'inc-32-payments', private: false });
    expect(second.name).toBe('inc-32-payments-2');
    // The name of a channel deleted lately: Graph answers 400 saying the name exists.
    fake.failNext('POST /v1.0/teams/:group/channels', { status: 400, code: 'BadRequest', message: 'Channel name already existed, please use other name.' });
    expect((await port.createChannel({ name: 'inc-33-cache', private: false })).name).toBe('inc-33-cache-2');
    // Found again by its wanted name after a restart (a new port), though Graph's name is shorter.
    const again = TeamsChatPort.create({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, teamId: fake.teamId, apiUrl: fake.url, clock: systemClock, graph: { groupId: fake.groupId, url: `${fake.url}/v1.0` } });
    expect(await again.resolveChannel(long)).toBe(channel.id);
    await port.setTopic(first.channelId, 'SEV2 · acknowledged');
    expect(channel.description).toBe('SEV2 · acknowledged');
    // Never the description of General or INCIDENTS_CHANNEL (threads from before Graph was on).
    await port.setTopic(`${fake.channelIds.incidents};messageid=1`, 'SEV1 · triggered');
    await port.setTopic(fake.teamId, 'SEV1 · triggered');
    expect(fake.state.channels.filter((c) => !c.createdByGraph).map((c) => c.description)).toEqual([undefined, undefined, undefined]);
  });

  it('a failure after the channel was made is retried into the same channel; Graph`s 429 and refusals reach the engine as they are', async () => {
    const port = TeamsChatPort.create({ appId: APP_ID, appPassword: PASSWORD, tenantId: TENANT, teamId: fake.teamId, apiUrl: fake.url, clock: systemClock, graph: { groupId: fake.groupId, url: `${fake.url}/v1.0` } });
    fake.failNext('POST /v1.0/teams/:group/channels', { status: 429, retryAfter: 5 });
    const limited = (await port.createChannel({ name: 'inc-40-queue', private: false }).catch((e: unknown) => e)) as ChatApiError;
    expect(limited.retryHint).toEqual({ retryable: true, retryAfterMs: 5000 });
    fake.failNext('POST /v3/conversations', { status: 500 });
    const failed = (await port.createChannel({ name: 'inc-40-queue', private: false }).catch((e: unknown) => e)) as ChatApiError;
    expect(failed.retryable).toBe(true);
    const made = await port.createChannel({ name: 'inc-40-queue', private: false });
    expect(made.name).toBe('inc-40-queue');
    expect(fake.state.channels.filter((c) => c.name?.startsWith('inc-40-queue'))).toHaveLength(1);
    fake.failNext('POST /v1.0/teams/:group/channels', { status: 403, code: 'Forbidden' });
    const refused = (await port.createChannel({ name: 'inc-41-refused', private: false }).catch((e: unknown) => e)) as ChatApiError;
    expect([refused.retryable, refused.platformCode]).toEqual([false, 'Forbidden']);
    await expect(port.createChannel({ name: 'inc-42-secret', private: true })).rejects.toThrow(/private_channels_unsupported/);
  });
});
