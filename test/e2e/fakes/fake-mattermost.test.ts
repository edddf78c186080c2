import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatApiError } from '../../../src/chat/chat-port.js';
import { MattermostChatPort } from '../../../src/chat/mattermost/mattermost-chat-port.js';
import { startFakeMattermost, type FakeMattermost } from '../../support/fake-mattermost/index.js';

// The stand-in refuses what Mattermost refuses, and the port reads its answers as Mattermost's.
describe('the Mattermost stand-in and the port against it', () => {
  let fake: FakeMattermost;
  let port: MattermostChatPort;
  beforeAll(async () => {
    fake = await startFakeMattermost({ token: 'fake-mm-token' });
    port = MattermostChatPort.create({ url: fake.url, token: fake.token, team: fake.teamName, buttons: { url: 'http://127.0.0.1:1/mattermost/actions?key=k', key: Buffer.from('k') } });
  });
  afterAll(() => fake?.close());

  const call = (path: string, init: RequestInit = {}, token = fake.token) =>
    fetch(`${fake.url}/api/v4${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id?: string } }));

  it('refuses a wrong token, a bad channel name, a post without content and a button id with punctuation, with Mattermost`s error ids', async () => {
    expect(await call('/users/me', {}, 'wrong')).toMatchObject({ status: 401, body: { id: 'api.context.session_expired.app_error' } });
    expect(await call('/channels', { method: 'POST', body: JSON.stringify({ team_id: fake.teamId, name: 'Has Spaces', display_name: 'x', type: 'O' }) })).toMatchObject({ status: 400 });
    expect(await call('/posts', { method: 'POST', body: JSON.stringify({ channel_id: fake.generalChannelId }) })).toMatchObject({ status: 400 });
    const badButton = { attachments: [{ actions: [{ id: 'incident.ack', name: 'Ack', integration: { url: 'http://x', context: {} } }] }] };
    expect(await call('/posts', { method: 'POST', body: JSON.stringify({ channel_id: fake.generalChannelId, message: 'x', props: badButton }) })).toMatchObject({ status: 400, body: { id: 'model.post.is_valid.action_id.app_error' } });
  });

  it('a create retried after its answer was lost finds the bot`s channel; a name someone else took gets a suffix', async () => {
    const first = await port.createChannel({ name: 'inc-9-db-down', private: false });
    const again = await port.createChannel({ name: 'inc-9-db-down', private: false });
    expect(again).toEqual(first);
    const taken = await port.createChannel({ name: 'town-square', private: false });
    expect(taken.name).toBe('town-square-2');
  });

  it('reads a 429`s X-Ratelimit-Reset, a 500 as retryable, a 403 as final', async () => {
    fake.failNext('GET /users/:id', { status: 429, reset: 7 });
    const limited = await port.getUser(fake.users.bob).catch((error: unknown) => error as ChatApiError);
    expect(limited).toMatchObject({ platformCode: 'rate_limited', options: { retryable: true, retryAfterMs: 7_000, status: 429 } });
    fake.failNext('GET /users/:id', { status: 500 });
    expect(await port.getUser(fake.users.bob).catch((error: unknown) => error)).toMatchObject({ options: { retryable: true, status: 500 } });
    fake.failNext('GET /users/:id', { status: 403 });
    expect(await port.getUser(fake.users.bob).catch((error: unknown) => error)).toMatchObject({ platformCode: 'api.context.permissions.app_error', options: { retryable: false } });
    expect(await port.getUser(fake.users.bob)).toMatchObject({ name: 'Bob Baker', email: 'bob@example.com', timeZone: 'America/New_York' });
  });
});
