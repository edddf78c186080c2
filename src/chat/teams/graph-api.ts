import { ChatApiError } from '../chat-port.js';
import type { PlatformOutageLog } from '../platform-outage-log.js';
import type { BotFrameworkToken } from './bot-framework-token.js';
import { callMicrosoftApi } from './microsoft-rest.js';

const TIMEOUT_MS = 30_000;
export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com/v1.0';

/** A Graph error body: {"error":{"code","message"}}. */
export interface GraphErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/**
 * Microsoft Graph (v1.0) over fetch, with the bot app's own Graph token (client credentials, the
 * same app registration as the Bot Connector's, scope https://graph.microsoft.com/.default).
 * Like BotConnectorApi it neither retries nor waits: 429 (with Retry-After), 5xx and network
 * failures are retryable ChatApiErrors for the durable job; other 4xx are final, with Graph's code
 * ("NameAlreadyExists", "Forbidden", ...) and its message kept for the log.
 */
export class GraphApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: BotFrameworkToken,
    private readonly outage?: PlatformOutageLog,
  ) {}

  /** `body` is JSON, or raw bytes (a file's content) sent as application/octet-stream. */
  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<T> {
    const what = `graph ${method} ${path.replace(/\/(teams|channels|drives|items)\/[^/:]+/g, '/$1/:id').replace(/:\/[^:]+:\//, ':/:name:/')}`;
    const target = { baseUrl: this.baseUrl, token: this.token, outage: this.outage, tokenLabel: 'graph token', timeoutMs: TIMEOUT_MS, refusal: toGraphError };
    return callMicrosoftApi<T>(target, what, method, path, body);
  }
}

export class GraphApiError extends ChatApiError {
  constructor(
    method: string,
    platformCode: string,
    /** Graph's own words, for the log (never shown to people in chat). */
    readonly graphMessage: string | undefined,
    options: { retryable: boolean; retryAfterMs?: number; status?: number },
  ) {
    super('teams', method, platformCode, options);
    if (graphMessage) this.message = `${this.message}: ${graphMessage}`;
  }
}

function toGraphError(what: string, response: Response, text: string): GraphApiError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(text) as GraphErrorBody;
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message.slice(0, 300);
  } catch {
    // A gateway's refusal without a JSON body: the status says it.
  }
  const status = response.status;
  const seconds = Number(response.headers.get('retry-after') ?? '');
  const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  if (status === 429) return new GraphApiError(what, code ?? 'TooManyRequests', message, { retryable: true, retryAfterMs: retryAfterMs ?? 1000, status });
  if (status === 403 && !message) message = 'the app lacks a Microsoft Graph permission (see the README, "Channels and files through Microsoft Graph")';
  const fallback = status === 401 ? 'InvalidAuthenticationToken' : status === 403 ? 'Forbidden' : status === 404 ? 'NotFound' : status === 409 ? 'Conflict' : `http_${status}`;
  return new GraphApiError(what, code ?? fallback, message, { retryable: status >= 500 || status === 408, ...(retryAfterMs !== undefined && status >= 500 ? { retryAfterMs } : {}), status });
}
