import { ChatApiError } from '../chat-port.js';
import { PlatformOutageLog } from '../platform-outage-log.js';

const TIMEOUT_MS = 10_000;

/** Mattermost's error body (model.AppError). */
interface AppErrorBody {
  id?: string;
  message?: string;
  status_code?: number;
}

/**
 * Mattermost's REST API v4 over fetch, with the bot's access token. Plain HTTP rather than
 * @mattermost/client: the port needs a dozen calls, and the status and X-Ratelimit-Reset of every
 * failure for the job engine's retry hint, which Client4's errors do not carry. It neither retries
 * nor waits: a 429 or 5xx is a retryable ChatApiError for the durable job.
 */
export class MattermostApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly outage?: PlatformOutageLog,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, what = `${method} ${path.replace(/\/[a-z0-9]{26}(?=\/|$)/g, '/:id')}`): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(`api/v4${path}`, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }), 'x-requested-with': 'XMLHttpRequest' },
        body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const failed = new ChatApiError('mattermost', what, (error as Error).name === 'TimeoutError' ? 'timeout' : 'request_failed', { retryable: true });
      this.outage?.callEnded(what, failed, error);
      throw failed;
    }
    if (response.ok) {
      this.outage?.callEnded(what);
      const text = await response.text();
      try {
        return (text ? JSON.parse(text) : {}) as T;
      } catch {
        // A 200 that is not JSON comes from something in between (a proxy's page), not Mattermost.
        throw new ChatApiError('mattermost', what, 'unreadable_response', { retryable: true, status: response.status });
      }
    }
    const failed = await toChatApiError(what, response);
    this.outage?.callEnded(what, failed);
    throw failed;
  }
}

async function toChatApiError(what: string, response: Response): Promise<ChatApiError> {
  const text = await response.text().catch(() => '');
  let body: AppErrorBody = {};
  try {
    body = JSON.parse(text) as AppErrorBody;
  } catch {
    // Mattermost's rate limiter answers in plain text ("limit exceeded").
  }
  const status = response.status;
  if (status === 429) {
    // Seconds until the window resets (throttled's X-Ratelimit-Reset), at least one.
    const reset = Number(response.headers.get('x-ratelimit-reset') ?? response.headers.get('retry-after') ?? '1');
    return new ChatApiError('mattermost', what, 'rate_limited', { retryable: true, retryAfterMs: Math.max(1, Number.isFinite(reset) ? reset : 1) * 1000, status });
  }
  return new ChatApiError('mattermost', what, body.id ?? `http_${status}`, { retryable: status >= 500, status });
}
