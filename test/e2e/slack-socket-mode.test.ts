import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { eventually } from '../support/eventually.js';

const TOKEN = 'xoxb-socket-mode-bot';
const APP_TOKEN = 'xapp-1-socket-mode-app';

/**
 * Slack's Socket Mode on loopback: apps.connections.open (checked for the app-level token) hands
 * out a WebSocket URL; the socket says hello and then delivers envelopes, which the app must
 * acknowledge by envelope id. Every other Web API method is the fake Slack's.
 */
describe('Slack in Socket Mode (SLACK_APP_TOKEN)', () => {
  let fake: FakeSlack;
  let front: Server;
  let sockets: WebSocketServer;
  let bot: TestBot;
  const received: Record<string, unknown>[] = [];
  let connection: WebSocket | undefined;

  beforeAll(async () => {
    fake = await startFakeSlack({ token: TOKEN });
    sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => sockets.once('listening', resolve));
    const wsUrl = `ws://127.0.0.1:${(sockets.address() as AddressInfo).port}/link`;
    sockets.on('connection', (socket) => {
      connection = socket;
      socket.on('message', (data) => received.push(JSON.parse(String(data))));
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0APP00001' }, debug_info: { host: 'loopback' } }));
    });
    front = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const method = (request.url ?? '').replace(/^\/api\//, '');
      if (method.startsWith('apps.connections.open')) {
        const ok = request.headers.authorization === `Bearer ${APP_TOKEN}`;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(ok ? { ok: true, url: wsUrl } : { ok: false, error: 'invalid_auth' }));
        return;
      }
      const forwarded = await fetch(`${fake.apiUrl}${method}`, {
        method: request.method,
        headers: { 'content-type': String(request.headers['content-type'] ?? ''), authorization: String(request.headers.authorization ?? '') },
        body: request.method === 'GET' ? undefined : Buffer.concat(chunks),
      });
      response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json' });
      response.end(Buffer.from(await forwarded.arrayBuffer()));
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/api/`;
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: apiUrl });
  });

  afterAll(async () => {
    await bot?.destroy();
    sockets?.close();
    front?.close();
    await fake?.close();
  });

  it('connects with the app token, takes a slash command over the socket, acknowledges it, and runs it', async () => {
    await eventually('the socket connection', () => connection);
    connection!.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: 'unused',
          team_id: 'T0FAKE0001',
          channel_id: 'C0GENERAL1',
          user_id: 'U0ALICE001',
          user_name: 'alice',
          command: '/incident',
          text: 'declare sev2 Socket mode checkout outage',
          response_url: 'http://127.0.0.1:9/unused',
          trigger_id: 'trigger-1',
        },
      }),
    );
    await eventually('the acknowledgement', () => received.find((message) => message.envelope_id === 'env-1'));
    const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name === 'inc-1-socket-mode-checkout-outage' && fake.state.messages(c.id).length > 0));
    await eventually('the card', () => fake.state.messages(channel.id).length > 0);
    expect(await bot.database.prisma.incident.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({ severity: 2, source: 'manual' });
  });

  it('acknowledges a command from another workspace of the same app, runs nothing, and audits it', async () => {
    connection!.send(
      JSON.stringify({
        envelope_id: 'env-2',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: 'unused',
          team_id: 'T0OTHER0001',
          channel_id: 'C0ELSEWHERE',
          user_id: 'U0MALLORY1',
          user_name: 'mallory',
          command: '/incident',
          text: 'declare sev1 Declared from another workspace',
          response_url: 'http://127.0.0.1:9/unused',
          trigger_id: 'trigger-2',
        },
      }),
    );
    await eventually('the acknowledgement', () => received.find((message) => message.envelope_id === 'env-2'));
    const refusal = await bot.database.prisma.auditEntry.findFirst({ where: { action: 'slack.request' } });
    expect(refusal).toMatchObject({ platform: 'slack', result: 'refused', actorName: 'U0MALLORY1' });
    expect(refusal!.detail).toContain('from workspace T0OTHER0001');
    expect(await bot.database.prisma.incident.count()).toBe(1);
    expect(fake.state.channels.filter((c) => c.name.includes('declared-from-another'))).toEqual([]);
  });
});
