import { blockKitProblems, modalProblems } from './block-kit-limits.js';
import { slackNotifications, slackTextNotifications, type SlackNotifications } from './slack-mentions.js';
import { FAKE_BOT, FAKE_TEAM, type SlackChannel, type SlackMessage, type SlackUser, type SlackWorkspace } from './slack-state.js';

/** A Slack `ok: false` answer. */
export class SlackMethodError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

export type SlackArgs = Record<string, unknown>;

export interface MethodContext {
  workspace: SlackWorkspace;
  /** The base URL of the fake, for the upload URLs it hands out. */
  baseUrl: string;
  /** trigger_id -> when it was issued (ms); Slack honours a trigger for 3 seconds. */
  triggers: Map<string, number>;
  now(): number;
}

type Method = (args: SlackArgs, ctx: MethodContext) => Record<string, unknown>;

const TRIGGER_LIFETIME_MS = 3000;
const TOPIC_MAX = 250;
const TEXT_MAX = 40000;

function str(args: SlackArgs, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function bool(args: SlackArgs, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** Form bodies carry structured arguments as JSON text; JSON bodies carry them as they are. */
function structured(args: SlackArgs, name: string, formatError: string): unknown {
  const value = args[name];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackMethodError(formatError);
  }
}

function invalidBlocks(problems: string[]): SlackMethodError {
  return new SlackMethodError('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
}

function channelArg(args: SlackArgs, ctx: MethodContext, name = 'channel'): SlackChannel {
  const id = str(args, name);
  if (!id) throw new SlackMethodError('channel_not_found');
  const channel = ctx.workspace.findChannel(id);
  // A private channel the bot is not in does not exist as far as the bot can tell.
  if (!channel || (channel.is_private && !channel.members.includes(FAKE_BOT.user_id))) throw new SlackMethodError('channel_not_found');
  return channel;
}

function requireMember(channel: SlackChannel): void {
  if (!channel.members.includes(FAKE_BOT.user_id)) throw new SlackMethodError('not_in_channel');
  if (channel.is_archived) throw new SlackMethodError('is_archived');
}

function userArg(args: SlackArgs, ctx: MethodContext, name = 'user'): SlackUser {
  const id = str(args, name);
  const user = id ? ctx.workspace.users.get(id) : undefined;
  if (!user) throw new SlackMethodError('user_not_found');
  return user;
}

function messageContent(args: SlackArgs): { text?: string; blocks?: unknown[]; notifies: SlackNotifications } {
  const text = str(args, 'text');
  const blocks = args.blocks === undefined ? undefined : structured(args, 'blocks', 'invalid_blocks_format');
  const attachments = args.attachments === undefined ? undefined : structured(args, 'attachments', 'invalid_attachments');
  if (blocks !== undefined) {
    if (!Array.isArray(blocks)) throw new SlackMethodError('invalid_blocks_format');
    const problems = blockKitProblems(blocks);
    if (problems.length > 0) throw invalidBlocks(problems);
  }
  if (!text && (blocks === undefined || (blocks as unknown[]).length === 0) && attachments === undefined) throw new SlackMethodError('no_text');
  if (text && text.length > TEXT_MAX) throw new SlackMethodError('msg_too_long');
  return {
    ...(text !== undefined ? { text } : {}),
    ...(blocks !== undefined ? { blocks: blocks as unknown[] } : {}),
    notifies: slackNotifications({ text, blocks, link_names: args.link_names, parse: args.parse }),
  };
}

function messageJson(message: SlackMessage): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'bot_message',
    ts: message.ts,
    user: message.user,
    bot_id: message.bot_id,
    app_id: FAKE_BOT.app_id,
    team: FAKE_TEAM.id,
    text: message.text ?? '',
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    ...(message.edits.length > 0 ? { edited: { user: message.user, ts: message.ts } } : {}),
  };
}

export function channelJson(channel: SlackChannel): Record<string, unknown> {
  if (channel.is_im) {
    return { id: channel.id, created: channel.created, is_im: true, is_org_shared: false, user: channel.members.find((m) => m !== FAKE_BOT.user_id) };
  }
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.is_private,
    is_group: channel.is_private,
    is_im: false,
    is_mpim: false,
    is_private: channel.is_private,
    is_archived: channel.is_archived,
    is_general: false,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    is_member: channel.members.includes(FAKE_BOT.user_id),
    created: channel.created,
    creator: channel.creator,
    num_members: channel.members.length,
    topic: channel.topic,
    purpose: channel.purpose,
    previous_names: [],
  };
}

function userJson(user: SlackUser): Record<string, unknown> {
  return {
    id: user.id,
    team_id: FAKE_TEAM.id,
    name: user.name,
    real_name: user.real_name,
    deleted: false,
    is_bot: user.is_bot ?? false,
    is_admin: false,
    // Slack reports it on every user; a user who never clicked the confirmation link has false.
    is_email_confirmed: user.email !== undefined && user.is_email_confirmed !== false,
    tz: user.tz,
    tz_label: user.tz,
    tz_offset: 0,
    profile: { real_name: user.real_name, display_name: user.name, email: user.email, team: FAKE_TEAM.id },
  };
}

/** Slack's channel-name rules, in the order Slack reports them. */
function nameProblem(name: string | undefined): string | undefined {
  if (!name) return 'invalid_name_required';
  if (name.length > 80) return 'invalid_name_maxlength';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  if (!/^[\p{Ll}\p{Lo}\p{N}_-]+$/u.test(name)) return 'invalid_name_specials';
  return undefined;
}

function setText(field: 'topic' | 'purpose'): Method {
  return (args, ctx) => {
    const channel = channelArg(args, ctx);
    requireMember(channel);
    const value = str(args, field) ?? '';
    if (value.length > TOPIC_MAX) throw new SlackMethodError('too_long');
    channel[field] = { value, creator: FAKE_BOT.user_id, last_set: Math.floor(ctx.now() / 1000), notifies: slackTextNotifications(value) };
    return { channel: channelJson(channel) };
  };
}

export const SLACK_METHODS: Record<string, Method> = {
  'auth.test': () => ({
    url: `https://${FAKE_TEAM.domain}.slack.com/`,
    team: FAKE_TEAM.name,
    user: FAKE_BOT.name,
    team_id: FAKE_TEAM.id,
    user_id: FAKE_BOT.user_id,
    bot_id: FAKE_BOT.bot_id,
    is_enterprise_install: false,
  }),

  'conversations.create': (args, ctx) => {
    const name = str(args, 'name');
    const problem = nameProblem(name);
    if (problem) throw new SlackMethodError(problem);
    if ([...ctx.workspace.channels.values()].some((c) => !c.is_im && c.name === name)) throw new SlackMethodError('name_taken');
    const channel = ctx.workspace.addChannel({ name: name!, is_private: bool(args, 'is_private') });
    return { channel: channelJson(channel) };
  },

  'conversations.invite': (args, ctx) => {
    const channel = channelArg(args, ctx);
    if (channel.is_im) throw new SlackMethodError('method_not_supported_for_channel_type');
    requireMember(channel);
    const users = (str(args, 'users') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (users.length === 0) throw new SlackMethodError('no_user');
    if (users.length > 1000) throw new SlackMethodError('too_many_users');
    if (users.includes(FAKE_BOT.user_id)) throw new SlackMethodError('cant_invite_self');
    for (const id of users) if (!ctx.workspace.users.has(id)) throw new SlackMethodError('user_not_found');
    // Slack refuses the whole call when one of the users is already in.
    if (users.some((id) => channel.members.includes(id))) throw new SlackMethodError('already_in_channel');
    channel.members.push(...users);
    return { channel: channelJson(channel) };
  },

  'conversations.setTopic': setText('topic'),
  'conversations.setPurpose': setText('purpose'),

  'conversations.info': (args, ctx) => ({ channel: channelJson(channelArg(args, ctx)) }),

  'conversations.list': (args, ctx) => {
    const types = (str(args, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
    const limit = Math.min(Number(str(args, 'limit') ?? 100) || 100, 1000);
    const excludeArchived = bool(args, 'exclude_archived');
    const visible = [...ctx.workspace.channels.values()].filter((c) => {
      if (excludeArchived && c.is_archived) return false;
      if (c.is_im) return types.includes('im');
      if (c.is_private) return types.includes('private_channel') && c.members.includes(FAKE_BOT.user_id);
      return types.includes('public_channel');
    });
    const cursor = str(args, 'cursor');
    let offset = 0;
    if (cursor) {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
      if (!decoded) throw new SlackMethodError('invalid_cursor');
      offset = Number(decoded[1]);
    }
    const page = visible.slice(offset, offset + limit);
    const next = offset + limit < visible.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
    return { channels: page.map(channelJson), response_metadata: { next_cursor: next } };
  },

  'conversations.open': (args, ctx) => {
    const channelId = str(args, 'channel');
    if (channelId) return { channel: channelJson(channelArg(args, ctx)) };
    const users = (str(args, 'users') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (users.length === 0) throw new SlackMethodError('users_list_not_supplied');
    if (users.length > 8) throw new SlackMethodError('too_many_users');
    for (const id of users) if (!ctx.workspace.users.has(id)) throw new SlackMethodError('user_not_found');
    if (users.length > 1) throw new SlackMethodError('not_supported', { note: 'the fake opens 1:1 DMs only' });
    const members = [FAKE_BOT.user_id, users[0]!];
    const existing = [...ctx.workspace.channels.values()].find((c) => c.is_im && c.members.includes(users[0]!));
    if (existing) return { no_op: true, already_open: true, channel: channelJson(existing) };
    return { channel: channelJson(ctx.workspace.addChannel({ name: users[0]!, is_im: true, members })) };
  },

  // A user group is found by its id; its members are replaced as a whole (at least one, all real users).
  'usergroups.list': (args, ctx) => ({
    usergroups: [...ctx.workspace.userGroups.values()].map((group) => ({
      id: group.id,
      team_id: 'T0FAKETEAM',
      is_usergroup: true,
      name: group.name,
      handle: group.handle,
      date_update: group.date_update,
      user_count: group.users.length,
      ...(args.include_users === true || args.include_users === 'true' ? { users: group.users } : {}),
    })),
  }),
  'usergroups.users.update': (args, ctx) => {
    const id = str(args, 'usergroup');
    if (!id) throw new SlackMethodError('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: usergroup'] } });
    const group = ctx.workspace.userGroups.get(id);
    if (!group) throw new SlackMethodError('no_such_subteam');
    const users = (str(args, 'users') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (users.length === 0 || users.some((user) => !ctx.workspace.users.has(user))) throw new SlackMethodError('invalid_users');
    group.users = [...new Set(users)];
    group.date_update = Math.floor(Date.now() / 1000);
    return { usergroup: { id: group.id, handle: group.handle, name: group.name, users: group.users, user_count: group.users.length, date_update: group.date_update } };
  },

  'chat.postMessage': (args, ctx) => {
    const channel = channelArg(args, ctx);
    requireMember(channel);
    const content = messageContent(args);
    const threadTs = str(args, 'thread_ts');
    if (threadTs && !ctx.workspace.findMessage(channel.id, threadTs)) throw new SlackMethodError('thread_not_found');
    const message: SlackMessage = { ts: ctx.workspace.ids.ts(), channel: channel.id, user: FAKE_BOT.user_id, bot_id: FAKE_BOT.bot_id, ...content, edits: [] };
    if (threadTs) message.thread_ts = threadTs;
    ctx.workspace.messages.get(channel.id)!.push(message);
    return { channel: channel.id, ts: message.ts, message: messageJson(message) };
  },

  'chat.update': (args, ctx) => {
    const channel = channelArg(args, ctx);
    const ts = str(args, 'ts');
    const message = ts ? ctx.workspace.findMessage(channel.id, ts) : undefined;
    if (!message) throw new SlackMethodError('message_not_found');
    if (message.user !== FAKE_BOT.user_id) throw new SlackMethodError('cant_update_message');
    const content = messageContent(args);
    message.edits.push({
      ...(message.text !== undefined ? { text: message.text } : {}),
      ...(message.blocks ? { blocks: message.blocks } : {}),
      notifies: message.notifies,
      editedAt: new Date(ctx.now()),
    });
    message.text = content.text;
    // Leaving blocks out of an update keeps the old ones, as Slack does.
    if (content.blocks) message.blocks = content.blocks;
    message.notifies = slackNotifications({ text: message.text, blocks: message.blocks, link_names: args.link_names, parse: args.parse });
    return { channel: channel.id, ts: message.ts, text: message.text ?? '', message: messageJson(message) };
  },

  'chat.postEphemeral': (args, ctx) => {
    const channel = channelArg(args, ctx);
    if (!str(args, 'user')) throw new SlackMethodError('user_not_found');
    const user = userArg(args, ctx);
    if (!channel.members.includes(user.id)) throw new SlackMethodError('user_not_in_channel');
    requireMember(channel);
    const content = messageContent(args);
    const messageTs = ctx.workspace.ids.ts();
    ctx.workspace.ephemerals.push({ message_ts: messageTs, channel: channel.id, user: user.id, ...content });
    return { message_ts: messageTs };
  },

  'users.info': (args, ctx) => ({ user: userJson(userArg(args, ctx)) }),

  'users.lookupByEmail': (args, ctx) => {
    const email = str(args, 'email')?.toLowerCase();
    const user = [...ctx.workspace.users.values()].find((u) => u.email?.toLowerCase() === email);
    if (!user) throw new SlackMethodError('users_not_found');
    return { user: userJson(user) };
  },

  'files.getUploadURLExternal': (args, ctx) => {
    const filename = str(args, 'filename');
    const length = Number(str(args, 'length'));
    if (!filename || !Number.isInteger(length) || length <= 0) throw new SlackMethodError('invalid_arguments');
    const id = ctx.workspace.ids.next('F');
    ctx.workspace.uploads.set(id, { id, filename, declaredLength: length, alt_text: str(args, 'alt_text'), completed: false });
    return { upload_url: `${ctx.baseUrl}/upload/v1/${id}`, file_id: id };
  },

  'files.completeUploadExternal': (args, ctx) => {
    const files = structured(args, 'files', 'invalid_arguments');
    if (!Array.isArray(files) || files.length === 0) throw new SlackMethodError('invalid_arguments');
    const uploads = files.map((file: { id?: string; title?: string }) => {
      const upload = file.id ? ctx.workspace.uploads.get(file.id) : undefined;
      // The bytes must have reached the upload URL first.
      if (!upload || !upload.bytes || upload.completed) throw new SlackMethodError('file_not_found');
      return { upload, title: file.title };
    });
    const channel = args.channel_id !== undefined || args.channels !== undefined ? channelArg(args, ctx, args.channel_id !== undefined ? 'channel_id' : 'channels') : undefined;
    if (channel) requireMember(channel);
    const comment = str(args, 'initial_comment');
    for (const { upload, title } of uploads) {
      upload.completed = true;
      upload.title = title ?? upload.filename;
      if (channel) upload.channel = channel.id;
      if (comment) upload.initial_comment = comment;
    }
    if (channel) {
      const message: SlackMessage = {
        ts: ctx.workspace.ids.ts(),
        channel: channel.id,
        user: FAKE_BOT.user_id,
        bot_id: FAKE_BOT.bot_id,
        ...(comment ? { text: comment } : {}),
        notifies: slackTextNotifications(comment ?? ''),
        files: uploads.map(({ upload }) => ({ id: upload.id, title: upload.title!, name: upload.filename })),
        edits: [],
      };
      const threadTs = str(args, 'thread_ts');
      if (threadTs) message.thread_ts = threadTs;
      ctx.workspace.messages.get(channel.id)!.push(message);
    }
    return { files: uploads.map(({ upload }) => ({ id: upload.id, title: upload.title, name: upload.filename, size: upload.bytes!.length })) };
  },

  'views.open': (args, ctx) => {
    const triggerId = str(args, 'trigger_id');
    if (!triggerId) throw new SlackMethodError('invalid_arguments');
    const view = structured(args, 'view', 'invalid_arguments');
    const issued = ctx.triggers.get(triggerId);
    if (issued === undefined) throw new SlackMethodError('invalid_trigger_id');
    if (ctx.now() - issued > TRIGGER_LIFETIME_MS) throw new SlackMethodError('expired_trigger_id');
    const problems = modalProblems(view);
    if (problems.length > 0) throw invalidBlocks(problems);
    ctx.triggers.delete(triggerId);
    const id = ctx.workspace.ids.next('V');
    const stored = { ...(view as Record<string, unknown>), id, team_id: FAKE_TEAM.id, app_id: FAKE_BOT.app_id, bot_id: FAKE_BOT.bot_id };
    ctx.workspace.views.push({ id, trigger_id: triggerId, view: stored });
    return { view: stored };
  },
};
