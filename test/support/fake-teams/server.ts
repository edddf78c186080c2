import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { FakeTeamsState, makeUser, type FakeTeamsActivity, type FakeTeamsChannel, type FakeTeamsUser } from './state.js';

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
// The connector refuses bigger activities (MessageSizeTooBig).
const MAX_ACTIVITY_BYTES = 28 * 1024;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
// Graph's simple upload (PUT …/content) takes files up to 4 MB.
const MAX_SIMPLE_UPLOAD_BYTES = 4 * 1024 * 1024;
// What Graph refuses in a channel's displayName (besides a leading _ or . and a trailing .).
const BAD_CHANNEL_CHARACTERS = /[~#%&*{}+/\\:<>?|'"]/;

export type FakeTeamsRoute =
  | 'POST /token'
  | 'GET /v3/teams/:team/conversations'
  | 'POST /v3/conversations'
  | 'POST /v3/conversations/:conversation/activities'
  | 'PUT /v3/conversations/:conversation/activities/:activity'
  | 'GET /v3/conversations/:conversation/members/:member'
  | 'POST /graph/token'
  | 'GET /v1.0/teams/:group/channels/:channel/filesFolder'
  | 'PUT /v1.0/drives/:drive/items/:item:/:name:/content'
  | 'POST /v1.0/teams/:group/channels'
  | 'PATCH /v1.0/teams/:group/channels/:channel'
  | 'POST /v1.0/teams/:group/channels/:channel/members';

export type FakeTeamsFailure = { status: 429; retryAfter: number } | { status: 500 } | { status: 400 | 403 | 404; code: string; message?: string };

interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

/** How a signed activity should be wrong, to see the bot refuse it. */
export interface SendOptions {
  badSignature?: boolean;
  wrongAudience?: boolean;
  expired?: boolean;
  unknownKey?: boolean;
  /** The token vouches for another serviceUrl than the activity names. */
  forgedServiceUrl?: boolean;
  noToken?: boolean;
  /** When the token was issued (the bot's clock may be a test's). */
  now?: Date;
}

export interface FakeTeamsOptions {
  appId: string;
  appPassword: string;
  tenantId: string;
  teamId?: string;
  /** Named team channels besides General. */
  channels?: string[];
}

export interface FakeTeams {
  url: string;
  appId: string;
  tenantId: string;
  teamId: string;
  botId: string;
  /** The team's Microsoft 365 group id: what Graph knows the team by. */
  groupId: string;
  state: FakeTeamsState;
  /** How many tokens each scope was given. */
  tokensIssued(): { connector: number; graph: number };
  users: { alice: string; bob: string };
  /** Team channel ids by name ("General" for the team's own). */
  channelIds: Record<string, string>;
  failNext(route: FakeTeamsRoute, failure: FakeTeamsFailure): void;
  /** The failures served so far. */
  failuresServed: { route: FakeTeamsRoute; status: number }[];
  /** Publishes a new signing key and drops the old one, as Microsoft does. */
  rotateKeys(): Promise<void>;
  /** How many times the bot read the keys. */
  keyFetches(): number;
  sendActivity(botUrl: string, activity: Record<string, unknown>, options?: SendOptions): Promise<{ status: number; body: any }>;
  /** A person typing in a conversation: in a channel thread the text starts with the bot's @mention. */
  /** A typed message; `mentions` are people (Entra ids) @mentioned in it: their "<at>Name</at>" goes in the text as Teams writes it. */
  typed(botUrl: string, input: { user: string; conversationId: string; text: string; mentions?: string[] }, options?: SendOptions): Promise<{ status: number; body: any; activityId: string }>;
  /** A click on a card's Action.Execute button. */
  click(botUrl: string, input: { user: string; conversationId: string; cardId: string; verb: string; value: string }, options?: SendOptions): Promise<{ status: number; body: any; activityId: string }>;
  close(): Promise<void>;
}

function threadId(): string {
  return `19:${randomBytes(16).toString('hex')}@thread.tacv2`;
}

function activityId(): string {
  return String(Date.now() * 1000 + Math.floor(Math.random() * 1000));
}

async function newKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, kty: 'RSA', use: 'sig', endorsements: ['msteams'] } as JWK };
}

/**
 * A strict Bot Connector stand-in on one base URL: Entra's token endpoint, the Bot Framework's
 * OpenID metadata and keys (its own RSA keys), and the connector's v3 routes the bot calls, each
 * checking the token it issued and the fields Teams requires. Its client side signs activities
 * as the connector does and posts them to the bot.
 */
export async function startFakeTeams(options: FakeTeamsOptions): Promise<FakeTeams> {
  const state = new FakeTeamsState();
  const teamId = options.teamId ?? threadId();
  const botId = `28:${options.appId}`;
  const alice: FakeTeamsUser = makeUser('Alice', 'Archer');
  const bob: FakeTeamsUser = makeUser('Bob', 'Baker');
  state.users.push(alice, bob);
  state.channels.push({ id: teamId, name: null });
  for (const name of options.channels ?? []) state.channels.push({ id: threadId(), name });
  const issued = new Set<string>();
  const graphIssued = new Set<string>();
  const groupId = randomUUID();
  const teamDriveId = `b!${randomBytes(24).toString('base64url')}`;
  const failures = new Map<string, FakeTeamsFailure[]>();
  const served: { route: FakeTeamsRoute; status: number }[] = [];
  let keys: SigningKey[] = [await newKey()];
  let fetches = 0;
  let url = '';

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  const badArgument = (response: ServerResponse, message: string) => send(response, 400, { error: { code: 'BadArgument', message } });
  const notFound = (response: ServerResponse, code: string, message: string) => send(response, 404, { error: { code, message } });
  // Microsoft's bot documentation: bots can't post messages or Adaptive Cards in private channel conversations.
  const privateRefused = (response: ServerResponse) => send(response, 403, { error: { code: 'Forbidden', message: 'Bots cannot post in private channel conversations.' } });

  const failed = (route: FakeTeamsRoute, response: ServerResponse): boolean => {
    const failure = failures.get(route)?.shift();
    if (!failure) return false;
    served.push({ route, status: failure.status });
    if (failure.status === 429) send(response, 429, { error: { code: 'TooManyRequests', message: 'Too many requests' } }, { 'retry-after': String(failure.retryAfter) });
    else if (failure.status === 500) send(response, 500, { error: { code: 'ServiceError', message: 'Unknown error' } });
    else send(response, failure.status, { error: { code: failure.code, message: failure.message ?? 'The bot may not do this.' } });
    return true;
  };

  const storeActivity = (conversationId: string, from: string, body: Record<string, unknown>): FakeTeamsActivity => {
    const activity: FakeTeamsActivity = {
      id: activityId(),
      conversationId,
      from,
      type: String(body.type),
      ...(typeof body.text === 'string' ? { text: body.text } : {}),
      ...(typeof body.summary === 'string' ? { summary: body.summary } : {}),
      attachments: (body.attachments as FakeTeamsActivity['attachments'] | undefined) ?? [],
      ...(typeof body.replyToId === 'string' ? { replyToId: body.replyToId } : {}),
      edits: 0,
    };
    state.activities.push(activity);
    return activity;
  };

  /** The fields every message activity needs; a message is refused (not cut) when too big. */
  const activityProblem = (body: Record<string, unknown> | undefined): { status: number; code: string; message: string } | undefined => {
    if (!body || typeof body !== 'object') return { status: 400, code: 'BadArgument', message: 'Activity is required' };
    if (body.type !== 'message') return { status: 400, code: 'BadArgument', message: 'Activity type must be "message"' };
    const attachments = body.attachments;
    if (attachments !== undefined && (!Array.isArray(attachments) || attachments.some((a) => !a || a.contentType !== ADAPTIVE || typeof a.content !== 'object'))) {
      return { status: 400, code: 'BadArgument', message: 'Unknown attachment type' };
    }
    if (!body.text && !(Array.isArray(attachments) && attachments.length)) return { status: 400, code: 'BadArgument', message: 'Activity has neither text nor attachments' };
    if (Buffer.byteLength(JSON.stringify(body)) > MAX_ACTIVITY_BYTES) return { status: 413, code: 'MessageSizeTooBig', message: 'Message size too big' };
    return undefined;
  };

  const graphError = (response: ServerResponse, status: number, code: string, message: string) =>
    send(response, status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } });

  /** Microsoft Graph's routes the bot calls, under /v1.0, each needing a Graph token (a connector token is refused). */
  const handleGraph = (request: IncomingMessage, response: ServerResponse, path: string, method: string, bytes: Buffer, query: URLSearchParams) => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer) return graphError(response, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
    if (!graphIssued.has(bearer)) return graphError(response, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    const json = (): Record<string, any> | undefined => {
      try {
        return JSON.parse(bytes.toString('utf8')) as Record<string, any>;
      } catch {
        return undefined;
      }
    };
    const inTeam = (group: string) => decodeURIComponent(group) === groupId;

    const filesFolder = /^\/v1\.0\/teams\/([^/]+)\/channels\/([^/]+)\/filesFolder$/.exec(path);
    if (method === 'GET' && filesFolder) {
      if (failed('GET /v1.0/teams/:group/channels/:channel/filesFolder', response)) return;
      const channel = state.channel(decodeURIComponent(filesFolder[2]!));
      if (!inTeam(filesFolder[1]!) || !channel) return graphError(response, 404, 'NotFound', 'Channel not found');
      const name = channel.name ?? 'General';
      return send(response, 200, { id: folderId(channel.id), name, webUrl: `${url}/sites/team/Shared%20Documents/${encodeURIComponent(name)}`, folder: { childCount: 0 }, parentReference: { driveId: driveOf(channel), driveType: 'documentLibrary' } });
    }
    const upload = /^\/v1\.0\/drives\/([^/]+)\/items\/([^/:]+):\/([^/:]+):\/content$/.exec(path);
    if (method === 'PUT' && upload) {
      if (failed('PUT /v1.0/drives/:drive/items/:item:/:name:/content', response)) return;
      const driveId = decodeURIComponent(upload[1]!);
      const folder = decodeURIComponent(upload[2]!);
      const channel = state.channels.find((c) => folderId(c.id) === folder && driveOf(c) === driveId);
      if (!channel) return graphError(response, 404, 'itemNotFound', 'The resource could not be found.');
      const wanted = decodeURIComponent(upload[3]!);
      if (/["*:<>?/\\|]/.test(wanted) || /^[\s.]|[\s.]$/.test(wanted) || wanted.length === 0) return graphError(response, 400, 'invalidRequest', 'The provided name contains invalid characters.');
      if (bytes.length > MAX_SIMPLE_UPLOAD_BYTES) return graphError(response, 413, 'requestBodyTooLarge', 'Simple upload takes at most 4 MB; use an upload session.');
      // A name in use: replaced (Graph's default for PUT), renamed ("name 1.ext") or refused, as @microsoft.graph.conflictBehavior says.
      const behavior = query.get('@microsoft.graph.conflictBehavior') ?? 'replace';
      const taken = (candidate: string) => state.uploads.some((u) => u.channelId === channel.id && u.name === candidate);
      let name = wanted;
      if (taken(wanted) && behavior === 'fail') return graphError(response, 409, 'nameAlreadyExists', 'The specified item name already exists.');
      if (taken(wanted) && behavior === 'rename') {
        const dot = wanted.lastIndexOf('.');
        const [stem, ext] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ''];
        for (let n = 1; taken(name); n++) name = `${stem} ${n}${ext}`;
      }
      const webUrl = `${url}/sites/team/Shared%20Documents/${encodeURIComponent(channel.name ?? 'General')}/${encodeURIComponent(name)}`;
      const existing = state.uploads.findIndex((u) => u.channelId === channel.id && u.name === name);
      if (existing >= 0) state.uploads.splice(existing, 1);
      state.uploads.push({ channelId: channel.id, driveId, name, content: Buffer.from(bytes), webUrl });
      return send(response, existing >= 0 ? 200 : 201, { id: randomBytes(12).toString('hex'), name, webUrl, size: bytes.length, file: { mimeType: 'application/octet-stream' }, parentReference: { driveId, id: folder } });
    }
    const channels = /^\/v1\.0\/teams\/([^/]+)\/channels$/.exec(path);
    if (method === 'POST' && channels) {
      if (failed('POST /v1.0/teams/:group/channels', response)) return;
      if (!inTeam(channels[1]!)) return graphError(response, 404, 'NotFound', 'No team found with Group Id');
      const body = json();
      if (!body) return graphError(response, 400, 'BadRequest', 'Invalid request body.');
      const displayName = body.displayName;
      if (typeof displayName !== 'string' || displayName.trim() === '') return graphError(response, 400, 'BadRequest', 'displayName is required.');
      if (displayName.length > 50 || BAD_CHANNEL_CHARACTERS.test(displayName) || /^[_.]/.test(displayName) || /\.$/.test(displayName)) {
        return graphError(response, 400, 'BadRequest', `Channel name '${displayName}' is invalid: at most 50 characters, none of ~ # % & * { } + / \\ : < > ? | ' ", not starting with _ or . and not ending with .`);
      }
      const membershipType = body.membershipType ?? 'standard';
      if (membershipType !== 'standard' && membershipType !== 'private') return graphError(response, 400, 'BadRequest', `membershipType '${String(membershipType)}' is not supported here.`);
      if (state.channels.some((c) => (c.name ?? 'General').toLowerCase() === displayName.toLowerCase())) return graphError(response, 409, 'NameAlreadyExists', 'Channel name already existed, please use other name.');
      let members: { user: string; owner: boolean }[] | undefined;
      if (membershipType === 'private') {
        const listed = Array.isArray(body.members) ? (body.members as Record<string, any>[]) : [];
        members = [];
        for (const member of listed) {
          const bound = /^https:\/\/graph\.microsoft\.com\/v1\.0\/users\('([^']+)'\)$/.exec(String(member['user@odata.bind'] ?? ''));
          if (member['@odata.type'] !== '#microsoft.graph.aadUserConversationMember' || !bound) return graphError(response, 400, 'BadRequest', 'Each member needs @odata.type #microsoft.graph.aadUserConversationMember and user@odata.bind.');
          const user = state.user(bound[1]!);
          if (!user) return graphError(response, 404, 'NotFound', `User '${bound[1]}' is not a member of the team.`);
          members.push({ user: user.aadObjectId, owner: Array.isArray(member.roles) && member.roles.includes('owner') });
        }
        // An app alone (no signed-in user) must name the private channel's owner.
        if (!members.some((m) => m.owner)) return graphError(response, 400, 'BadRequest', 'A private channel created by an application needs a member with the owner role.');
      } else if (body.members !== undefined) {
        return graphError(response, 400, 'BadRequest', 'Members can only be given for private channels.');
      }
      const channel: FakeTeamsChannel = {
        id: threadId(),
        name: displayName,
        ...(typeof body.description === 'string' ? { description: body.description } : {}),
        membershipType,
        ...(members ? { members } : {}),
        createdByGraph: true,
      };
      state.channels.push(channel);
      return send(response, 201, { id: channel.id, displayName, description: channel.description ?? null, membershipType, webUrl: `https://teams.microsoft.com/l/channel/${encodeURIComponent(channel.id)}/${encodeURIComponent(displayName)}?groupId=${groupId}` });
    }
    const oneChannel = /^\/v1\.0\/teams\/([^/]+)\/channels\/([^/]+)$/.exec(path);
    if (method === 'PATCH' && oneChannel) {
      if (failed('PATCH /v1.0/teams/:group/channels/:channel', response)) return;
      const channel = state.channel(decodeURIComponent(oneChannel[2]!));
      if (!inTeam(oneChannel[1]!) || !channel) return graphError(response, 404, 'NotFound', 'Channel not found');
      const body = json();
      if (!body) return graphError(response, 400, 'BadRequest', 'Invalid request body.');
      if (typeof body.description === 'string') {
        if (body.description.length > 1024) return graphError(response, 400, 'BadRequest', 'description is at most 1024 characters.');
        channel.description = body.description;
      }
      response.writeHead(204).end();
      return;
    }
    const members = /^\/v1\.0\/teams\/([^/]+)\/channels\/([^/]+)\/members$/.exec(path);
    if (method === 'POST' && members) {
      if (failed('POST /v1.0/teams/:group/channels/:channel/members', response)) return;
      const channel = state.channel(decodeURIComponent(members[2]!));
      if (!inTeam(members[1]!) || !channel) return graphError(response, 404, 'NotFound', 'Channel not found');
      if (channel.membershipType !== 'private') return graphError(response, 400, 'BadRequest', 'Members can only be added to private and shared channels.');
      const body = json();
      const bound = /^https:\/\/graph\.microsoft\.com\/v1\.0\/users\('([^']+)'\)$/.exec(String(body?.['user@odata.bind'] ?? ''));
      if (!body || body['@odata.type'] !== '#microsoft.graph.aadUserConversationMember' || !bound) return graphError(response, 400, 'BadRequest', 'Needs @odata.type #microsoft.graph.aadUserConversationMember and user@odata.bind.');
      const user = state.user(bound[1]!);
      if (!user) return graphError(response, 404, 'NotFound', `User '${bound[1]}' is not a member of the team.`);
      if (channel.members!.some((m) => m.user === user.aadObjectId)) return graphError(response, 409, 'Conflict', 'The user is already a member of the channel.');
      channel.members!.push({ user: user.aadObjectId, owner: Array.isArray(body.roles) && body.roles.includes('owner') });
      return send(response, 201, { '@odata.type': '#microsoft.graph.aadUserConversationMember', id: randomBytes(12).toString('base64url'), userId: user.aadObjectId, displayName: user.name, roles: Array.isArray(body.roles) ? body.roles : [] });
    }
    return graphError(response, 400, 'BadRequest', `Resource not found for the segment in ${method} ${path}.`);
  };
  const folderId = (channelId: string) => `01${Buffer.from(channelId).toString('hex').slice(0, 30).toUpperCase()}`;
  // A private channel has its own SharePoint site, so its own drive.
  const driveOf = (channel: FakeTeamsChannel) => (channel.membershipType === 'private' ? `b!private-${folderId(channel.id)}` : teamDriveId);

  const handle = async (request: IncomingMessage, response: ServerResponse, raw: string, bytes: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    const method = request.method ?? 'GET';

    if (method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
      return send(response, 200, { issuer: BOT_FRAMEWORK_ISSUER, authorization_endpoint: `${url}/v1/authorize`, jwks_uri: `${url}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] });
    }
    if (method === 'GET' && path === '/v1/.well-known/keys') {
      fetches++;
      return send(response, 200, { keys: keys.map((key) => key.jwk) });
    }
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (method === 'POST' && tokenPath) {
      if (failed('POST /token', response)) return;
      const form = new URLSearchParams(raw);
      if (tokenPath[1] !== options.tenantId) return send(response, 400, { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${tokenPath[1]}' not found.` });
      if (form.get('grant_type') !== 'client_credentials') return send(response, 400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003: The app requested an unsupported grant type.' });
      const scope = form.get('scope');
      if (scope !== 'https://api.botframework.com/.default' && scope !== GRAPH_SCOPE) return send(response, 400, { error: 'invalid_scope', error_description: 'AADSTS70011: The provided value for scope is not valid.' });
      if (scope === GRAPH_SCOPE && failed('POST /graph/token', response)) return;
      if (form.get('client_id') !== options.appId) return send(response, 400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found.` });
      if (form.get('client_secret') !== options.appPassword) return send(response, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      const token = randomBytes(32).toString('base64url');
      (scope === GRAPH_SCOPE ? graphIssued : issued).add(token);
      return send(response, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }

    if (path.startsWith('/v1.0/')) return handleGraph(request, response, path, method, bytes, new URL(request.url ?? '/', 'http://fake').searchParams);

    // The connector's routes: every one needs a connector token this stand-in issued (a Graph token is not one).
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer)) return send(response, 401, { message: 'Authorization has been denied for this request.' });
    let body: Record<string, any> | undefined;
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, any>;
      } catch {
        return badArgument(response, 'The request body is not JSON');
      }
    }

    const teamConversations = /^\/v3\/teams\/([^/]+)\/conversations$/.exec(path);
    if (method === 'GET' && teamConversations) {
      if (failed('GET /v3/teams/:team/conversations', response)) return;
      if (decodeURIComponent(teamConversations[1]!) !== teamId) return notFound(response, 'NotFound', 'Team not found');
      return send(response, 200, { conversations: state.channels.map((c) => ({ id: c.id, name: c.name })) });
    }
    if (method === 'POST' && path === '/v3/conversations') {
      if (failed('POST /v3/conversations', response)) return;
      if (!body) return badArgument(response, 'Conversation parameters are required');
      if (body.isGroup) {
        const channelId = body.channelData?.channel?.id;
        if (typeof channelId !== 'string') return badArgument(response, 'channelData.channel.id is required');
        if (body.channelData?.tenant?.id !== options.tenantId) return badArgument(response, 'channelData.tenant.id is required');
        if (!state.channels.some((c) => c.id === channelId)) return notFound(response, 'ConversationNotFound', 'Conversation not found.');
        if (state.channel(channelId)?.membershipType === 'private') return privateRefused(response);
        const problem = activityProblem(body.activity);
        if (problem) return send(response, problem.status, { error: { code: problem.code, message: problem.message } });
        const rootId = activityId();
        const id = `${channelId};messageid=${rootId}`;
        state.conversations.push({ id, kind: 'thread', channelId });
        const root = storeActivity(id, 'bot', body.activity);
        root.id = rootId;
        return send(response, 201, { id, activityId: rootId });
      }
      const members = body.members;
      if (!Array.isArray(members) || members.length !== 1 || typeof members[0]?.id !== 'string') return badArgument(response, 'Exactly one member is required for a 1:1 conversation');
      if (body.bot?.id !== botId) return badArgument(response, 'bot.id must be the bot\'s 28: id');
      if (body.tenantId !== options.tenantId && body.channelData?.tenant?.id !== options.tenantId) return badArgument(response, 'tenantId is required');
      const user = state.user(members[0].id);
      if (!user) return notFound(response, 'MemberNotFoundInConversation', 'User not found in tenant');
      let conversation = state.conversations.find((c) => c.kind === 'personal' && c.user === user.aadObjectId);
      if (!conversation) {
        conversation = { id: `a:1${randomBytes(30).toString('base64url')}`, kind: 'personal', user: user.aadObjectId };
        state.conversations.push(conversation);
      }
      return send(response, 201, { id: conversation.id });
    }
    const activities = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    if (activities && method === 'POST') {
      if (failed('POST /v3/conversations/:conversation/activities', response)) return;
      const conversationId = decodeURIComponent(activities[1]!);
      // A channel's own id starts a new post in it; a thread's or chat's id posts into that conversation.
      if (!state.conversation(conversationId) && !state.channels.some((c) => c.id === conversationId)) return notFound(response, 'ConversationNotFound', 'Conversation not found.');
      if (state.channel(conversationId.split(';')[0]!)?.membershipType === 'private') return privateRefused(response);
      const problem = activityProblem(body);
      if (problem) return send(response, problem.status, { error: { code: problem.code, message: problem.message } });
      const posted = storeActivity(conversationId, 'bot', { ...body!, ...(activities[2] ? { replyToId: decodeURIComponent(activities[2]) } : {}) });
      return send(response, 201, { id: posted.id });
    }
    if (activities && activities[2] && method === 'PUT') {
      if (failed('PUT /v3/conversations/:conversation/activities/:activity', response)) return;
      const conversationId = decodeURIComponent(activities[1]!);
      const id = decodeURIComponent(activities[2]);
      const existing = state.activities.find((a) => a.id === id && (a.conversationId === conversationId || conversationId.startsWith(`${a.conversationId.split(';')[0]}`)));
      if (!existing) return notFound(response, 'ActivityNotFound', 'Activity not found.');
      if (existing.from !== 'bot') return send(response, 403, { error: { code: 'Forbidden', message: 'The bot can only edit its own messages.' } });
      const problem = activityProblem(body);
      if (problem) return send(response, problem.status, { error: { code: problem.code, message: problem.message } });
      existing.attachments = body!.attachments ?? [];
      if (typeof body!.text === 'string') existing.text = body!.text;
      if (typeof body!.summary === 'string') existing.summary = body!.summary;
      existing.edits++;
      return send(response, 200, { id });
    }
    const member = /^\/v3\/conversations\/([^/]+)\/members\/([^/]+)$/.exec(path);
    if (member && method === 'GET') {
      if (failed('GET /v3/conversations/:conversation/members/:member', response)) return;
      const conversationId = decodeURIComponent(member[1]!);
      if (conversationId !== teamId && !state.conversation(conversationId)) return notFound(response, 'ConversationNotFound', 'Conversation not found.');
      const user = state.user(decodeURIComponent(member[2]!));
      if (!user) return notFound(response, 'MemberNotFoundInConversation', 'The member was not found in the conversation.');
      return send(response, 200, { id: user.id, name: user.name, aadObjectId: user.aadObjectId, givenName: user.givenName, surname: user.surname, email: user.email, userPrincipalName: user.userPrincipalName, tenantId: options.tenantId, userRole: 'user' });
    }
    return notFound(response, 'NotFound', `No route ${method} ${path}`);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const bytes = Buffer.concat(chunks);
      handle(request, response, bytes.toString('utf8'), bytes).catch((error: unknown) => send(response, 500, { error: { code: 'ServiceError', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = async (serviceUrl: string, sendOptions: SendOptions): Promise<string> => {
    const now = Math.floor((sendOptions.now ?? new Date()).getTime() / 1000);
    const published = keys[keys.length - 1]!;
    const signer = sendOptions.badSignature || sendOptions.unknownKey ? await newKey() : published;
    const kid = sendOptions.badSignature ? published.kid : signer.kid;
    const issuedAt = sendOptions.expired ? now - 2 * 3600 : now - 30;
    return new SignJWT({ serviceurl: sendOptions.forgedServiceUrl ? 'https://evil.example/teams/' : serviceUrl })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(BOT_FRAMEWORK_ISSUER)
      .setAudience(sendOptions.wrongAudience ? randomUUID() : options.appId)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(signer.privateKey);
  };

  const sendActivity: FakeTeams['sendActivity'] = async (botUrl, activity, sendOptions = {}) => {
    const token = await sign(url, sendOptions);
    const response = await fetch(botUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(sendOptions.noToken ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ serviceUrl: url, channelId: 'msteams', timestamp: new Date().toISOString(), ...activity }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // Left as text.
    }
    return { status: response.status, body };
  };

  const base = (user: FakeTeamsUser, conversationId: string) => {
    const conversation = state.conversation(conversationId);
    const personal = conversation?.kind === 'personal';
    return {
      id: activityId(),
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      recipient: { id: botId, name: 'Incident Bot' },
      conversation: { id: conversationId, conversationType: personal ? 'personal' : 'channel', tenantId: options.tenantId, isGroup: personal ? undefined : true },
      channelData: { tenant: { id: options.tenantId }, ...(personal ? {} : { team: { id: teamId }, channel: { id: conversation?.channelId ?? conversationId.split(';')[0] } }) },
    };
  };
  const person = (idOrAad: string): FakeTeamsUser => {
    const user = state.user(idOrAad);
    if (!user) throw new Error(`fake Teams has no user ${idOrAad}`);
    return user;
  };

  return {
    url,
    appId: options.appId,
    tenantId: options.tenantId,
    teamId,
    botId,
    groupId,
    state,
    tokensIssued: () => ({ connector: issued.size, graph: graphIssued.size }),
    users: { alice: alice.aadObjectId, bob: bob.aadObjectId },
    channelIds: Object.fromEntries(state.channels.map((c) => [c.name ?? 'General', c.id])),
    failuresServed: served,
    failNext(route, failure) {
      failures.set(route, [...(failures.get(route) ?? []), failure]);
    },
    async rotateKeys() {
      keys = [await newKey()];
    },
    keyFetches: () => fetches,
    sendActivity,
    async typed(botUrl, input, sendOptions) {
      const user = person(input.user);
      // A new post in a channel ("19:…;messageid=<its id>") is a conversation of its own, as a thread.
      const [channelPart, rootPart] = input.conversationId.split(';messageid=');
      if (rootPart && !state.conversation(input.conversationId) && state.channel(channelPart!)) {
        state.conversations.push({ id: input.conversationId, kind: 'thread', channelId: channelPart! });
      }
      const activity = base(user, input.conversationId);
      const personal = state.conversation(input.conversationId)?.kind === 'personal';
      const mentioned = (input.mentions ?? []).map((id) => person(id));
      const typedText = mentioned.reduce((text, other) => `${text} <at>${other.name}</at>`, input.text);
      const text = personal ? typedText : `<at>Incident Bot</at> ${typedText}`;
      state.activities.push({ id: activity.id, conversationId: input.conversationId, from: user.aadObjectId, type: 'message', text, attachments: [], edits: 0 });
      // Teams names a mentioned person by their Teams user id (29:…), not their Entra object id.
      const people = mentioned.map((other) => ({ type: 'mention', text: `<at>${other.name}</at>`, mentioned: { id: other.id, name: other.name } }));
      const entities = [...(personal ? [] : [{ type: 'mention', text: '<at>Incident Bot</at>', mentioned: { id: botId, name: 'Incident Bot' } }]), ...people];
      const answer = await sendActivity(botUrl, { type: 'message', ...activity, text, textFormat: 'plain', entities }, sendOptions);
      return { ...answer, activityId: activity.id };
    },
    async click(botUrl, input, sendOptions) {
      const user = person(input.user);
      const activity = base(user, input.conversationId);
      const answer = await sendActivity(
        botUrl,
        { type: 'invoke', name: 'adaptiveCard/action', ...activity, replyToId: input.cardId, value: { action: { type: 'Action.Execute', verb: input.verb, data: { value: input.value } }, trigger: 'manual' } },
        sendOptions,
      );
      return { ...answer, activityId: activity.id };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
