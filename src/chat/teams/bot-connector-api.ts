import { ChatApiError } from '../chat-port.js';
import type { PlatformOutageLog } from '../platform-outage-log.js';
import type { BotFrameworkToken } from './bot-framework-token.js';

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
    const token = await this.token.get().catch((error: unknown) => {
      if (error instanceof ChatApiError) this.outage?.callEnded('token', error);
      throw error;
    });
    let response: Response;
    try {
      response = await fetch(`${this.serviceUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const failed = new ChatApiError('teams', what, (error as Error).name === 'TimeoutError' ? 'timeout' : 'request_failed', { retryable: true });
      this.outage?.callEnded(what, failed, error);
      throw failed;
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      this.outage?.callEnded(what);
      try {
        return (text ? JSON.parse(text) : {}) as T;
      } catch {
        // A 2xx that is not JSON comes from something in between (a proxy's page), not the connector.
        throw new ChatApiError('teams', what, 'unreadable_response', { retryable: true, status: response.status });
      }
    }
    if (response.status === 401) this.token.invalidate();
    const failed = toChatApiError(what, response, text);
    this.outage?.callEnded(what, failed);
    throw failed;
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
