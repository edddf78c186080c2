import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { ErrorCode, LogLevel, WebClient, type Logger, type WebClientOptions } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, slackSignature, type FakeSlack } from '../../support/fake-slack/index.js';
import { sharedFixture } from '../../support/fixtures.js';

const TOKEN = 'xoxb-fake-token';
const SECRET = 'fake-signing-secret';

let fake: FakeSlack;
let client: WebClient;

/** WebClient logs Slack's response_metadata messages at error level; the tests assert on them instead. */
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

function clientWith(token: string | undefined, extra: WebClientOptions = {}): WebClient {
  return new WebClient(token, { slackApiUrl: fake.apiUrl, logger: quiet, retryConfig: { retries: 0 }, ...extra });
}

/** The Web API error code an `ok: false` answer turns into. */
async function slackError(call: Promise<unknown>): Promise<{ code?: string; error?: string; data?: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    const coded = error as { code?: string; data?: { error?: string } & Record<string, unknown> };
    return { code: coded.code, error: coded.data?.error, data: coded.data };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'incidents', members: ['U0ALICE001'] }, { name: 'elsewhere', botIsMember: false }] });
  client = clientWith(TOKEN);
});
afterAll(() => fake.close());

describe('fake Slack: tokens', () => {
  it('refuses a missing token with not_authed and a wrong one with invalid_auth, as HTTP 200 ok:false', async () => {
    expect((await slackError(clientWith(undefined).auth.test())).error).toBe('not_authed');
    const wrong = await slackError(clientWith('xoxb-wrong').auth.test());
    expect(wrong).toMatchObject({ code: ErrorCode.PlatformError, error: 'invalid_auth' });
    expect(fake.calls.at(-1)).toMatchObject({ method: 'auth.test', status: 200 });
  });

  it('answers auth.test with the bot identity Bolt reads', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({ ok: true, user_id: 'U0BOT00001', bot_id: 'B0BOT00001', team_id: 'T0FAKE0001' });
  });

  it('takes the token as a form field but not inside a JSON body', async () => {
    const form = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}` });
    expect(await form.json()).toMatchObject({ ok: true });
    const json = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    expect(await json.json()).toEqual({ ok: false, error: 'not_authed' });
    const bad = await fetch(`${fake.apiUrl}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{oops' });
    expect(await bad.json()).toEqual({ ok: false, error: 'invalid_json' });
  });
});

describe('fake Slack: channels', () => {
  it('creates public and private channels with Slack ids and refuses a taken name', async () => {
    const created = await client.conversations.create({ name: 'inc-1-db-down' });
    expect(created.channel).toMatchObject({ name: 'inc-1-db-down', is_private: false, is_member: true });
    expect(created.channel!.id).toMatch(/^C[A-Z0-9]{8,}$/);
    const secret = await client.conversations.create({ name: 'inc-2-breach', is_private: true });
    expect(secret.channel).toMatchObject({ is_private: true });
    expect(fake.state.channel('inc-2-breach')).toMatchObject({ is_private: true, members: ['U0BOT00001'] });
    expect((await slackError(client.conversations.create({ name: 'inc-1-db-down' }))).error).toBe('name_taken');
  });

  it.each([
    ['Inc-Upper', 'invalid_name_specials'],
    ['has space', 'invalid_name_specials'],
    ['dot.ted', 'invalid_name_specials'],
    ['---', 'invalid_name_punctuation'],
    ['x'.repeat(81), 'invalid_name_maxlength'],
    ['', 'invalid_name_required'],
  ])('refuses the channel name %j with %s', async (name, error) => {
    expect((await slackError(client.conversations.create({ name }))).error).toBe(error);
  });

  it('accepts a name of exactly 80 characters', async () => {
    await expect(client.conversations.create({ name: 'y'.repeat(80) })).resolves.toMatchObject({ ok: true });
  });

  it('invites a comma list, refuses the whole list when one is already in, and knows unknown channels and users', async () => {
    const { channel } = await client.conversations.create({ name: 'inc-3-invites' });
    await client.conversations.invite({ channel: channel!.id!, users: 'U0ALICE001,U0BOB00001' });
    expect(fake.state.channel(channel!.id!)!.members).toEqual(['U0BOT00001', 'U0ALICE001', 'U0BOB00001']);
    expect((await slackError(client.conversations.invite({ channel: channel!.id!, users: 'U0CAROL001,U0ALICE001' }))).error).toBe('already_in_channel');
    expect(fake.state.channel(channel!.id!)!.members).not.toContain('U0CAROL001');
    expect((await slackError(client.conversations.invite({ channel: 'C0NOPE0000', users: 'U0ALICE001' }))).error).toBe('channel_not_found');
    expect((await slackError(client.conversations.invite({ channel: channel!.id!, users: 'U0NOBODY01' }))).error).toBe('user_not_found');
    expect((await slackError(client.conversations.invite({ channel: channel!.id!, users: 'U0BOT00001' }))).error).toBe('cant_invite_self');
  });

  it('sets topic and purpose (250 characters at most) and shows them in state', async () => {
    const { channel } = await client.conversations.create({ name: 'inc-4-topic' });
    await client.conversations.setTopic({ channel: channel!.id!, topic: 'SEV1 · IC @alice' });
    await client.conversations.setPurpose({ channel: channel!.id!, purpose: 'Database down' });
    expect(fake.state.channel('inc-4-topic')).toMatchObject({ topic: { value: 'SEV1 · IC @alice' }, purpose: { value: 'Database down' } });
    expect((await slackError(client.conversations.setTopic({ channel: channel!.id!, topic: 't'.repeat(251) }))).error).toBe('too_long');
    expect((await slackError(client.conversations.setTopic({ channel: 'C0NOPE0000', topic: 'x' }))).error).toBe('channel_not_found');
  });

  it('lists channels page by page with cursors (private ones only when the bot is in) and answers conversations.info', async () => {
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.list({ types: 'public_channel,private_channel', limit: 2, cursor });
      names.push(...(page.channels ?? []).map((c) => c.name!));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(names).toEqual(expect.arrayContaining(['incidents', 'elsewhere', 'inc-1-db-down', 'inc-2-breach']));
    const publicOnly = await client.conversations.list({ limit: 1000 });
    expect(publicOnly.channels!.map((c) => c.name)).not.toContain('inc-2-breach');
    const info = await client.conversations.info({ channel: fake.state.channel('incidents')!.id });
    expect(info.channel).toMatchObject({ name: 'incidents', is_member: true });
  });
});

describe('fake Slack: messages', () => {
  it('posts text and blocks with a Slack ts, by id or by #name, and records the message', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Incident #1*' } }];
    const posted = await client.chat.postMessage({ channel: '#incidents', text: 'Incident #1', blocks });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.channel).toBe(fake.state.channel('incidents')!.id);
    expect(fake.state.messages('incidents').at(-1)).toMatchObject({ ts: posted.ts, text: 'Incident #1', blocks });
  });

  it('needs a channel the bot is in and some text or blocks', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C0NOPE0000', text: 'x' }))).error).toBe('channel_not_found');
    expect((await slackError(client.chat.postMessage({ channel: 'elsewhere', text: 'x' }))).error).toBe('not_in_channel');
    expect((await slackError(client.apiCall('chat.postMessage', { channel: 'incidents' }))).error).toBe('no_text');
    expect((await slackError(client.apiCall('chat.postMessage', { channel: 'incidents', text: 'x', blocks: '[not json' }))).error).toBe('invalid_blocks_format');
  });

  const button = (action_id: string, text = 'Ack') => ({ type: 'button', action_id, text: { type: 'plain_text', text } });
  it.each([
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), '/blocks'],
    ['section text of 3001', [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }], '/blocks/0/text/text'],
    ['header of 151', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], '/blocks/0/text/text'],
    ['mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], '/blocks/0/text/type'],
    ['button text of 76', [{ type: 'actions', elements: [button('a', 'b'.repeat(76))] }], '/blocks/0/elements/0/text/text'],
    ['duplicate action_id', [{ type: 'actions', elements: [button('ack'), button('ack')] }], '/blocks/0/elements/1/action_id'],
    ['unknown block type', [{ type: 'sparkles' }], '/blocks/0/type'],
  ])('refuses %s with invalid_blocks and a json-pointer', async (_name, blocks, pointer) => {
    const failed = await slackError(client.chat.postMessage({ channel: 'incidents', text: 'x', blocks: blocks as never }));
    expect(failed.error).toBe('invalid_blocks');
    expect(failed.data!.errors).toEqual(expect.arrayContaining([expect.stringContaining(`[json-pointer:${pointer}]`)]));
  });

  it('accepts Block Kit right at the limits', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3000) } },
      { type: 'actions', elements: [button('a', 'b'.repeat(75)), button('b')] },
      { type: 'actions', elements: [button('a')] },
      ...Array.from({ length: 46 }, () => ({ type: 'divider' })),
    ];
    await expect(client.chat.postMessage({ channel: 'incidents', text: 'x', blocks: blocks as never })).resolves.toMatchObject({ ok: true });
  });

  it('updates a message it knows, keeping its earlier versions, and refuses an unknown ts', async () => {
    const posted = await client.chat.postMessage({ channel: 'incidents', text: 'v1' });
    await client.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'v2' });
    const message = fake.state.messages('incidents').find((m) => m.ts === posted.ts)!;
    expect(message).toMatchObject({ text: 'v2', edits: [{ text: 'v1' }] });
    expect((await slackError(client.chat.update({ channel: posted.channel!, ts: '1.000000', text: 'x' }))).error).toBe('message_not_found');
  });

  it('posts ephemeral messages to a member only', async () => {
    const channel = fake.state.channel('incidents')!.id;
    expect((await slackError(client.apiCall('chat.postEphemeral', { channel, text: 'psst' }))).error).toBe('user_not_found');
    expect((await slackError(client.chat.postEphemeral({ channel, user: 'U0BOB00001', text: 'psst' }))).error).toBe('user_not_in_channel');
    const sent = await client.chat.postEphemeral({ channel, user: 'U0ALICE001', text: 'psst' });
    expect(fake.state.ephemerals.at(-1)).toMatchObject({ message_ts: sent.message_ts, user: 'U0ALICE001', text: 'psst' });
  });

  it('opens a DM (the same one twice) and posts in it', async () => {
    const opened = await client.conversations.open({ users: 'U0BOB00001' });
    expect(opened.channel!.id).toMatch(/^D/);
    expect((await client.conversations.open({ users: 'U0BOB00001' })).channel!.id).toBe(opened.channel!.id);
    await client.chat.postMessage({ channel: opened.channel!.id!, text: 'You are paged' });
    expect(fake.state.messages(opened.channel!.id!).map((m) => m.text)).toEqual(['You are paged']);
    expect((await slackError(client.conversations.open({ users: 'U0NOBODY01' }))).error).toBe('user_not_found');
  });
});

describe('fake Slack: people', () => {
  it('answers users.info with profile email and tz, and lookupByEmail', async () => {
    const { user } = await client.users.info({ user: 'U0ALICE001' });
    expect(user).toMatchObject({ id: 'U0ALICE001', tz: 'Europe/Berlin', profile: { email: 'alice@example.com', real_name: 'Alice Archer' } });
    expect((await slackError(client.users.info({ user: 'U0NOBODY01' }))).error).toBe('user_not_found');
    expect((await client.users.lookupByEmail({ email: 'bob@example.com' })).user!.id).toBe('U0BOB00001');
    expect((await slackError(client.users.lookupByEmail({ email: 'nobody@example.com' }))).error).toBe('users_not_found');
  });
});

describe('fake Slack: failures', () => {
  it('answers 429 with Retry-After, which WebClient waits out and retries', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const retrying = clientWith(TOKEN, { retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    const started = Date.now();
    await expect(retrying.chat.postMessage({ channel: 'incidents', text: 'after 429' })).resolves.toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.callsTo('chat.postMessage').slice(-2).map((c) => c.status)).toEqual([429, 200]);
  });

  it('surfaces 429 as a rate-limited error when the client rejects rate-limited calls (as the bot port does)', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const failed = await slackError(clientWith(TOKEN, { rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'incidents', text: 'x' }));
    expect(failed.code).toBe(ErrorCode.RateLimitedError);
  });

  it('answers 500, an HTTP error without retries; WebClient retries 5xx when allowed', async () => {
    fake.failNext('conversations.create', { status: 500 });
    const failed = (await slackError(client.conversations.create({ name: 'inc-500' }))) as { code?: string };
    expect(failed.code).toBe(ErrorCode.HTTPError);
    fake.failNext('conversations.create', { status: 500 });
    const retrying = clientWith(TOKEN, { retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    await expect(retrying.conversations.create({ name: 'inc-500' })).resolves.toMatchObject({ ok: true });
  });

  it('answers ok:false with a chosen error for the next N calls, then recovers', async () => {
    fake.failNext('users.info', { ok: false, error: 'fatal_error', times: 2 });
    expect((await slackError(client.users.info({ user: 'U0ALICE001' }))).error).toBe('fatal_error');
    expect((await slackError(client.users.info({ user: 'U0ALICE001' }))).error).toBe('fatal_error');
    await expect(client.users.info({ user: 'U0ALICE001' })).resolves.toMatchObject({ ok: true });
  });
});

describe('fake Slack: files and views', () => {
  it('takes a files.uploadV2 upload (URL, bytes, completion) and shows it in the channel', async () => {
    const channel = fake.state.channel('incidents')!.id;
    const content = Buffer.from('# Postmortem\n\nIt was DNS.\n');
    await client.files.uploadV2({ channel_id: channel, file: content, filename: 'postmortem-1.md', title: 'Postmortem #1', initial_comment: 'Draft' });
    expect(fake.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['files.getUploadURLExternal', 'files.completeUploadExternal']));
    const upload = fake.state.uploads.at(-1)!;
    expect(upload).toMatchObject({ filename: 'postmortem-1.md', title: 'Postmortem #1', completed: true, channel, initial_comment: 'Draft' });
    expect(upload.bytes!.equals(content)).toBe(true);
    expect(fake.state.messages(channel).at(-1)).toMatchObject({ text: 'Draft', files: [{ id: upload.id, title: 'Postmortem #1' }] });
  });

  it('refuses to complete an upload whose bytes never arrived', async () => {
    const url = await client.files.getUploadURLExternal({ filename: 'x.txt', length: 3 });
    const failed = await slackError(client.files.completeUploadExternal({ files: [{ id: url.file_id!, title: 'x' }] }));
    expect(failed.error).toBe('file_not_found');
  });

  it('opens a modal for a fresh trigger_id only', async () => {
    const view = { type: 'modal', title: { type: 'plain_text', text: 'Declare' }, blocks: [{ type: 'input', label: { type: 'plain_text', text: 'Title' }, element: { type: 'plain_text_input', action_id: 'title' } }] };
    const target = await echoServer();
    const sent = await fake.requestsTo(target.url).slashCommand({ command: '/incident', text: 'declare' });
    await expect(client.views.open({ trigger_id: sent.trigger_id, view: view as never })).resolves.toMatchObject({ ok: true, view: { id: expect.stringMatching(/^V/) } });
    expect((await slackError(client.views.open({ trigger_id: 'made.up', view: view as never }))).error).toBe('invalid_trigger_id');
    await target.close();
  });
});

/** A request URL that checks signatures with Bolt's own verifier and records what it got. */
async function echoServer(): Promise<{ url: string; received: Array<{ headers: Record<string, unknown>; body: string }>; close(): Promise<void> }> {
  const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ headers: request.headers, body });
    try {
      verifySlackRequest({
        signingSecret: SECRET,
        body,
        headers: {
          'x-slack-signature': String(request.headers['x-slack-signature']),
          'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
        },
      });
      response.writeHead(200).end();
    } catch {
      response.writeHead(401).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Slack request senders', () => {
  it("reproduces Slack's published signing example", () => {
    const vector = sharedFixture('slack/signing-vector.json') as { signing_secret: string; raw_body: string; headers: Record<string, string> };
    expect(slackSignature(vector.signing_secret, vector.headers['X-Slack-Request-Timestamp']!, vector.raw_body)).toBe(vector.headers['X-Slack-Signature']);
  });

  it('sends slash commands, clicks and events that pass Bolt verification, and bad ones that fail it', async () => {
    const target = await echoServer();
    const slack = fake.requestsTo(target.url);
    const command = await slack.slashCommand({ command: '/incident', text: 'declare sev2 DB down', user_id: 'U0ALICE001', channel_id: 'C0GENERAL1' });
    expect(command.status).toBe(200);
    const form = new URLSearchParams(target.received.at(-1)!.body);
    expect(Object.fromEntries(form)).toMatchObject({ command: '/incident', text: 'declare sev2 DB down', user_id: 'U0ALICE001', response_url: command.response_url, trigger_id: command.trigger_id });

    const click = await slack.blockAction({ action_id: 'incident_ack', value: '1', channel_id: 'C0GENERAL1' });
    expect(click.status).toBe(200);
    const raw = target.received.at(-1)!.body;
    expect(raw.startsWith('payload=')).toBe(true);
    expect(JSON.parse(decodeURIComponent(raw.slice('payload='.length)))).toMatchObject({ type: 'block_actions', actions: [{ action_id: 'incident_ack', value: '1', type: 'button' }] });

    const event = await slack.event({ type: 'app_mention', text: 'hi', user: 'U0ALICE001', channel: 'C0GENERAL1' }, { retryNum: 1, retryReason: 'http_timeout' });
    expect(event.status).toBe(200);
    expect(target.received.at(-1)!.headers).toMatchObject({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout', 'content-type': 'application/json' });

    expect((await slack.slashCommand({ command: '/incident' }, { badSignature: true })).status).toBe(401);
    expect((await slack.slashCommand({ command: '/incident' }, { ageSeconds: 600 })).status).toBe(401);
    await target.close();
  });

  it('serves the response_url it hands out and records the replies (5 uses at most)', async () => {
    const target = await echoServer();
    const { response_url } = await fake.requestsTo(target.url).slashCommand({ command: '/incident', text: 'help' });
    expect(response_url.startsWith(`${fake.url}/commands/`)).toBe(true);
    const reply = (body: unknown) => fetch(response_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await reply({ text: 'only you see this' })).status).toBe(200);
    expect((await reply({ text: 'everyone sees this', response_type: 'in_channel' })).status).toBe(200);
    expect(fake.state.responses.slice(-2).map((r) => [r.response_type, r.body.text])).toEqual([
      ['ephemeral', 'only you see this'],
      ['in_channel', 'everyone sees this'],
    ]);
    expect((await reply({ text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] })).status).toBe(400);
    for (let i = 0; i < 3; i++) await reply({ text: `more ${i}` });
    expect((await reply({ text: 'sixth' })).status).toBe(404);
    expect((await fetch(`${fake.url}/commands/T0FAKE0001/1/unknown`, { method: 'POST', body: '{"text":"x"}' })).status).toBe(404);
    await target.close();
  });
});
