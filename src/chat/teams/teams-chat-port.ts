import { ChatApiError, type ChatCapabilities, type ChatPort, type ChatUserProfile, type CreatedChannel, type PostedMessage } from '../chat-port.js';
import type { Logger } from '../../logging.js';
import type { NeutralMessage } from '../neutral-message.js';
import { PlatformOutageLog } from '../platform-outage-log.js';
import { truncatePlain } from '../text-truncation.js';
import type { Clock } from '../../time/clock.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, renderAdaptiveCard } from './adaptive-card.js';
import { BotConnectorApi } from './bot-connector-api.js';
import { BotFrameworkToken, GRAPH_SCOPE } from './bot-framework-token.js';
import { DEFAULT_GRAPH_URL, GraphApi, GraphApiError } from './graph-api.js';
import { plainTeamsText } from './teams-markdown.js';

export const TEAMS_CAPABILITIES: ChatCapabilities = {
  // The Bot Connector cannot make channels: an incident is a thread in a team channel, seen by all its members.
  // Graph can make private channels, but a bot cannot post messages or cards in one (Microsoft's bot
  // documentation), so not with Graph either: a private incident gets nothing on Teams.
  privateChannels: false,
  channelTopics: false,
  ephemeralReplies: false,
  // The Bot Connector cannot put a file in a channel (that takes Graph and SharePoint): a file is posted as a message.
  fileUploads: false,
  maxUploadBytes: 0,
};

/**
 * With Microsoft Graph (TEAMS_GRAPH=on): an incident gets a standard team channel, whose
 * description is its topic; files go into the channel's files folder (SharePoint), at most 4 MB
 * (Graph's simple upload; bigger ones would need an upload session).
 */
export const TEAMS_GRAPH_CAPABILITIES: ChatCapabilities = {
  ...TEAMS_CAPABILITIES,
  channelTopics: true,
  fileUploads: true,
  maxUploadBytes: 4 * 1024 * 1024,
};

/** Graph's longest channel displayName. */
export const TEAMS_CHANNEL_NAME_LIMIT = 50;
/** How many suffixed names (-2, -3, …) are tried when a channel name is taken. */
const NAME_ATTEMPTS = 10;

/** How much of a file's text is shown in the message that stands for it. */
export const TEAMS_FILE_TEXT_LIMIT = 12_000;

const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TeamChannel {
  id: string;
  name?: string | null;
}

export interface TeamsMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  givenName?: string;
  surname?: string;
}

export interface TeamsChatPortOptions {
  appId: string;
  appPassword: string;
  tenantId: string;
  teamId: string;
  /** The channel incident threads start in (INCIDENTS_CHANNEL); General when unset. */
  incidentsChannel?: string;
  /** TEAMS_API_URL: replaces the token endpoint and the connector service URL. */
  apiUrl?: string;
  /** TEAMS_GRAPH=on: the team's group id (TEAMS_GROUP_ID) and, for tests, Graph's base URL (TEAMS_GRAPH_URL). */
  graph?: { groupId: string; url?: string };
  clock: Clock;
  log?: Logger;
}

/**
 * The chat port on the Bot Connector, in one team. An incident "channel" is a thread (a
 * conversation whose id ends in ";messageid=…") started in the team's incidents channel; direct
 * messages are 1:1 conversations the bot opens with a person's Entra object id.
 */
export class TeamsChatPort implements ChatPort {
  readonly platform = 'teams' as const;
  readonly capabilities: ChatCapabilities;
  private readonly threadsByName = new Map<string, string>();
  private readonly dmConversations = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private readonly filesFolders = new Map<string, { driveId: string; folderId: string }>();
  /** Channels this process made through Graph, by the wanted name: a retry after the channel was made reuses it. */
  private readonly createdChannels = new Map<string, { channelId: string; name: string }>();

  constructor(
    readonly api: BotConnectorApi,
    private readonly options: Pick<TeamsChatPortOptions, 'appId' | 'tenantId' | 'teamId' | 'incidentsChannel'>,
    /** Microsoft Graph, when TEAMS_GRAPH=on, with the team's group id. */
    readonly graph?: { api: GraphApi; groupId: string },
  ) {
    this.capabilities = graph ? TEAMS_GRAPH_CAPABILITIES : TEAMS_CAPABILITIES;
  }

  static create(options: TeamsChatPortOptions): TeamsChatPort {
    const serviceUrl = options.apiUrl ?? DEFAULT_SERVICE_URL;
    const outage = options.log ? new PlatformOutageLog(options.log, 'teams', new URL(serviceUrl).host) : undefined;
    const token = new BotFrameworkToken({ appId: options.appId, appPassword: options.appPassword, tenantId: options.tenantId, loginUrl: options.apiUrl, clock: options.clock });
    let graph: { api: GraphApi; groupId: string } | undefined;
    if (options.graph) {
      const graphUrl = options.graph.url ?? DEFAULT_GRAPH_URL;
      const graphOutage = options.log ? new PlatformOutageLog(options.log, 'teams', new URL(graphUrl).host) : undefined;
      // The same app and token cache, a second token: Graph's scope is not the connector's.
      const graphToken = new BotFrameworkToken({ appId: options.appId, appPassword: options.appPassword, tenantId: options.tenantId, loginUrl: options.apiUrl, clock: options.clock, scope: GRAPH_SCOPE });
      graph = { api: new GraphApi(graphUrl, graphToken, graphOutage), groupId: options.graph.groupId };
    }
    return new TeamsChatPort(new BotConnectorApi(serviceUrl, token, outage), options, graph);
  }

  /**
   * Without Graph, a thread in INCIDENTS_CHANNEL. With Graph, a standard team channel of its own
   * (everyone in the team sees it, as a Slack public channel), whose first post the bot starts
   * here: the incident's conversation is that post's thread, as in thread mode, so commands and
   * the card live in one place.
   */
  async createChannel(input: { name: string; private: boolean; topic?: string; purpose?: string }): Promise<CreatedChannel> {
    if (input.private) throw new ChatApiError('teams', 'createChannel', 'private_channels_unsupported', { retryable: false });
    let channelId: string;
    let name = input.name;
    if (this.graph) {
      const made = this.createdChannels.get(input.name) ?? (await this.createGraphChannel(input));
      this.createdChannels.set(input.name, made);
      ({ channelId, name } = made);
    } else {
      channelId = await this.incidentsChannelId();
    }
    const opening: NeutralMessage = { summary: name, title: name, sections: [input.topic, input.purpose].filter((text): text is string => Boolean(text)).map((text) => ({ text: plainTeamsText(text) })) };
    const created = await this.api.call<{ id?: string }>('POST', '/v3/conversations', {
      isGroup: true,
      channelData: { channel: { id: channelId }, tenant: { id: this.options.tenantId } },
      activity: await this.activity(opening),
    });
    if (!created.id) throw new ChatApiError('teams', 'createChannel', 'no_conversation_id', { retryable: true });
    this.threadsByName.set(input.name, created.id);
    this.threadsByName.set(name, created.id);
    return { channelId: created.id, name };
  }

  /** A standard channel named after `input.name` under Graph's rules; a taken name gets -2, -3, … */
  private async createGraphChannel(input: { name: string; topic?: string }): Promise<{ channelId: string; name: string }> {
    const base = teamsChannelName(input.name);
    for (let attempt = 1; attempt <= NAME_ATTEMPTS; attempt++) {
      const suffix = attempt === 1 ? '' : `-${attempt}`;
      const name = `${base.slice(0, TEAMS_CHANNEL_NAME_LIMIT - suffix.length).replace(/[.\s]+$/, '')}${suffix}`;
      try {
        const made = await this.graph!.api.call<{ id?: string; displayName?: string }>('POST', `/teams/${encodeURIComponent(this.graph!.groupId)}/channels`, {
          displayName: name,
          ...(input.topic ? { description: truncatePlain(input.topic, 1024) } : {}),
          membershipType: 'standard',
        });
        if (!made.id) throw new ChatApiError('teams', 'createChannel', 'no_channel_id', { retryable: true });
        return { channelId: made.id, name: made.displayName ?? name };
      } catch (error) {
        if (!isNameTaken(error)) throw error;
      }
    }
    throw new ChatApiError('teams', 'createChannel', 'name_taken', { retryable: false });
  }

  /** Everyone in the team channel sees its threads already; a standard channel holds the whole team. */
  async invite(): Promise<void> {}

  /**
   * With Graph, the channel's description (what Teams shows under the channel's name); never that
   * of General or INCIDENTS_CHANNEL, which hold threads of incidents from before Graph was on.
   * Without Graph a thread has no topic (channelTopics is false).
   */
  async setTopic(channelId: string, topic: string): Promise<void> {
    const teamChannel = teamChannelOf(channelId);
    if (!this.graph || !teamChannel || teamChannel === this.options.teamId) return;
    const incidents = this.options.incidentsChannel ? await this.resolveChannel(this.options.incidentsChannel).catch(() => undefined) : undefined;
    if (teamChannel === incidents) return;
    await this.graph.api.call('PATCH', `/teams/${encodeURIComponent(this.graph.groupId)}/channels/${encodeURIComponent(teamChannel)}`, { description: truncatePlain(topic, 1024) });
  }

  async resolveChannel(nameOrId: string): Promise<string | undefined> {
    const wanted = nameOrId.trim().replace(/^#/, '');
    if (/^(19|a|8):/.test(wanted)) return wanted;
    const thread = this.threadsByName.get(wanted);
    if (thread) return thread;
    const channels = await this.teamChannels();
    // With Graph an incident channel's name is the wanted one cut to Graph's rules.
    const names = new Set([wanted.toLowerCase(), ...(this.graph ? [teamsChannelName(wanted).toLowerCase()] : [])]);
    return channels.find((channel) => names.has((channel.name ?? 'General').toLowerCase()))?.id;
  }

  async postMessage(channelId: string, message: NeutralMessage, replyToId?: string): Promise<PostedMessage> {
    const posted = await this.api.call<{ id?: string }>('POST', `/v3/conversations/${encodeURIComponent(channelId)}/activities`, { ...(await this.activity(message)), ...(replyToId ? { replyToId } : {}) });
    if (!posted.id) throw new ChatApiError('teams', 'postMessage', 'no_activity_id', { retryable: false });
    return { channelId, messageId: posted.id };
  }

  async updateMessage(channelId: string, messageId: string, message: NeutralMessage): Promise<void> {
    await this.api.call('PUT', `/v3/conversations/${encodeURIComponent(channelId)}/activities/${encodeURIComponent(messageId)}`, { ...(await this.activity(message)), id: messageId });
  }

  /** Teams has no message only one person sees in a channel: a direct message. */
  async postEphemeral(_channelId: string, userId: string, message: NeutralMessage): Promise<void> {
    await this.sendDirectMessage(userId, message);
  }

  async sendDirectMessage(userId: string, message: NeutralMessage): Promise<PostedMessage> {
    return this.postMessage(await this.directConversation(userId), message);
  }

  /**
   * With Graph, into the files folder of the channel (a thread's own channel), then a message in
   * the conversation linking it; Teams shows bots' channel files only as links, the file itself
   * lives in the channel's Files tab. Without Graph, or in a 1:1 chat: a message standing for it.
   */
  async uploadFile(channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void> {
    const teamChannel = teamChannelOf(channelId);
    if (!this.graph || !teamChannel) return this.postFileInline(channelId, file);
    if (file.content.length > this.capabilities.maxUploadBytes) {
      throw new ChatApiError('teams', 'uploadFile', 'file_too_large', { retryable: false });
    }
    const folder = await this.filesFolder(teamChannel);
    const name = sharePointFileName(file.filename);
    const item = await this.graph.api.call<{ id?: string; name?: string; webUrl?: string }>(
      'PUT',
      // Renamed ("mtta-mttr 1.png") rather than replaced: each week's chart and each draft stays behind its own link.
      `/drives/${encodeURIComponent(folder.driveId)}/items/${encodeURIComponent(folder.folderId)}:/${encodeURIComponent(name)}:/content?@microsoft.graph.conflictBehavior=rename`,
      new Uint8Array(file.content),
    );
    if (!item.webUrl) throw new ChatApiError('teams', 'uploadFile', 'no_web_url', { retryable: true });
    const shown = item.name ?? name;
    await this.postMessage(channelId, {
      summary: `${file.title} (${shown})`,
      title: `${file.title}: ${shown}`,
      titleUrl: item.webUrl,
      sections: [...(file.comment ? [{ text: plainTeamsText(file.comment) }] : []), { text: `[Open ${shown.replace(/[[\]]/g, '')}](${item.webUrl}) (in the channel's Files)` }],
    });
  }

  /** A message standing for the file: its text inline in a code block, shortened; other content named only. */
  private async postFileInline(channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void> {
    const text = file.content.toString('utf8');
    const isText = !text.includes('\uFFFD') && !text.includes('\u0000');
    const body = isText
      ? `\`\`\`\n${truncatePlain(text.replace(/```/g, "'''"), TEAMS_FILE_TEXT_LIMIT)}\n\`\`\``
      : `(${file.content.length} bytes that Teams cannot show here: the bot cannot upload files to a channel)`;
    await this.postMessage(channelId, {
      summary: `${file.title} (${file.filename})`,
      title: `${file.title}: ${file.filename}`,
      sections: [...(file.comment ? [{ text: plainTeamsText(file.comment) }] : []), { text: body }],
    });
  }

  /** The channel's folder in the team's (or a private channel's own) SharePoint site; asking for it also makes Graph provision it. */
  private async filesFolder(teamChannel: string): Promise<{ driveId: string; folderId: string }> {
    const known = this.filesFolders.get(teamChannel);
    if (known) return known;
    const folder = await this.graph!.api.call<{ id?: string; parentReference?: { driveId?: string } }>('GET', `/teams/${encodeURIComponent(this.graph!.groupId)}/channels/${encodeURIComponent(teamChannel)}/filesFolder`);
    const driveId = folder.parentReference?.driveId;
    if (!folder.id || !driveId) throw new ChatApiError('teams', 'uploadFile', 'files_folder_not_ready', { retryable: true });
    const found = { driveId, folderId: folder.id };
    this.filesFolders.set(teamChannel, found);
    return found;
  }

  /** A member of the team's roster, by Entra object id or Teams id (29:…). */
  member(userId: string): Promise<TeamsMember> {
    return this.api.call<TeamsMember>('GET', `/v3/conversations/${encodeURIComponent(this.options.teamId)}/members/${encodeURIComponent(userId)}`);
  }

  async getUser(userId: string): Promise<ChatUserProfile> {
    const member = await this.member(userId);
    const name = member.name || [member.givenName, member.surname].filter(Boolean).join(' ') || userId;
    this.names.set(userId, name);
    const email = member.email ?? member.userPrincipalName;
    return { userId, name, ...(email ? { email } : {}) };
  }

  /** The id of the 1:1 conversation with a person (Entra object id), opened once. */
  async directConversation(userId: string): Promise<string> {
    const known = this.dmConversations.get(userId);
    if (known) return known;
    const created = await this.api.call<{ id?: string }>('POST', '/v3/conversations', {
      isGroup: false,
      bot: { id: `28:${this.options.appId}` },
      members: [{ id: userId }],
      tenantId: this.options.tenantId,
      channelData: { tenant: { id: this.options.tenantId } },
    });
    if (!created.id) throw new ChatApiError('teams', 'sendDirectMessage', 'no_conversation_id', { retryable: true });
    this.dmConversations.set(userId, created.id);
    return created.id;
  }

  /** The message activity for a neutral message, naming the people it mentions (looked up once, best effort). */
  async activity(message: NeutralMessage): Promise<Record<string, unknown>> {
    const people = new Map<string, string>();
    for (const id of (message.mentions ?? []).filter((id) => GUID.test(id)).slice(0, 20)) {
      const name = this.names.get(id) ?? (await this.getUser(id).then((user) => user.name).catch(() => undefined));
      if (name) people.set(id, name);
    }
    const rendered = renderAdaptiveCard(message, people);
    return { type: 'message', summary: rendered.summary, attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: rendered.card }] };
  }

  private async incidentsChannelId(): Promise<string> {
    const wanted = this.options.incidentsChannel?.replace(/^#/, '');
    // General's id is the team's id.
    if (!wanted) return this.options.teamId;
    const found = await this.resolveChannel(wanted);
    if (!found) throw new ChatApiError('teams', 'createChannel', 'incidents_channel_not_found', { retryable: false });
    return found;
  }

  private async teamChannels(): Promise<TeamChannel[]> {
    const listed = await this.api.call<{ conversations?: TeamChannel[] }>('GET', `/v3/teams/${encodeURIComponent(this.options.teamId)}/conversations`);
    return listed.conversations ?? [];
  }
}

/** The team channel of a conversation: a channel's own id, or a thread's ("19:…;messageid=…"); undefined for chats. */
export function teamChannelOf(conversationId: string): string | undefined {
  const channel = conversationId.split(';')[0]!;
  return /^19:.+@thread\.(tacv2|skype)$/.test(channel) ? channel : undefined;
}

/** A name SharePoint takes: none of " * : < > ? / \\ | # %, no leading or trailing dot or space, at most 200 characters. */
export function sharePointFileName(filename: string): string {
  const cleaned = filename
    .replace(/[\u0000-\u001f"*:<>?/\\|#%]/g, '-')
    .slice(0, 200)
    .replace(/^[\s.]+|[\s.]+$/g, '');
  return cleaned || 'file';
}

/**
 * A channel displayName Graph takes: none of ~ # % & * { } + / \\ : < > ? | ' " (each becomes -),
 * no leading _ or . and no trailing ., at most 50 characters.
 */
export function teamsChannelName(name: string): string {
  const cleaned = name
    .replace(/[\u0000-\u001f~#%&*{}+/\\:<>?|'"]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[_.\s]+/, '')
    .slice(0, TEAMS_CHANNEL_NAME_LIMIT)
    .replace(/[.\s]+$/, '');
  return cleaned || 'incident';
}

/** Graph says a channel name is taken with 409, or (for a recently deleted channel's name) a 400 saying so. */
function isNameTaken(error: unknown): boolean {
  if (!(error instanceof ChatApiError)) return false;
  if (error.options.status === 409) return true;
  return error.options.status === 400 && /already exist/i.test(error instanceof GraphApiError ? (error.graphMessage ?? '') : error.message);
}
