import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordError, discordError } from './discord-errors.js';
import { DiscordFailureQueue, type DiscordFailure } from './discord-failures.js';
import { DiscordGuildState, userJson, viewOf, type DiscordChannel, type DiscordStateView, type DiscordUser } from './discord-state.js';
import { FakeGateway, type DropOptions, type GatewayCounters } from './gateway.js';
import { buildInteraction, type InteractionInput } from './interactions.js';
import { matchRoute, type RestContext, type UploadedFile } from './rest.js';

export interface FakeDiscordOptions {
  /** The bot token the fake accepts (sent as `Authorization: Bot <token>`). */
  token: string;
  applicationId?: string;
  guildId?: string;
  /** The bot's user id; Discord makes it equal to the application id. */
  botUserId?: string;
  /** People in the guild (default: alice, bob, carol). */
  users?: DiscordUser[];
  /** Channels that exist before the test (default: a #general text channel). */
  channels?: Array<{ name: string; type?: 0 | 4; parentName?: string }>;
  heartbeatIntervalMs?: number;
  interactionDeadlineMs?: number;
  maxUploadBytes?: number;
}

export interface DiscordCall {
  method: string;
  /** The fake's route name, e.g. `POST /channels/:channel/messages` (usable with failNext). */
  route: string;
  path: string;
  query: string;
  /** Whether `Authorization: Bot <token>` was present (right or wrong). */
  authorized: boolean;
  body: unknown;
  files: Array<{ key: string; filename: string; size: number }>;
  at: Date;
  status: number;
  response: unknown;
}

export interface SentInteraction {
  id: string;
  token: string;
  /** The sequence number the dispatch carried. */
  s: number;
  payload: Record<string, unknown>;
}

export interface FakeDiscord {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The REST base for discord.js `rest: { api }` / DISCORD_API_URL: http://127.0.0.1:PORT/api */
  apiUrl: string;
  gatewayUrl: string;
  applicationId: string;
  guildId: string;
  botUserId: string;
  users: { alice: string; bob: string; carol: string };
  /** The seeded #general channel's id (when the default channels are used). */
  generalChannelId: string | undefined;
  calls: DiscordCall[];
  callsTo(route: string): DiscordCall[];
  state: DiscordStateView;
  failNext(route: string, failure: DiscordFailure): void;
  gateway: {
    counters: GatewayCounters;
    received: Array<{ op: number; d: unknown }>;
    readonly connected: boolean;
    waitForSession(timeoutMs?: number): Promise<void>;
    dropConnection(options?: DropOptions): void;
    requestReconnect(): void;
  };
  /** Dispatches INTERACTION_CREATE (a slash command or a button click) as Discord would. */
  sendInteraction(input: InteractionInput): SentInteraction;
  /**
   * Dispatches an interaction already sent once more, same id and token, as a resumed session or
   * a gateway that passed to another replica can deliver it.
   */
  redeliverInteraction(interactionId: string): number;
  /** Resolves when the interaction has got a callback and, if deferred, its @original edit or follow-up. */
  waitForAnswer(interactionId: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_USERS: DiscordUser[] = [
  { id: '1100000000000000011', username: 'alice', global_name: 'Alice Archer' },
  { id: '1100000000000000012', username: 'bob', global_name: 'Bob Baker' },
  { id: '1100000000000000013', username: 'carol', global_name: 'Carol Chen', dmsClosed: true },
];

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]`, as discord.js sends them. */
async function readPayload(request: IncomingMessage): Promise<{ body: unknown; files: UploadedFile[] }> {
  const raw = await readBody(request);
  const type = String(request.headers['content-type'] ?? '');
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.includes('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: UploadedFile[] = [];
    let body: unknown = {};
    for (const [key, value] of form) {
      if (typeof value === 'string') {
        if (key === 'payload_json') body = JSON.parse(value);
      } else files.push({ key, filename: value.name, contentType: value.type || undefined, bytes: Buffer.from(await value.arrayBuffer()) });
    }
    return { body, files };
  }
  try {
    return { body: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    throw new DiscordError(400, { message: '400: Bad Request', code: 0 });
  }
}

/** A local Discord (REST under /api/v10 and the gateway WebSocket on the same port). */
export async function startFakeDiscord(options: FakeDiscordOptions): Promise<FakeDiscord> {
  const applicationId = options.applicationId ?? '1100000000000000001';
  const guildId = options.guildId ?? '1100000000000000002';
  const botUser: DiscordUser = { id: options.botUserId ?? applicationId, username: 'incident-bot', global_name: null, bot: true };
  const users = options.users ?? DEFAULT_USERS;
  const state = new DiscordGuildState(guildId, applicationId, botUser, users);
  for (const seed of options.channels ?? [{ name: 'general', type: 0 }]) {
    const parent = seed.parentName ? [...state.channels.values()].find((c) => c.name === seed.parentName && c.type === 4) : undefined;
    state.addChannel({ type: seed.type ?? 0, guild_id: guildId, name: seed.name, topic: null, parent_id: parent?.id ?? null, permission_overwrites: [] });
  }
  const calls: DiscordCall[] = [];
  const failures = new DiscordFailureQueue();
  const gateway = new FakeGateway({ token: options.token, applicationId, botUser: userJson(botUser), heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41250 });
  let interactionCounter = 0;

  const ctx: RestContext = {
    state,
    gatewayUrl: '',
    maxUploadBytes: options.maxUploadBytes ?? 10 * 1024 * 1024,
    interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
    interactionTokenLifetimeMs: 15 * 60 * 1000,
    now: () => Date.now(),
  };

  function answer(response: ServerResponse, record: DiscordCall, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    record.status = status;
    record.response = body;
    response.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const rest = /^\/api\/v10(\/.*)$/.exec(url.pathname)?.[1];
    const match = rest ? matchRoute(method, rest) : undefined;
    const record: DiscordCall = {
      method,
      route: match ? `${method} ${match.route.template}` : `${method} ${url.pathname}`,
      path: url.pathname,
      query: url.search,
      authorized: !!request.headers.authorization,
      body: undefined,
      files: [],
      at: new Date(),
      status: 0,
      response: undefined,
    };
    calls.push(record);
    try {
      const payload = await readPayload(request);
      record.body = payload.body;
      record.files = payload.files.map((f) => ({ key: f.key, filename: f.filename, size: f.bytes.length }));
      if (!match) return answer(response, record, 404, { message: '404: Not Found', code: 0 });

      const failure = failures.take(record.route);
      if (failure && 'delayMs' in failure) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      else if (failure && 'code' in failure) throw discordError(failure.code, failure);
      else if (failure && failure.status === 429) {
        const retryAfter = failure.retryAfter ?? 1;
        const scope = failure.global ? 'global' : 'user';
        return answer(
          response,
          record,
          429,
          { message: 'You are being rate limited.', retry_after: retryAfter, global: !!failure.global, ...(failure.global ? { code: 0 } : {}) },
          {
            'retry-after': String(retryAfter),
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Date.now() / 1000 + retryAfter),
            'x-ratelimit-reset-after': String(retryAfter),
            'x-ratelimit-bucket': 'fake-bucket',
            'x-ratelimit-scope': scope,
            ...(failure.global ? { 'x-ratelimit-global': 'true' } : {}),
          },
        );
      } else if (failure) return answer(response, record, failure.status, { message: `${failure.status}: Internal Server Error`, code: 0 });

      if (match.route.auth && request.headers.authorization !== `Bot ${options.token}`) throw discordError(0);
      const result = match.route.handle({ params: match.params, query: url.searchParams, body: payload.body, files: payload.files }, ctx);
      answer(response, record, result.status, result.body);
    } catch (error) {
      if (error instanceof DiscordError) return answer(response, record, error.status, error.body);
      answer(response, record, 500, { message: `fake-discord bug: ${String(error)}`, code: 0 });
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  server.on('upgrade', (request, socket, head) => gateway.handleUpgrade(request, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx.gatewayUrl = gateway.url = baseUrl.replace('http://', 'ws://');

  function answered(interactionId: string): boolean {
    const interaction = state.interactions.get(interactionId);
    if (!interaction || interaction.callbacks.length === 0) return false;
    const first = interaction.callbacks[0]!.type;
    if (first !== 5 && first !== 6) return true;
    return interaction.followups.length > 0 || !!interaction.original?.deleted || (interaction.original?.edits.length ?? 0) > 0;
  }

  const general = [...state.channels.values()].find((c: DiscordChannel) => c.name === 'general');
  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api`,
    gatewayUrl: ctx.gatewayUrl,
    applicationId,
    guildId,
    botUserId: botUser.id,
    users: { alice: users[0]?.id ?? '', bob: users[1]?.id ?? '', carol: users[2]?.id ?? '' },
    generalChannelId: general?.id,
    calls,
    callsTo: (route) => calls.filter((c) => c.route === route),
    state: viewOf(state),
    failNext: (route, failure) => failures.add(route, failure),
    gateway: {
      counters: gateway.counters,
      received: gateway.received,
      get connected() {
        return gateway.connected;
      },
      waitForSession: (timeoutMs) => gateway.waitForSession(timeoutMs),
      dropConnection: (drop) => gateway.dropConnection(drop),
      requestReconnect: () => gateway.requestReconnect(),
    },
    sendInteraction(input) {
      interactionCounter++;
      const ids = { id: state.ids.next(), token: `fake-interaction-token-${interactionCounter}-${'x'.repeat(40)}` };
      const defaults = { userId: input.userId ?? users[0]?.id, channelId: input.channelId ?? general?.id };
      const payload = buildInteraction(state, { ...input, ...defaults }, ids);
      state.interactions.set(ids.id, {
        id: ids.id,
        token: ids.token,
        type: payload.type as 2 | 3,
        channel_id: payload.channel_id as string,
        payload,
        sentAt: Date.now(),
        callbacks: [],
        followups: [],
      });
      const s = gateway.dispatch('INTERACTION_CREATE', payload);
      return { ...ids, s, payload };
    },
    redeliverInteraction(interactionId) {
      const interaction = state.interactions.get(interactionId);
      if (!interaction) throw new Error(`fake-discord: no interaction ${interactionId} to redeliver`);
      return gateway.dispatch('INTERACTION_CREATE', interaction.payload);
    },
    waitForAnswer(interactionId, timeoutMs = 5000) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const poll = () => {
          if (answered(interactionId)) return resolve();
          if (Date.now() - started > timeoutMs) return reject(new Error(`fake-discord: interaction ${interactionId} not answered within ${timeoutMs} ms`));
          setTimeout(poll, 10);
        };
        poll();
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        gateway.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
