import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatApiError } from '../../../src/chat/chat-port.js';
import { BotFrameworkJwtVerifier, BotTokenRefused } from '../../../src/chat/teams/bot-framework-jwt.js';
import { BotFrameworkToken } from '../../../src/chat/teams/bot-framework-token.js';
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
    const scope = await fetch(`${fake.url}/${TENANT}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: PASSWORD, scope: 'https://graph.microsoft.com/.default' }) });
    expect(scope.status).toBe(400);
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
