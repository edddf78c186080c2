import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { eventually } from '../support/eventually.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-replay-test-bot-token';
const SECRET = 'replay-test-signing-secret';
const API_TOKEN = 'api-token-0123456789abcdef';
const OTHER_TEAM = 'T0OTHER0001';
const TEN_YEARS_S = 10 * 365 * 86_400;

/**
 * Signed requests captured and sent again, signed ahead of time, or signed in another workspace
 * where the same Slack app is installed: all pass the signature check, none may act twice or at all.
 */
for (const kind of databaseKinds()) {
  describe(`Slack requests replayed, future-dated or from another workspace [${kind}]`, () => {
    let fake: FakeSlack;
    let bot: TestBot;
    let slack: SlackRequestSender;
    let channelId: string;
    let cardTs: string;

    beforeAll(async () => {
      fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
      bot = await startTestBot(kind, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, API_TOKEN });
      slack = fake.requestsTo(`${bot.url}/slack/events`);
      const opened = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Replay target', fingerprint: 'replay-target', severity: 'critical' }),
      });
      expect(opened.status).toBe(200);
      const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0));
      channelId = channel.id;
      cardTs = (await eventually('the card', () => fake.state.messages(channelId)[0])).ts;
    });
    afterAll(async () => {
      await bot?.destroy();
      await fake?.close();
    });

    const api = (path: string) => readJson(fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }));
    const timeline = async () => (await api('/api/incidents/1/timeline')).events as { kind: string; text: string }[];
    const notes = async () => (await timeline()).filter((e) => e.kind === 'note').map((e) => e.text);
    const responsesTo = (url: string) => fake.state.responses.filter((r) => r.url === url);
    /**
     * A command is acknowledged before it runs; its answer on the response URL comes after. The
     * copies are refused before their 200, so once the original is answered nothing is in flight.
     */
    const answered = (url: string) => eventually('the answer on the response URL', () => responsesTo(url).length > 0);
    /** A fresh note, sent after the copies: once it is on the timeline, the copies had their turn. */
    const noteAfter = async (text: string) => {
      const marker = await slack.slashCommand({ command: '/incident', text: `note ${text}`, channel_id: channelId });
      expect(marker.status).toBe(200);
      await eventually(`the note "${text}"`, async () => (await notes()).includes(text));
    };

    it('a request without Slack signature headers is refused before its body is read', async () => {
      // 1 MiB announced, 1 KiB sent, the rest never: only a server that does not wait for the body answers.
      const answer = await postWithoutFinishing(`${bot.url}/slack/events`, 1024 * 1024, 'x'.repeat(1024));
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'unauthorized' });
    });

    it('a captured slash command sent three times adds one note; every copy is answered 200', async () => {
      const first = await slack.slashCommand({ command: '/incident', text: 'note captured once', channel_id: channelId });
      const second = await slack.replay(first);
      const third = await slack.replay(first);
      expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
      await answered(first.response_url);
      await noteAfter('after the slash command copies');
      expect((await notes()).filter((text) => text === 'captured once')).toHaveLength(1);
      expect(responsesTo(first.response_url)).toHaveLength(1);
    });

    it('a copy whose signature header is spelled differently is still the same request', async () => {
      const first = await slack.slashCommand({ command: '/incident', text: 'note spelled once', channel_id: channelId });
      const signature = first.sent.headers['x-slack-signature']!;
      const respelled = await slack.replay(first, { 'x-slack-signature': `${signature}=again` });
      expect(respelled.status).toBe(401);
      await answered(first.response_url);
      await noteAfter('after the respelled copy');
      expect((await notes()).filter((text) => text === 'spelled once')).toHaveLength(1);
    });

    it('a captured click replayed acts once and is answered once', async () => {
      const click = await slack.blockAction({ action_id: 'incident.ack', value: '1', channel_id: channelId, user_id: 'U0BOB00001', user_name: 'bob', message: { ts: cardTs } });
      const copies = [await slack.replay(click), await slack.replay(click)];
      expect([click.status, ...copies.map((c) => c.status)]).toEqual([200, 200, 200]);
      await eventually('acknowledged', async () => (await api('/api/incidents/1')).status === 'acknowledged');
      await answered(click.response_url);
      await noteAfter('after the click copies');
      expect((await timeline()).filter((e) => e.kind === 'status.acknowledged')).toHaveLength(1);
      // A copy applied would answer on the same response_url ("INC-1 is already acknowledged").
      expect(responsesTo(click.response_url)).toHaveLength(1);
    });

    it('refuses a request signed 10 years ahead, saying why, and applies nothing', async () => {
      const future = await slack.slashCommand(
        { command: '/incident', text: 'note from the future', channel_id: channelId },
        { timestamp: Math.floor(Date.now() / 1000) + TEN_YEARS_S },
      );
      expect(future.status).toBe(401);
      expect((future.json as { message: string }).message).toMatch(/signed \d+d( \d+h)? after the bot's current time, more than the 5m allowed either way/);
      await noteAfter('after the future request');
      expect(await notes()).not.toContain('from the future');
      expect(responsesTo(future.response_url)).toHaveLength(0);
    });

    it('refuses a request signed 6 minutes ago', async () => {
      const stale = await slack.slashCommand({ command: '/incident', text: 'note from the past', channel_id: channelId }, { ageSeconds: 6 * 60 });
      expect(stale.status).toBe(401);
      expect((stale.json as { message: string }).message).toContain("signed 6m before the bot's current time");
      await noteAfter('after the stale request');
      expect(await notes()).not.toContain('from the past');
    });

    it('refuses commands and clicks from another workspace of the same app: answered 200, nothing done, audited', async () => {
      const command = await slack.slashCommand({ command: '/incident', text: 'note from another workspace', channel_id: channelId, team_id: OTHER_TEAM, user_id: 'U0MALLORY1' });
      const click = await slack.blockAction({ action_id: 'incident.resolve', value: '1', channel_id: channelId, team_id: OTHER_TEAM, user_id: 'U0MALLORY1', message: { ts: cardTs } });
      expect([command.status, click.status]).toEqual([200, 200]);
      const refusals = await eventually('two audited refusals', async () => {
        const rows = await bot.database.prisma.auditEntry.findMany({ where: { action: 'slack.request' }, orderBy: { id: 'asc' } });
        return rows.length === 2 ? rows : undefined;
      });
      expect(refusals.map((row) => [row.platform, row.result, row.actorName])).toEqual([
        ['slack', 'refused', 'U0MALLORY1'],
        ['slack', 'refused', 'U0MALLORY1'],
      ]);
      expect(refusals[0]!.detail).toBe(`Refused a Slack request from workspace ${OTHER_TEAM}, not from this bot's workspace T0FAKE0001 (auth.test of SLACK_BOT_TOKEN); nothing was done`);
      const stored = JSON.stringify(refusals.map((row) => [row.actorName, row.args, row.detail]));
      expect(stored).not.toContain(SECRET);
      expect(stored).not.toContain(TOKEN);
      await noteAfter('after the other workspace');
      expect(await notes()).not.toContain('from another workspace');
      expect((await api('/api/incidents/1')).status).not.toBe('resolved');
      expect([...responsesTo(command.response_url), ...responsesTo(click.response_url)]).toEqual([]);
    });

    it('forgets each signed request once its timestamp is out of the window', async () => {
      const rows = await bot.database.prisma.processedRequest.findMany({ where: { key: { startsWith: 'slack:request:' } } });
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const timestampSec = Number(row.key.split(':')[2]);
        expect(row.expiresAt?.getTime(), row.key).toBe(timestampSec * 1000 + 10 * 60_000);
      }
    });
  });
}

// Each test starts a bot of its own.
const START_TIMEOUT_MS = 120_000;

describe('Slack: the bot token is checked with auth.test at start', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('a token Slack refuses stops the start, naming the setting and not the token', async () => {
    const wrong = 'xoxb-revoked-token-0123456789';
    const error = await startTestBot('pglite', { SLACK_BOT_TOKEN: wrong, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }).then(
      () => undefined,
      (reason: Error) => reason,
    );
    expect(error?.name).toBe('StartupError');
    expect(error?.message).toMatch(/^Slack refused SLACK_BOT_TOKEN \(auth\.test: invalid_auth\): set it to the app's Bot User OAuth Token \(xoxb-\.\.\.\)/);
    expect(error?.message).not.toContain(wrong);
    expect(error?.stack ?? '').not.toContain(wrong);
  }, START_TIMEOUT_MS);

  it('a SLACK_API_URL that is not Slack`s Web API stops the start, naming that setting', async () => {
    const error = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `${fake.url}/not-the-web-api/` }).then(
      () => undefined,
      (reason: Error) => reason,
    );
    expect(error?.message).toBe(`Slack's auth.test answered HTTP 404 at SLACK_API_URL=${fake.url}/not-the-web-api/: check SLACK_API_URL (the Web API base, e.g. https://slack.com/api/)`);
  }, START_TIMEOUT_MS);

  it('Slack unreachable at start does not stop the bot: auth.test is retried and commands then run', async () => {
    const earlier = fake.callsTo('auth.test').length;
    fake.failNext('auth.test', { status: 503, times: 2 });
    const bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl });
    try {
      await eventually('auth.test answered', () => fake.callsTo('auth.test').slice(earlier).some((call) => call.response.ok === true));
      expect(fake.callsTo('auth.test').slice(earlier).map((call) => call.status)).toEqual([503, 503, 200]);
      const slack = fake.requestsTo(`${bot.url}/slack/events`);
      const help = await slack.slashCommand({ command: '/incident', text: 'help' });
      expect(help.status).toBe(200);
      await eventually('the help answer', () => fake.state.responses.find((r) => r.url === help.response_url));
    } finally {
      await bot.destroy();
    }
  }, START_TIMEOUT_MS);
});

/** Announces a body of `length` bytes, sends `start` of it and waits for the answer without sending the rest. */
function postWithoutFinishing(url: string, length: number, start: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(length) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: text });
        request.destroy();
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    request.write(start);
  });
}
