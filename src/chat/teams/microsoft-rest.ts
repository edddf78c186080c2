import { ChatApiError } from '../chat-port.js';
import type { PlatformOutageLog } from '../platform-outage-log.js';
import type { BotFrameworkToken } from './bot-framework-token.js';

/** One of Microsoft's JSON APIs (the Bot Connector, Graph) as the Teams port calls it. */
export interface MicrosoftRestTarget {
  baseUrl: string;
  token: BotFrameworkToken;
  outage?: PlatformOutageLog;
  /** What the token call is called in the outage log ("token", "graph token"). */
  tokenLabel: string;
  timeoutMs: number;
  /** The API's refusal as a ChatApiError: its error body, status and Retry-After. */
  refusal(what: string, response: Response, text: string): ChatApiError;
}

/**
 * One call with the app's token: neither retried nor waited on. 429, 5xx and network failures are
 * retryable ChatApiErrors for the durable job; a 401 drops the cached token. `body` is JSON, or
 * raw bytes (a file's content) sent as application/octet-stream.
 */
export async function callMicrosoftApi<T>(target: MicrosoftRestTarget, what: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = await target.token.get().catch((error: unknown) => {
    if (error instanceof ChatApiError) target.outage?.callEnded(target.tokenLabel, error);
    throw error;
  });
  const raw = body instanceof Uint8Array;
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }) },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (error) {
    const failed = new ChatApiError('teams', what, (error as Error).name === 'TimeoutError' ? 'timeout' : 'request_failed', { retryable: true });
    target.outage?.callEnded(what, failed, error);
    throw failed;
  }
  const text = await response.text().catch(() => '');
  if (response.ok) {
    target.outage?.callEnded(what);
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      // A 2xx that is not JSON comes from something in between (a proxy's page), not Microsoft.
      throw new ChatApiError('teams', what, 'unreadable_response', { retryable: true, status: response.status });
    }
  }
  if (response.status === 401) target.token.invalidate();
  const failed = target.refusal(what, response, text);
  target.outage?.callEnded(what, failed);
  throw failed;
}
