import { discordError, invalidFormBody, type FieldProblem } from './discord-errors.js';
import {
  channelJson,
  messageJson,
  userJson,
  type DiscordChannel,
  type DiscordGuildState,
  type DiscordInteraction,
  type DiscordMessage,
  type DiscordUser,
  type PermissionOverwrite,
} from './discord-state.js';
import { pingsOf } from './discord-mentions.js';
import { channelProblems, commandProblems, isEmptyMessage, messageProblems, normalizeTextChannelName } from './limits.js';

type Json = Record<string, unknown>;

export interface UploadedFile {
  key: string;
  filename: string;
  contentType?: string;
  bytes: Buffer;
}

export interface RestRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
}

export interface RestAnswer {
  status: number;
  body?: unknown;
}

export interface RestContext {
  state: DiscordGuildState;
  gatewayUrl: string;
  maxUploadBytes: number;
  /** Discord forgets an interaction nobody answered within 3 s. */
  interactionDeadlineMs: number;
  /** Interaction tokens (webhooks) last 15 minutes. */
  interactionTokenLifetimeMs: number;
  now(): number;
}

export interface Route {
  method: string;
  template: string;
  /** Interaction callbacks and webhooks are authorized by their token, not the bot's. */
  auth: boolean;
  handle(request: RestRequest, ctx: RestContext): RestAnswer;
}

const MAX_CHANNELS = 500;

function asObject(body: unknown): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidFormBody([{ path: [], code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' }]);
  return body as Json;
}

function failIf(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidFormBody(problems);
}

function guildOf(request: RestRequest, ctx: RestContext): void {
  if (request.params.guild !== ctx.state.guildId) throw discordError(10004);
}

/** A channel the bot can see, or the error Discord gives (Unknown Channel, Missing Access). */
function visibleChannel(id: string | undefined, ctx: RestContext): DiscordChannel {
  const channel = id ? ctx.state.channels.get(id) : undefined;
  if (!channel) throw discordError(10003);
  if (!ctx.state.botCanView(channel)) throw discordError(50001);
  return channel;
}

function ok(body: unknown, status = 200): RestAnswer {
  return { status, body };
}

/** Builds a message from a create body, checking what Discord checks. */
export function newMessage(ctx: RestContext, channelId: string, raw: unknown, files: UploadedFile[], extra: { flags?: number; interaction_id?: string } = {}): DiscordMessage {
  const body = asObject(raw);
  failIf(messageProblems(body));
  if (isEmptyMessage(body, files.length)) throw discordError(50006);
  const total = files.reduce((sum, f) => sum + f.bytes.length, 0);
  if (total > ctx.maxUploadBytes) throw discordError(40005);
  const described = Array.isArray(body.attachments) ? (body.attachments as Array<{ id?: unknown; filename?: string; description?: string }>) : [];
  const attachments = files.map((file, index) => {
    const n = /^files\[(\d+)\]$/.exec(file.key)?.[1] ?? String(index);
    const meta = described.find((a) => String(a.id) === n);
    return { id: ctx.state.ids.next(), filename: meta?.filename ?? file.filename, description: meta?.description, size: file.bytes.length, content_type: file.contentType, bytes: file.bytes };
  });
  if (described.some((a) => !files.some((f, i) => (/^files\[(\d+)\]$/.exec(f.key)?.[1] ?? String(i)) === String(a.id)))) {
    throw invalidFormBody([{ path: ['attachments'], code: 'ATTACHMENT_NOT_FOUND', message: 'Attachment data not found' }]);
  }
  const content = typeof body.content === 'string' ? body.content : '';
  return {
    id: ctx.state.ids.next(),
    channel_id: channelId,
    author: ctx.state.botUser,
    content,
    allowed_mentions: body.allowed_mentions ?? undefined,
    pings: pingsOf(content, body.allowed_mentions, (id) => ctx.state.users.has(id)),
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    attachments,
    flags: (typeof body.flags === 'number' ? body.flags : 0) | (extra.flags ?? 0),
    timestamp: new Date(ctx.now()).toISOString(),
    edited_timestamp: null,
    edits: [],
    ...(extra.interaction_id ? { interaction_id: extra.interaction_id } : {}),
  };
}

/** Applies an edit body, keeping the earlier version. */
export function editMessage(ctx: RestContext, message: DiscordMessage, raw: unknown): void {
  const body = asObject(raw);
  failIf(messageProblems(body));
  message.edits.push({
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    allowed_mentions: message.allowed_mentions,
    pings: message.pings,
    editedAt: new Date(ctx.now()),
  });
  if (body.content !== undefined) message.content = typeof body.content === 'string' ? body.content : '';
  // New content is read again for mentions, under the allowed_mentions the edit carries (none: everything).
  if (body.content !== undefined || body.allowed_mentions !== undefined) {
    message.allowed_mentions = body.allowed_mentions ?? undefined;
    message.pings = pingsOf(message.content, body.allowed_mentions, (id) => ctx.state.users.has(id));
  }
  if (body.embeds !== undefined) message.embeds = Array.isArray(body.embeds) ? body.embeds : [];
  if (body.components !== undefined) message.components = Array.isArray(body.components) ? body.components : [];
  message.edited_timestamp = new Date(ctx.now()).toISOString();
}

function store(ctx: RestContext, message: DiscordMessage): void {
  ctx.state.messages.get(message.channel_id)?.push(message);
}

function dmWith(ctx: RestContext, user: DiscordUser): DiscordChannel {
  const existing = [...ctx.state.channels.values()].find((c) => c.type === 1 && c.recipients?.[0]?.id === user.id);
  return existing ?? ctx.state.addChannel({ type: 1, recipients: [user] });
}

/** The interaction a webhook token belongs to, or Unknown Webhook. */
function interactionByToken(request: RestRequest, ctx: RestContext): DiscordInteraction {
  const interaction = [...ctx.state.interactions.values()].find((i) => i.token === request.params.token);
  if (!interaction || request.params.app !== ctx.state.applicationId) throw discordError(10015);
  if (ctx.now() - interaction.sentAt > ctx.interactionTokenLifetimeMs) throw discordError(50027, { status: 401, message: 'Invalid Webhook Token' });
  if (interaction.callbacks.length === 0) throw discordError(10015);
  return interaction;
}

function webhookMessage(interaction: DiscordInteraction, messageId: string): DiscordMessage {
  const message = messageId === '@original' ? interaction.original : interaction.followups.find((m) => m.id === messageId);
  if (!message || message.deleted) throw discordError(10008);
  return message;
}

const EPHEMERAL = 64;
const LOADING = 128;

function interactionCallback(request: RestRequest, ctx: RestContext): RestAnswer {
  const interaction = ctx.state.interactions.get(request.params.interaction ?? '');
  if (!interaction || interaction.token !== request.params.token) throw discordError(10062);
  if (interaction.callbacks.length > 0) throw discordError(40060);
  if (ctx.now() - interaction.sentAt > ctx.interactionDeadlineMs) throw discordError(10062);
  const body = asObject(request.body);
  const type = body.type as number;
  const data = (body.data ?? {}) as Json;
  const componentOnly = type === 6 || type === 7;
  if (![4, 5, 6, 7, 9].includes(type) || (componentOnly && interaction.type !== 3)) {
    throw invalidFormBody([{ path: ['type'], code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction' }]);
  }
  if (type === 4) {
    interaction.original = newMessage(ctx, interaction.channel_id, data, request.files, { interaction_id: interaction.id });
  } else if (type === 5) {
    // A deferred reply is a real message in the channel, shown as "thinking" (LOADING) until edited.
    const flags = (typeof data.flags === 'number' ? data.flags : 0) | LOADING;
    interaction.original = { ...newMessage(ctx, interaction.channel_id, { content: '…' }, [], { interaction_id: interaction.id }), content: '', flags };
  } else if (componentOnly) {
    const source = interaction.payload.message as Json;
    const known = ctx.state.findMessage(interaction.channel_id, String(source.id));
    interaction.original = known;
    if (type === 7 && known) editMessage(ctx, known, data);
  }
  interaction.callbacks.push({ type, data, at: new Date(ctx.now()) });
  if (interaction.original && (type === 4 || type === 5) && !(interaction.original.flags & EPHEMERAL)) store(ctx, interaction.original);
  if (request.query.get('with_response') === 'true') {
    return ok({ interaction: { id: interaction.id, type: interaction.type }, resource: { type, ...(interaction.original ? { message: messageJson(interaction.original, ctx.state.applicationId) } : {}) } });
  }
  return { status: 204 };
}

export const ROUTES: Route[] = [
  {
    method: 'GET',
    template: '/gateway/bot',
    auth: true,
    handle: (_request, ctx) => ok({ url: ctx.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14400000, max_concurrency: 1 } }),
  },
  { method: 'GET', template: '/gateway', auth: false, handle: (_request, ctx) => ok({ url: ctx.gatewayUrl }) },
  {
    method: 'PUT',
    template: '/applications/:app/guilds/:guild/commands',
    auth: true,
    handle: (request, ctx) => {
      if (request.params.app !== ctx.state.applicationId) throw discordError(50001);
      guildOf(request, ctx);
      failIf(commandProblems(request.body));
      const previous = new Map(ctx.state.commands.map((c) => [c.name, c.id]));
      ctx.state.commands = (request.body as Json[]).map((c) => ({
        ...c,
        id: previous.get(c.name) ?? ctx.state.ids.next(),
        application_id: ctx.state.applicationId,
        guild_id: ctx.state.guildId,
        type: c.type ?? 1,
        version: ctx.state.ids.next(),
        default_member_permissions: c.default_member_permissions ?? null,
      }));
      return ok(ctx.state.commands);
    },
  },
  {
    method: 'GET',
    template: '/applications/:app/guilds/:guild/commands',
    auth: true,
    handle: (request, ctx) => {
      guildOf(request, ctx);
      return ok(ctx.state.commands);
    },
  },
  {
    method: 'GET',
    template: '/guilds/:guild/channels',
    auth: true,
    handle: (request, ctx) => {
      guildOf(request, ctx);
      return ok([...ctx.state.channels.values()].filter((c) => c.guild_id === ctx.state.guildId).map(channelJson));
    },
  },
  {
    method: 'POST',
    template: '/guilds/:guild/channels',
    auth: true,
    handle: (request, ctx) => {
      guildOf(request, ctx);
      const body = asObject(request.body);
      failIf(channelProblems(body, true));
      const type = (body.type as number | undefined) ?? 0;
      const parentId = (body.parent_id as string | null | undefined) ?? null;
      if (parentId !== null) {
        const parent = ctx.state.channels.get(parentId);
        if (type === 4 || !parent || parent.type !== 4) throw invalidFormBody([{ path: ['parent_id'], code: 'CHANNEL_PARENT_INVALID', message: 'Not a category' }]);
      }
      if ([...ctx.state.channels.values()].filter((c) => c.guild_id === ctx.state.guildId).length >= MAX_CHANNELS) throw discordError(30013);
      const name = type === 0 ? normalizeTextChannelName(body.name as string) : (body.name as string);
      const overwrites = ((body.permission_overwrites as PermissionOverwrite[] | undefined) ?? []).map((o) => ({ id: o.id, type: o.type, allow: String(o.allow ?? '0'), deny: String(o.deny ?? '0') }));
      const channel = ctx.state.addChannel({
        type,
        guild_id: ctx.state.guildId,
        name,
        topic: (body.topic as string | undefined) ?? null,
        parent_id: parentId,
        position: ctx.state.channels.size,
        permission_overwrites: overwrites,
      });
      return ok(channelJson(channel), 201);
    },
  },
  {
    method: 'GET',
    template: '/guilds/:guild/members/:user',
    auth: true,
    handle: (request, ctx) => {
      guildOf(request, ctx);
      const user = ctx.state.users.get(request.params.user ?? '');
      if (!user) throw discordError(10007);
      return ok({ user: userJson(user), nick: null, avatar: null, roles: [], joined_at: '2024-01-01T00:00:00.000000+00:00', premium_since: null, deaf: false, mute: false, flags: 0, pending: false, communication_disabled_until: null });
    },
  },
  { method: 'GET', template: '/channels/:channel', auth: true, handle: (request, ctx) => ok(channelJson(visibleChannel(request.params.channel, ctx))) },
  {
    method: 'PATCH',
    template: '/channels/:channel',
    auth: true,
    handle: (request, ctx) => {
      const channel = visibleChannel(request.params.channel, ctx);
      const body = asObject(request.body);
      failIf(channelProblems(body, false));
      if (typeof body.name === 'string') channel.name = channel.type === 0 ? normalizeTextChannelName(body.name) : body.name;
      if (body.topic !== undefined) channel.topic = body.topic as string | null;
      if (body.parent_id !== undefined) channel.parent_id = body.parent_id as string | null;
      return ok(channelJson(channel));
    },
  },
  {
    method: 'PUT',
    template: '/channels/:channel/permissions/:overwrite',
    auth: true,
    handle: (request, ctx) => {
      const channel = visibleChannel(request.params.channel, ctx);
      const body = asObject(request.body);
      if (body.type !== 0 && body.type !== 1) throw invalidFormBody([{ path: ['type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {0, 1}.' }]);
      if (body.type === 1 && !ctx.state.users.has(request.params.overwrite ?? '')) throw discordError(10009, { status: 404, message: 'Unknown Overwrite' });
      const overwrite: PermissionOverwrite = { id: request.params.overwrite!, type: body.type, allow: String(body.allow ?? '0'), deny: String(body.deny ?? '0') };
      channel.permission_overwrites = [...(channel.permission_overwrites ?? []).filter((o) => o.id !== overwrite.id), overwrite];
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: '/channels/:channel/messages',
    auth: true,
    handle: (request, ctx) => {
      const channel = visibleChannel(request.params.channel, ctx);
      return ok((ctx.state.messages.get(channel.id) ?? []).filter((m) => !m.deleted).map((m) => messageJson(m)).reverse());
    },
  },
  {
    method: 'POST',
    template: '/channels/:channel/messages',
    auth: true,
    handle: (request, ctx) => {
      const channel = visibleChannel(request.params.channel, ctx);
      if (channel.type === 4) throw discordError(50008, { status: 400, message: 'Cannot send messages in a non-text channel' });
      if (channel.type === 1 && channel.recipients?.[0]?.dmsClosed) throw discordError(50007);
      const message = newMessage(ctx, channel.id, request.body, request.files);
      if (message.flags & EPHEMERAL) throw invalidFormBody([{ path: ['flags'], code: 'MESSAGE_FLAGS_INVALID', message: 'Ephemeral messages only exist as interaction replies' }]);
      store(ctx, message);
      return ok(messageJson(message));
    },
  },
  {
    method: 'PATCH',
    template: '/channels/:channel/messages/:message',
    auth: true,
    handle: (request, ctx) => {
      const channel = visibleChannel(request.params.channel, ctx);
      const message = ctx.state.findMessage(channel.id, request.params.message ?? '');
      if (!message) throw discordError(10008);
      if (message.author.id !== ctx.state.botUser.id) throw discordError(50005);
      editMessage(ctx, message, request.body);
      return ok(messageJson(message));
    },
  },
  {
    method: 'POST',
    template: '/users/@me/channels',
    auth: true,
    handle: (request, ctx) => {
      const body = asObject(request.body);
      const user = ctx.state.users.get(String(body.recipient_id ?? ''));
      if (!user || user.id === ctx.state.botUser.id) throw discordError(50033);
      return ok(channelJson(dmWith(ctx, user)));
    },
  },
  { method: 'GET', template: '/users/@me', auth: true, handle: (_request, ctx) => ok(userJson(ctx.state.botUser)) },
  {
    method: 'GET',
    template: '/users/:user',
    auth: true,
    handle: (request, ctx) => {
      const user = ctx.state.users.get(request.params.user ?? '');
      if (!user) throw discordError(10013);
      return ok(userJson(user));
    },
  },
  { method: 'POST', template: '/interactions/:interaction/:token/callback', auth: false, handle: interactionCallback },
  {
    method: 'GET',
    template: '/webhooks/:app/:token/messages/:message',
    auth: false,
    handle: (request, ctx) => ok(messageJson(webhookMessage(interactionByToken(request, ctx), request.params.message!), ctx.state.applicationId)),
  },
  {
    method: 'PATCH',
    template: '/webhooks/:app/:token/messages/:message',
    auth: false,
    handle: (request, ctx) => {
      const interaction = interactionByToken(request, ctx);
      const message = webhookMessage(interaction, request.params.message!);
      editMessage(ctx, message, request.body);
      message.flags &= ~LOADING;
      message.attachments.push(...newAttachments(ctx, request));
      return ok(messageJson(message, ctx.state.applicationId));
    },
  },
  {
    method: 'DELETE',
    template: '/webhooks/:app/:token/messages/:message',
    auth: false,
    handle: (request, ctx) => {
      webhookMessage(interactionByToken(request, ctx), request.params.message!).deleted = true;
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: '/webhooks/:app/:token',
    auth: false,
    handle: (request, ctx) => {
      const interaction = interactionByToken(request, ctx);
      const message = newMessage(ctx, interaction.channel_id, request.body, request.files, { interaction_id: interaction.id });
      interaction.followups.push(message);
      if (!(message.flags & EPHEMERAL)) store(ctx, message);
      return request.query.get('wait') === 'true' ? ok(messageJson(message, ctx.state.applicationId)) : { status: 204 };
    },
  },
];

function newAttachments(ctx: RestContext, request: RestRequest): DiscordMessage['attachments'] {
  return request.files.map((file) => ({ id: ctx.state.ids.next(), filename: file.filename, size: file.bytes.length, content_type: file.contentType, bytes: file.bytes }));
}

/** The route for a method and a path below /api/v10, with its parameters (percent-decoded). */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  const segments = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const parts = route.template.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (parts.every((part, i) => (part.startsWith(':') ? ((params[part.slice(1)] = segments[i]!), true) : part === segments[i]))) return { route, params };
  }
  return undefined;
}
