import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Mattermost's ids: 26 lowercase letters and digits. */
export function mattermostId(): string {
  let id = '';
  while (id.length < 26) id += randomBytes(16).toString('base64').replace(/[^a-z0-9]/g, '');
  return id.slice(0, 26);
}

export interface FakeMattermostUser {
  id: string;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  timezone: { useAutomaticTimezone: string; automaticTimezone: string; manualTimezone: string };
}

export interface FakeMattermostChannel {
  id: string;
  team_id: string;
  name: string;
  display_name: string;
  type: 'O' | 'P' | 'D';
  header: string;
  purpose: string;
  members: Set<string>;
  creator_id: string;
}

export interface FakeMattermostPost {
  id: string;
  channel_id: string;
  user_id: string;
  message: string;
  props: { attachments?: Array<Record<string, unknown> & { actions?: Array<{ id: string; name: string; integration?: { url: string; context: unknown } }> }> };
  file_ids: string[];
  edits: number;
}

export interface FakeMattermostFailure {
  status: 429 | 500 | 403;
  /** Seconds, for X-Ratelimit-Reset on a 429. */
  reset?: number;
}

/** What Mattermost would have shown, kept for the tests to read. */
export class FakeMattermostState {
  readonly users: FakeMattermostUser[] = [];
  readonly channels: FakeMattermostChannel[] = [];
  readonly posts: FakeMattermostPost[] = [];
  readonly ephemerals: Array<{ user_id: string; channel_id: string; message: string; props: unknown }> = [];
  readonly files = new Map<string, { name: string; bytes: Buffer; channel_id: string }>();
  messages(channelId: string): FakeMattermostPost[] {
    return this.posts.filter((post) => post.channel_id === channelId);
  }
  channel(id: string): FakeMattermostChannel | undefined {
    return this.channels.find((channel) => channel.id === id);
  }
  user(username: string): FakeMattermostUser {
    return this.users.find((user) => user.username === username)!;
  }
}

export interface FakeMattermost {
  url: string;
  token: string;
  teamName: string;
  teamId: string;
  botUserId: string;
  users: { alice: string; bob: string; carol: string };
  generalChannelId: string;
  state: FakeMattermostState;
  /** Requests the API answered, as "METHOD /path" with ids as :id, and their status. */
  calls: Array<{ route: string; status: number }>;
  failNext(route: string, failure: FakeMattermostFailure): void;
  /** A slash command sent as Mattermost sends it to the command's request URL. */
  slashCommand(url: string, input: { command: string; text: string; userId: string; channelId: string; token: string; triggerId?: string }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A click on a post's button, sent as Mattermost sends it to the button's integration URL; its answer applied. */
  click(postId: string, actionName: string, userId: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

const CHANNEL_NAME = /^[a-z0-9]+([a-z0-9_-]*[a-z0-9]+)?$/;
const MAX_MESSAGE_RUNES = 16_383;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message);
  }
}

function appError(status: number, id: string, message: string): ApiError {
  return new ApiError(status, id, message);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  response.end(text);
}

function user(username: string, first: string, last: string, zone: string): FakeMattermostUser {
  return { id: mattermostId(), username, first_name: first, last_name: last, email: `${username}@example.com`, timezone: { useAutomaticTimezone: 'true', automaticTimezone: zone, manualTimezone: '' } };
}

/**
 * A Mattermost server's API v4, as strict as the real one where the bot could go wrong: the bot's
 * token on every call (401 otherwise), required fields and Mattermost's own limits (400 with its
 * error ids), membership for posting (403), and failures on demand (429 with X-Ratelimit-Reset,
 * 500). It also plays the server's other side: slash commands and button clicks sent to the bot.
 */
export async function startFakeMattermost(options: { token: string; teamName?: string; /** Public channels that exist before the test, the bot and everyone in them. */ channels?: string[] }): Promise<FakeMattermost> {
  const state = new FakeMattermostState();
  const teamName = options.teamName ?? 'engineering';
  const teamId = mattermostId();
  const bot = user('incident-bot', 'Incident', 'Bot', 'UTC');
  const alice = user('alice', 'Alice', 'Archer', 'Europe/Berlin');
  const bob = user('bob', 'Bob', 'Baker', 'America/New_York');
  const carol = user('carol', 'Carol', 'Chen', 'UTC');
  state.users.push(bot, alice, bob, carol);
  const general: FakeMattermostChannel = { id: mattermostId(), team_id: teamId, name: 'town-square', display_name: 'Town Square', type: 'O', header: '', purpose: '', creator_id: alice.id, members: new Set([bot.id, alice.id, bob.id, carol.id]) };
  const incidents: FakeMattermostChannel = { ...general, id: mattermostId(), name: 'incidents', display_name: 'Incidents', members: new Set([bot.id, alice.id, bob.id, carol.id]) };
  state.channels.push(general, incidents);
  for (const name of options.channels ?? []) state.channels.push({ ...general, id: mattermostId(), name, display_name: name, members: new Set([bot.id, alice.id, bob.id, carol.id]) });
  const failures = new Map<string, FakeMattermostFailure[]>();
  const calls: FakeMattermost['calls'] = [];

  const channelOf = (id: string) => {
    const channel = state.channel(id);
    if (!channel) throw appError(404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.');
    return channel;
  };
  const postAs = (channelId: string, message: unknown, props: unknown, fileIds: unknown): FakeMattermostPost => {
    if (typeof channelId !== 'string' || channelId === '') throw appError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing post in request body.');
    const channel = channelOf(channelId);
    if (!channel.members.has(bot.id)) throw appError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
    const text = typeof message === 'string' ? message : '';
    if ([...text].length > MAX_MESSAGE_RUNES) throw appError(400, 'model.post.is_valid.msg.app_error', 'Invalid message.');
    const attachments = ((props as { attachments?: unknown } | undefined)?.attachments ?? []) as FakeMattermostPost['props']['attachments'] & object;
    for (const attachment of attachments) {
      for (const action of attachment.actions ?? []) {
        if (!/^[A-Za-z0-9]+$/.test(action.id)) throw appError(400, 'model.post.is_valid.action_id.app_error', `Invalid action id "${action.id}": letters and digits only.`);
        if (!action.integration?.url) throw appError(400, 'model.post.is_valid.action_integration.app_error', 'A button needs an integration URL.');
      }
    }
    const files = Array.isArray(fileIds) ? (fileIds as string[]) : [];
    for (const id of files) if (!state.files.has(id)) throw appError(400, 'api.post.create_post.file_ids.app_error', 'Unknown file id.');
    if (text === '' && attachments.length === 0 && files.length === 0) throw appError(400, 'api.context.invalid_body_param.app_error', 'A post needs a message, an attachment or a file.');
    const post: FakeMattermostPost = { id: mattermostId(), channel_id: channelId, user_id: bot.id, message: text, props: { attachments }, file_ids: files, edits: 0 };
    state.posts.push(post);
    return post;
  };

  type Handler = (input: { params: string[]; body: unknown; raw: Buffer; request: IncomingMessage }) => Promise<[number, unknown]> | [number, unknown];
  const routes: Array<[string, RegExp, Handler]> = [
    ['GET /users/me', /^\/users\/me$/, () => [200, bot]],
    ['GET /users/:id', /^\/users\/([a-z0-9]{26})$/, ({ params }) => {
      const found = state.users.find((u) => u.id === params[0]);
      if (!found) throw appError(404, 'app.user.missing_account.const', 'Unable to find the user.');
      return [200, found];
    }],
    ['POST /users/ids', /^\/users\/ids$/, ({ body }) => {
      if (!Array.isArray(body)) throw appError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_ids in request body.');
      return [200, state.users.filter((u) => (body as string[]).includes(u.id))];
    }],
    ['POST /users/usernames', /^\/users\/usernames$/, ({ body }) => {
      if (!Array.isArray(body)) throw appError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing usernames in request body.');
      return [200, state.users.filter((u) => (body as string[]).includes(u.username))];
    }],
    ['GET /teams/name/:name', /^\/teams\/name\/([^/]+)$/, ({ params }) => {
      if (decodeURIComponent(params[0]!) !== teamName) throw appError(404, 'app.team.get_by_name.missing.app_error', 'Unable to find the existing team.');
      return [200, { id: teamId, name: teamName }];
    }],
    ['POST /channels', /^\/channels$/, ({ body }) => {
      const input = (body ?? {}) as Record<string, unknown>;
      if (input.team_id !== teamId) throw appError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      const name = String(input.name ?? '');
      if (!CHANNEL_NAME.test(name) || name.length > 64) throw appError(400, 'model.channel.is_valid.2_or_more.app_error', 'Name must be 2 or more lowercase alphanumeric characters.');
      if (typeof input.display_name !== 'string' || input.display_name === '' || [...input.display_name].length > 64) throw appError(400, 'model.channel.is_valid.display_name.app_error', 'Invalid display name.');
      if (input.type !== 'O' && input.type !== 'P') throw appError(400, 'model.channel.is_valid.type.app_error', 'Invalid type.');
      if ([...String(input.header ?? '')].length > 1024) throw appError(400, 'model.channel.is_valid.header.app_error', 'Invalid header.');
      if ([...String(input.purpose ?? '')].length > 250) throw appError(400, 'model.channel.is_valid.purpose.app_error', 'Invalid purpose.');
      if (state.channels.some((c) => c.team_id === teamId && c.name === name)) throw appError(400, 'store.sql_channel.save_channel.exists.app_error', 'A channel with that name already exists on the same team.');
      const channel: FakeMattermostChannel = { id: mattermostId(), team_id: teamId, name, display_name: input.display_name, type: input.type, header: String(input.header ?? ''), purpose: String(input.purpose ?? ''), creator_id: bot.id, members: new Set([bot.id]) };
      state.channels.push(channel);
      return [201, { ...channel, members: undefined }];
    }],
    ['GET /channels/:id', /^\/channels\/([a-z0-9]{26})$/, ({ params }) => {
      const channel = channelOf(params[0]!);
      if (channel.type === 'P' && !channel.members.has(bot.id)) throw appError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      return [200, { ...channel, members: undefined }];
    }],
    ['GET /teams/:id/channels/name/:name', /^\/teams\/([a-z0-9]{26})\/channels\/name\/([^/]+)$/, ({ params }) => {
      const channel = state.channels.find((c) => c.team_id === params[0] && c.name === decodeURIComponent(params[1]!) && (c.type === 'O' || c.members.has(bot.id)));
      if (!channel) throw appError(404, 'app.channel.get_by_name.missing.app_error', 'Channel does not exist.');
      return [200, { ...channel, members: undefined }];
    }],
    ['POST /channels/:id/members', /^\/channels\/([a-z0-9]{26})\/members$/, ({ params, body }) => {
      const channel = channelOf(params[0]!);
      const userId = (body as { user_id?: unknown } | undefined)?.user_id;
      if (typeof userId !== 'string' || !state.users.some((u) => u.id === userId)) throw appError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_id in request body.');
      channel.members.add(userId);
      return [201, { channel_id: channel.id, user_id: userId }];
    }],
    ['PUT /channels/:id/patch', /^\/channels\/([a-z0-9]{26})\/patch$/, ({ params, body }) => {
      const channel = channelOf(params[0]!);
      const header = (body as { header?: unknown } | undefined)?.header;
      if (typeof header === 'string') {
        if ([...header].length > 1024) throw appError(400, 'model.channel.is_valid.header.app_error', 'Invalid header.');
        channel.header = header;
      }
      return [200, { ...channel, members: undefined }];
    }],
    ['POST /channels/direct', /^\/channels\/direct$/, ({ body }) => {
      const ids = body as unknown;
      if (!Array.isArray(ids) || ids.length !== 2 || !ids.every((id) => state.users.some((u) => u.id === id))) throw appError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_ids in request body.');
      if (!ids.includes(bot.id)) throw appError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      const name = [...ids].sort().join('__');
      let channel = state.channels.find((c) => c.type === 'D' && c.name === name);
      if (!channel) {
        channel = { id: mattermostId(), team_id: '', name, display_name: '', type: 'D', header: '', purpose: '', creator_id: bot.id, members: new Set(ids as string[]) };
        state.channels.push(channel);
      }
      return [201, { ...channel, members: undefined }];
    }],
    ['POST /posts', /^\/posts$/, ({ body }) => {
      const input = (body ?? {}) as Record<string, unknown>;
      return [201, postAs(input.channel_id as string, input.message, input.props, input.file_ids)];
    }],
    ['PUT /posts/:id/patch', /^\/posts\/([a-z0-9]{26})\/patch$/, ({ params, body }) => {
      const post = state.posts.find((p) => p.id === params[0]);
      if (!post) throw appError(404, 'app.post.get.app_error', 'Unable to get the post.');
      if (post.user_id !== bot.id) throw appError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      const input = (body ?? {}) as { message?: string; props?: FakeMattermostPost['props'] };
      if (input.message !== undefined) post.message = input.message;
      if (input.props !== undefined) post.props = input.props;
      post.edits++;
      return [200, post];
    }],
    ['POST /posts/ephemeral', /^\/posts\/ephemeral$/, ({ body }) => {
      const input = (body ?? {}) as { user_id?: string; post?: { channel_id?: string; message?: string; props?: unknown } };
      if (!input.user_id || !input.post?.channel_id) throw appError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_id or post in request body.');
      channelOf(input.post.channel_id);
      state.ephemerals.push({ user_id: input.user_id, channel_id: input.post.channel_id, message: input.post.message ?? '', props: input.post.props });
      return [201, { id: mattermostId() }];
    }],
    ['POST /files', /^\/files$/, async ({ raw, request }) => {
      const form = await new Request('http://fake/files', { method: 'POST', headers: { 'content-type': String(request.headers['content-type'] ?? '') }, body: raw }).formData().catch(() => undefined);
      if (!form) throw appError(400, 'api.file.upload_file.incorrect_number_of_files.app_error', 'Unable to upload files. Incorrect number of files specified.');
      const channelId = form.get('channel_id');
      if (typeof channelId !== 'string') throw appError(400, 'api.file.upload_file.incorrect_channelId.app_error', 'Unable to upload the file. Incorrect channel ID.');
      const channel = channelOf(channelId);
      if (!channel.members.has(bot.id)) throw appError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      const infos = [];
      for (const file of form.getAll('files')) {
        if (typeof file === 'string') continue;
        const id = mattermostId();
        state.files.set(id, { name: file.name, bytes: Buffer.from(await file.arrayBuffer()), channel_id: channelId });
        infos.push({ id, name: file.name, size: file.size });
      }
      if (infos.length === 0) throw appError(400, 'api.file.upload_file.incorrect_number_of_files.app_error', 'Unable to upload files. Incorrect number of files specified.');
      return [201, { file_infos: infos }];
    }],
  ];

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const path = url.pathname.replace(/^\/api\/v4/, '');
      const method = request.method ?? 'GET';
      const raw = await readBody(request);
      const match = routes.find(([route, pattern]) => route.startsWith(`${method} `) && pattern.test(path));
      const route = match ? match[0] : `${method} ${path}`;
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        calls.push({ route, status });
        send(response, status, body, headers);
      };
      if (!url.pathname.startsWith('/api/v4/') || !match) return answer(404, { id: 'api.context.404.app_error', message: 'Sorry, we could not find the page.', status_code: 404 });
      if (request.headers.authorization !== `Bearer ${options.token}`) return answer(401, { id: 'api.context.session_expired.app_error', message: 'Invalid or expired session, please login again.', status_code: 401 });
      const failure = failures.get(route)?.shift();
      if (failure?.status === 429) return answer(429, 'limit exceeded\n', { 'X-Ratelimit-Limit': '10', 'X-Ratelimit-Remaining': '0', 'X-Ratelimit-Reset': String(failure.reset ?? 1) });
      if (failure) return answer(failure.status, { id: failure.status === 403 ? 'api.context.permissions.app_error' : 'app.internal_error', message: 'failed on purpose', status_code: failure.status });
      let body: unknown;
      if (raw.length && String(request.headers['content-type'] ?? '').startsWith('application/json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return answer(400, { id: 'api.context.invalid_body_param.app_error', message: 'Invalid JSON.', status_code: 400 });
        }
      }
      try {
        const [status, result] = await match[2]({ params: path.match(match[1])!.slice(1), body, raw, request });
        answer(status, result);
      } catch (error) {
        if (error instanceof ApiError) return answer(error.status, { id: error.id, message: error.message, status_code: error.status });
        answer(500, { id: 'app.internal_error', message: String(error), status_code: 500 });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const readAnswer = async (response: Response) => {
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { text };
    }
    return { status: response.status, body };
  };

  return {
    url,
    token: options.token,
    teamName,
    teamId,
    botUserId: bot.id,
    users: { alice: alice.id, bob: bob.id, carol: carol.id },
    generalChannelId: general.id,
    state,
    calls,
    failNext(route, failure) {
      failures.set(route, [...(failures.get(route) ?? []), failure]);
    },
    async slashCommand(target, input) {
      const sender = state.users.find((u) => u.id === input.userId);
      const channel = state.channel(input.channelId);
      const form = new URLSearchParams({
        channel_id: input.channelId,
        channel_name: channel?.name ?? '',
        command: input.command,
        response_url: `${url}/hooks/commands/${mattermostId()}`,
        team_domain: teamName,
        team_id: teamId,
        text: input.text,
        token: input.token,
        trigger_id: input.triggerId ?? mattermostId(),
        user_id: input.userId,
        user_name: sender?.username ?? '',
      });
      const response = await fetch(target, { method: 'POST', headers: { authorization: `Token ${input.token}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() });
      return readAnswer(response);
    },
    async click(postId, actionName, userId) {
      const post = state.posts.find((p) => p.id === postId);
      const action = post?.props.attachments?.flatMap((a) => a.actions ?? []).find((a) => a.name === actionName || a.id === actionName);
      if (!post || !action?.integration) throw new Error(`fake Mattermost: no button "${actionName}" on post ${postId}`);
      const sender = state.users.find((u) => u.id === userId);
      const response = await fetch(action.integration.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: userId, user_name: sender?.username ?? '', channel_id: post.channel_id, channel_name: state.channel(post.channel_id)?.name ?? '', team_id: teamId, team_domain: teamName, post_id: post.id, trigger_id: mattermostId(), type: '', data_source: '', context: action.integration.context }),
      });
      const answer = await readAnswer(response);
      // What Mattermost does with the answer: an update replaces the post, ephemeral_text shows to the clicker.
      const update = answer.body.update as { message?: string; props?: FakeMattermostPost['props'] } | undefined;
      if (update) Object.assign(post, { ...(update.message !== undefined ? { message: update.message } : {}), ...(update.props ? { props: update.props } : {}), edits: post.edits + 1 });
      if (typeof answer.body.ephemeral_text === 'string') state.ephemerals.push({ user_id: userId, channel_id: post.channel_id, message: answer.body.ephemeral_text, props: undefined });
      return answer;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Who Mattermost could notify for this text: the @usernames it names, and "channel", "all" or "here" for everyone. */
export function mattermostNotifications(text: string): string[] {
  // Stricter than Mattermost's parser (which splits words on . - : and more): any @ followed by a word counts.
  return [...text.matchAll(/@([a-z0-9][a-z0-9._-]*)/gi)].map((match) => match[1]!.replace(/[._-]+$/, '').toLowerCase());
}

/** Everything a post shows: its message and its attachments' texts. */
export function postText(post: FakeMattermostPost): string {
  const parts = [post.message];
  for (const attachment of post.props.attachments ?? []) {
    for (const key of ['pretext', 'title', 'text', 'footer', 'fallback'] as const) if (typeof attachment[key] === 'string') parts.push(attachment[key] as string);
    for (const field of (attachment.fields ?? []) as Array<{ title?: string; value?: string }>) parts.push(field.title ?? '', field.value ?? '');
  }
  return parts.join('\n');
}
