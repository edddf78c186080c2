import { ChatApiError } from '../chat-port.js';
import type { PlatformOutageLog } from '../platform-outage-log.js';
import type { BotFrameworkToken } from './bot-framework-token.js';
import { callMicrosoftApi } from './microsoft-rest.js';

const TIMEOUT_MS = 10_000;

/**
 * The Bot Connector REST API (v3) over fetch, with the bot's app token. Plain HTTP rather than the
 * botbuilder SDK: the port needs about eight calls, and each failure's status and Retry-After for
 * the job engine's retry hint. It neither retries nor waits: 429, 5xx and network failures are
 * retryable ChatApiErrors for the durable job; 4xx are final, with the connector's error code.
 */
export class BotConnectorApi {
  constructor(
    readonly serviceUrl: string,
    private readonly token: BotFrameworkToken,
    private readonly outage?: PlatformOutageLog,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path.replace(/\/(conversations|teams|activities|members)\/[^/]+/g, '/$1/:id')}`;
    const target = { baseUrl: this.serviceUrl, token: this.token, outage: this.outage, tokenLabel: 'token', timeoutMs: TIMEOUT_MS, refusal: toChatApiError };
    return callMicrosoftApi<T>(target, what, method, path, body);
  }
}

function toChatApiError(what: string, response: Response, text: string): ChatApiError {
  let code: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
  } catch {
    // The gateway answers some refusals without a JSON body.
  }
  const status = response.status;
  if (status === 429) {
    const seconds = Number(response.headers.get('retry-after') ?? '1');
    return new ChatApiError('teams', what, code ?? 'rate_limited', { retryable: true, retryAfterMs: Math.max(1, Number.isFinite(seconds) ? seconds : 1) * 1000, status });
  }
  const fallback = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'NotFound' : `http_${status}`;
  return new ChatApiError('teams', what, code ?? fallback, { retryable: status >= 500 || status === 408, status });
}
