import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitProblems } from './block-kit-limits.js';
import { slackNotifications } from './slack-mentions.js';
import { SlackFailureQueue, type SlackFailure } from './slack-failures.js';
import { SLACK_METHODS, SlackMethodError, type MethodContext, type SlackArgs } from './slack-methods.js';
import { SlackRequestSender, type SlackIssuer } from './slack-requests.js';
import { DEFAULT_SLACK_USERS, FAKE_BOT, FAKE_TEAM, SlackWorkspace, viewOf, type SlackStateView, type SlackUser } from './slack-state.js';

export interface FakeSlackOptions {
  /** The bot token the fake accepts (xoxb-…). */
  token: string;
  /** The app's signing secret, used by the request senders. */
  signingSecret?: string;
  /** People in the workspace (default: alice, bob, carol). */
  users?: SlackUser[];
  /** Channels that exist before the test (the bot is a member unless botIsMember is false). */
  channels?: Array<{ name: string; is_private?: boolean; members?: string[]; botIsMember?: boolean }>;
  /** User groups that exist before the test (`@handle`). */
  userGroups?: Array<{ handle: string; name?: string; users?: string[] }>;
}

export interface SlackCall {
  method: string;
  /** Arguments as sent (form values are strings), without the token. */
  args: SlackArgs;
  contentType: string;
  at: Date;
  /** What the fake answered. */
  status: number;
  response: Record<string, unknown>;
}

export interface FakeSlack {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The Web API base for `slackApiUrl` / SLACK_API_URL: http://127.0.0.1:PORT/api/ */
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  state: SlackStateView;
  failNext(method: string, failure: SlackFailure): void;
  /** Signed senders of slash commands, clicks and events to the bot's request URL. */
  requestsTo(eventsUrl: string): SlackRequestSender;
  close(): Promise<void>;
}

const RESPONSE_URL_USES = 5;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8', ...headers });
  response.end(text);
}

/** Web API arguments from the query string and a form, JSON or multipart body, as Slack reads them. */
async function readArgs(request: IncomingMessage, url: URL, raw: Buffer): Promise<{ args: SlackArgs; json: boolean } | SlackMethodError> {
  const args: SlackArgs = Object.fromEntries(url.searchParams);
  const type = String(request.headers['content-type'] ?? '');
  if (raw.length === 0) return { args, json: false };
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return new SlackMethodError('invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return new SlackMethodError('json_not_object');
    return { args: { ...args, ...(parsed as SlackArgs) }, json: true };
  }
  if (type.includes('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    for (const [key, value] of form) args[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
    return { args, json: false };
  }
  if (type.includes('application/x-www-form-urlencoded') || type === '') {
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) args[key] = value;
    return { args, json: false };
  }
  return new SlackMethodError('invalid_post_type');
}

/** A local Slack Web API, upload host and response_url host, checking what Slack checks. */
export async function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  const workspace = new SlackWorkspace(options.users ?? DEFAULT_SLACK_USERS);
  for (const seed of options.channels ?? []) {
    const members = [...(seed.members ?? []), ...(seed.botIsMember === false ? [] : [FAKE_BOT.user_id])];
    workspace.addChannel({ name: seed.name, is_private: seed.is_private, members, creator: members[0] ?? FAKE_BOT.user_id });
  }
  for (const seed of options.userGroups ?? []) {
    const id = workspace.ids.next('S');
    workspace.userGroups.set(id, { id, handle: seed.handle, name: seed.name ?? seed.handle, users: seed.users ?? [], date_update: 1700000000 });
  }
  const calls: SlackCall[] = [];
  const failures = new SlackFailureQueue();
  const triggers = new Map<string, number>();
  const responseUrls = new Map<string, { kind: 'commands' | 'actions'; uses: number }>();
  let issued = 0;
  let baseUrl = '';

  const context: MethodContext = {
    workspace,
    get baseUrl() {
      return baseUrl;
    },
    triggers,
    now: () => Date.now(),
  };

  async function apiCall(method: string, request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const parsed = await readArgs(request, url, raw);
    const record: SlackCall = { method, args: {}, contentType: String(request.headers['content-type'] ?? ''), at: new Date(), status: 200, response: {} };
    calls.push(record);
    const answer = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void => {
      record.status = status;
      record.response = body;
      send(response, status, body, headers);
    };
    if (parsed instanceof SlackMethodError) return answer(200, { ok: false, error: parsed.error });
    const { token: bodyToken, ...args } = parsed.args;
    record.args = args;

    const failure = failures.take(method);
    if (failure && 'delayMs' in failure) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
    else if (failure && 'ok' in failure) return answer(200, { ok: false, error: failure.error });
    else if (failure && failure.status === 429) {
      const retryAfter = failure.retryAfter ?? 1;
      return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    } else if (failure) {
      record.status = failure.status;
      record.response = { ok: false, error: 'internal_error' };
      return send(response, failure.status, failure.body ?? `<html><body>${failure.status} Internal Server Error</body></html>`);
    }

    // JSON bodies must carry the token in the header; form bodies may carry it as `token`.
    const header = String(request.headers.authorization ?? '');
    const token = header.startsWith('Bearer ') ? header.slice(7) : parsed.json ? undefined : (bodyToken as string | undefined);
    if (!token) return answer(200, { ok: false, error: 'not_authed' });
    if (token !== options.token) return answer(200, { ok: false, error: 'invalid_auth' });

    const handler = SLACK_METHODS[method];
    if (!handler) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    try {
      answer(200, { ok: true, ...handler(args, context) });
    } catch (error) {
      if (!(error instanceof SlackMethodError)) throw error;
      answer(200, { ok: false, error: error.error, ...error.extra });
    }
  }

  async function upload(fileId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pending = workspace.uploads.get(fileId);
    const raw = await readBody(request);
    if (!pending || pending.completed) return send(response, 404, 'Not Found');
    const type = String(request.headers['content-type'] ?? '');
    let bytes = raw;
    if (type.includes('multipart/form-data')) {
      // WebClient posts the file as the one multipart part; take the first file part.
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const file = [...form.values()].find((v): v is File => typeof v !== 'string');
      if (!file) return send(response, 400, 'no file');
      bytes = Buffer.from(await file.arrayBuffer());
    }
    if (bytes.length !== pending.declaredLength) return send(response, 400, `length mismatch: declared ${pending.declaredLength}, got ${bytes.length}`);
    pending.bytes = bytes;
    send(response, 200, `OK - ${bytes.length}`);
  }

  async function responseUrl(path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const known = responseUrls.get(path);
    if (!known) return send(response, 404, { ok: false, error: 'no_active_hooks' });
    if (known.uses >= RESPONSE_URL_USES) return send(response, 404, { ok: false, error: 'used_url' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(response, 400, { ok: false, error: 'invalid_payload' });
    }
    if (body.blocks !== undefined) {
      const problems = blockKitProblems(body.blocks);
      if (problems.length > 0) return send(response, 400, { ok: false, error: 'invalid_blocks', errors: problems });
    }
    if (!body.text && !body.blocks && !body.delete_original) return send(response, 400, { ok: false, error: 'no_text' });
    known.uses++;
    workspace.responses.push({
      url: `${baseUrl}${path}`,
      kind: known.kind,
      at: new Date(),
      body,
      response_type: body.response_type === 'in_channel' ? 'in_channel' : 'ephemeral',
      notifies: slackNotifications(body),
    });
    send(response, 200, { ok: true });
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname)?.[1];
    const uploadId = /^\/upload\/v1\/([A-Z0-9]+)$/.exec(url.pathname)?.[1];
    let work: Promise<void>;
    if (method && (request.method === 'POST' || request.method === 'GET')) work = apiCall(method, request, url, response);
    else if (uploadId && request.method === 'POST') work = upload(uploadId, request, response);
    else if (/^\/(commands|actions)\//.test(url.pathname) && request.method === 'POST') work = responseUrl(url.pathname, request, response);
    else work = Promise.resolve(send(response, 404, 'Not Found'));
    work.catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, `fake-slack bug: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const issuer: SlackIssuer = {
    teamId: FAKE_TEAM.id,
    appId: FAKE_BOT.app_id,
    responseUrl(kind) {
      issued++;
      const path = `/${kind}/${FAKE_TEAM.id}/${1000 + issued}/response-secret-${issued}`;
      responseUrls.set(path, { kind, uses: 0 });
      return `${baseUrl}${path}`;
    },
    triggerId() {
      issued++;
      const id = `${1000 + issued}.${issued}.trigger${issued}`;
      triggers.set(id, Date.now());
      return id;
    },
  };

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    state: viewOf(workspace),
    failNext: (method, failure) => failures.add(method, failure),
    requestsTo(eventsUrl) {
      if (!options.signingSecret) throw new Error('startFakeSlack needs a signingSecret to sign requests');
      return new SlackRequestSender(eventsUrl, options.signingSecret, issuer);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
