/** The workspace a fake Slack holds: people, conversations, messages, files, views. */

import type { SlackNotifications } from './slack-mentions.js';

export interface SlackUser {
  id: string;
  name: string;
  real_name: string;
  email?: string;
  /** Whether the user confirmed `email` (users.info `is_email_confirmed`); true unless set to false. */
  is_email_confirmed?: boolean;
  tz: string;
  is_bot?: boolean;
}

export interface SlackTextSet {
  value: string;
  creator: string;
  last_set: number;
  /** Who the text names live, as Slack reads it (a topic change is posted to the channel). */
  notifies?: SlackNotifications;
}

export interface SlackChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_im: boolean;
  is_archived: boolean;
  created: number;
  creator: string;
  members: string[];
  topic: SlackTextSet;
  purpose: SlackTextSet;
}

export interface SlackMessageVersion {
  text?: string;
  blocks?: unknown[];
  notifies: SlackNotifications;
  editedAt: Date;
}

export interface SlackMessage {
  ts: string;
  channel: string;
  user: string;
  bot_id: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  files?: Array<{ id: string; title: string; name: string }>;
  /** Who this version names live (notifies, when posted), as Slack reads text and blocks. */
  notifies: SlackNotifications;
  /** Earlier versions, oldest first; the fields above are the current one. */
  edits: SlackMessageVersion[];
}

export interface SlackEphemeral {
  message_ts: string;
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  notifies: SlackNotifications;
}

export interface SlackUpload {
  id: string;
  filename: string;
  declaredLength: number;
  alt_text?: string;
  bytes?: Buffer;
  title?: string;
  completed: boolean;
  channel?: string;
  initial_comment?: string;
}

export interface SlackResponseUrlPost {
  url: string;
  kind: 'commands' | 'actions';
  at: Date;
  body: Record<string, unknown>;
  /** `ephemeral` unless the bot asked for `in_channel`, as Slack reads response_type. */
  response_type: 'ephemeral' | 'in_channel';
  notifies: SlackNotifications;
}

export interface SlackView {
  id: string;
  trigger_id: string;
  view: Record<string, unknown>;
}

export const FAKE_TEAM = { id: 'T0FAKE0001', name: 'Fake Workspace', domain: 'fake-workspace' } as const;
export const FAKE_BOT = { user_id: 'U0BOT00001', bot_id: 'B0BOT00001', app_id: 'A0APP00001', name: 'incident-bot' } as const;

export const DEFAULT_SLACK_USERS: SlackUser[] = [
  { id: 'U0ALICE001', name: 'alice', real_name: 'Alice Archer', email: 'alice@example.com', tz: 'Europe/Berlin' },
  { id: 'U0BOB00001', name: 'bob', real_name: 'Bob Baker', email: 'bob@example.com', tz: 'America/New_York' },
  { id: 'U0CAROL001', name: 'carol', real_name: 'Carol Chen', email: 'carol@example.com', tz: 'Asia/Tokyo' },
];

/** Ids and timestamps from counters, so a test run is the same every time. */
export class SlackIds {
  private counters = new Map<string, number>();
  private tsCounter = 0;

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}0${n.toString(36).toUpperCase().padStart(8, '0')}`;
  }

  /** Message timestamps as Slack writes them: seconds, a dot, six digits; unique and increasing. */
  ts(): string {
    this.tsCounter++;
    return `${1700000000 + this.tsCounter}.000100`;
  }
}

/** A user group (a "@handle" that mentions its members), as usergroups.list returns it. */
export interface SlackUserGroup {
  id: string;
  handle: string;
  name: string;
  users: string[];
  date_update: number;
}

export class SlackWorkspace {
  readonly users = new Map<string, SlackUser>();
  readonly userGroups = new Map<string, SlackUserGroup>();
  readonly channels = new Map<string, SlackChannel>();
  readonly messages = new Map<string, SlackMessage[]>();
  readonly ephemerals: SlackEphemeral[] = [];
  readonly uploads = new Map<string, SlackUpload>();
  readonly responses: SlackResponseUrlPost[] = [];
  readonly views: SlackView[] = [];
  readonly ids = new SlackIds();

  constructor(users: SlackUser[]) {
    this.users.set(FAKE_BOT.user_id, { id: FAKE_BOT.user_id, name: FAKE_BOT.name, real_name: 'Incident Bot', tz: 'UTC', is_bot: true });
    for (const user of users) this.users.set(user.id, user);
  }

  addChannel(input: { name: string; is_private?: boolean; is_im?: boolean; creator?: string; members?: string[] }): SlackChannel {
    const id = this.ids.next(input.is_im ? 'D' : 'C');
    const empty = (): SlackTextSet => ({ value: '', creator: '', last_set: 0 });
    const channel: SlackChannel = {
      id,
      name: input.name,
      is_private: input.is_private ?? false,
      is_im: input.is_im ?? false,
      is_archived: false,
      created: 1700000000,
      creator: input.creator ?? FAKE_BOT.user_id,
      members: [...new Set(input.members ?? [FAKE_BOT.user_id])],
      topic: empty(),
      purpose: empty(),
    };
    this.channels.set(id, channel);
    this.messages.set(id, []);
    return channel;
  }

  /** By id, or by name with or without `#`, as chat.postMessage accepts. */
  findChannel(idOrName: string): SlackChannel | undefined {
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    return [...this.channels.values()].find((c) => !c.is_im && c.name === name);
  }

  findMessage(channel: string, ts: string): SlackMessage | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts);
  }
}

/** A copy of the workspace for assertions: plain data, keyed the way tests ask. */
export interface SlackStateView {
  channels: SlackChannel[];
  channel(idOrName: string): SlackChannel | undefined;
  messages(idOrName: string): SlackMessage[];
  ephemerals: SlackEphemeral[];
  userGroups: SlackUserGroup[];
  uploads: SlackUpload[];
  responses: SlackResponseUrlPost[];
  views: SlackView[];
  users: SlackUser[];
}

export function viewOf(workspace: SlackWorkspace): SlackStateView {
  return {
    get userGroups() {
      return [...workspace.userGroups.values()].map((group) => ({ ...group, users: [...group.users] }));
    },
    get channels() {
      return [...workspace.channels.values()];
    },
    channel: (idOrName) => workspace.findChannel(idOrName),
    messages: (idOrName) => {
      const channel = workspace.findChannel(idOrName);
      return channel ? (workspace.messages.get(channel.id) ?? []) : [];
    },
    get ephemerals() {
      return workspace.ephemerals;
    },
    get uploads() {
      return [...workspace.uploads.values()];
    },
    get responses() {
      return workspace.responses;
    },
    get views() {
      return workspace.views;
    },
    get users() {
      return [...workspace.users.values()];
    },
  };
}
