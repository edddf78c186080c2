import { randomBytes, randomUUID } from 'node:crypto';

export interface FakeTeamsUser {
  /** The Entra object id (what oncall.yaml `teams:` holds). */
  aadObjectId: string;
  /** The Teams user id ("29:…"). */
  id: string;
  name: string;
  givenName: string;
  surname: string;
  email: string;
  userPrincipalName: string;
}

export interface FakeTeamsChannel {
  id: string;
  /** null for General, as the Bot Connector lists it. */
  name: string | null;
  /** Set through Graph (channels the bot created). */
  description?: string;
  membershipType?: 'standard' | 'private';
  /** A private channel's members (aadObjectIds) and which of them own it. */
  members?: { user: string; owner: boolean }[];
  /** Made through Graph, by the bot. */
  createdByGraph?: boolean;
}

/** A file put into a channel's files folder through Graph. */
export interface FakeGraphUpload {
  channelId: string;
  driveId: string;
  name: string;
  content: Buffer;
  webUrl: string;
}

export interface FakeTeamsActivity {
  id: string;
  conversationId: string;
  /** "bot" or the user's aadObjectId. */
  from: string;
  type: string;
  text?: string;
  summary?: string;
  attachments: { contentType: string; content: unknown }[];
  replyToId?: string;
  edits: number;
}

export interface FakeTeamsConversation {
  id: string;
  kind: 'thread' | 'personal';
  /** The team channel a thread is in. */
  channelId?: string;
  /** The person a 1:1 conversation is with (aadObjectId). */
  user?: string;
}

export function teamsUserId(): string {
  return `29:1${randomBytes(24).toString('base64url')}`;
}

export function makeUser(given: string, surname: string): FakeTeamsUser {
  const login = given.toLowerCase();
  return { aadObjectId: randomUUID(), id: teamsUserId(), name: `${given} ${surname}`, givenName: given, surname, email: `${login}@contoso.example`, userPrincipalName: `${login}@contoso.example` };
}

/** What Teams would now show, kept for the tests to read. */
export class FakeTeamsState {
  readonly users: FakeTeamsUser[] = [];
  readonly channels: FakeTeamsChannel[] = [];
  readonly conversations: FakeTeamsConversation[] = [];
  readonly activities: FakeTeamsActivity[] = [];
  readonly uploads: FakeGraphUpload[] = [];

  conversation(id: string): FakeTeamsConversation | undefined {
    return this.conversations.find((c) => c.id === id);
  }
  /** Incident threads, in the order they were started. */
  threads(): FakeTeamsConversation[] {
    return this.conversations.filter((c) => c.kind === 'thread');
  }
  /** Everything in a conversation, oldest first. */
  messages(conversationId: string): FakeTeamsActivity[] {
    return this.activities.filter((a) => a.conversationId === conversationId);
  }
  /** What the bot sent a person in their 1:1 chat. */
  dms(aadObjectId: string): FakeTeamsActivity[] {
    const conversation = this.conversations.find((c) => c.kind === 'personal' && c.user === aadObjectId);
    return conversation ? this.messages(conversation.id).filter((a) => a.from === 'bot') : [];
  }
  channel(id: string): FakeTeamsChannel | undefined {
    return this.channels.find((c) => c.id === id);
  }
  user(idOrAad: string): FakeTeamsUser | undefined {
    return this.users.find((u) => u.aadObjectId === idOrAad.toLowerCase() || u.id === idOrAad);
  }
}

/** An Adaptive Card's visible text (titles, texts, facts, button titles) and its verbs, for assertions. */
export function cardText(activity: FakeTeamsActivity | undefined): string {
  if (!activity) return '';
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    for (const key of ['text', 'title', 'value', 'verb']) if (typeof record[key] === 'string') out.push(record[key] as string);
    for (const value of Object.values(record)) if (typeof value === 'object') walk(value);
  };
  if (activity.text) out.push(activity.text);
  walk(activity.attachments.map((a) => a.content));
  return out.join('\n');
}

/** The Action.Execute buttons of a card. */
export function cardButtons(activity: FakeTeamsActivity | undefined): { title: string; verb: string; value: string }[] {
  const content = activity?.attachments[0]?.content as { actions?: { type: string; title: string; verb?: string; data?: { value?: string } }[] } | undefined;
  return (content?.actions ?? []).filter((a) => a.type === 'Action.Execute').map((a) => ({ title: a.title, verb: a.verb ?? '', value: a.data?.value ?? '' }));
}
