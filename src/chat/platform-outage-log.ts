import type { Logger } from '../logging.js';
import type { ChatApiError, ChatPlatformName } from './chat-port.js';
import { PLATFORM_DISPLAY_NAME as DISPLAY_NAME } from './chat-identity.js';

/**
 * A chat platform's API failing call after call (out of reach, timing out, answering 5xx) is one
 * outage, logged twice: when the first call fails, naming the host, the method and the reason,
 * and when the platform answers again, with how many calls failed in between. The jobs that made
 * the calls retry on their own; a line per failed call would bury everything else in the log.
 */
export class PlatformOutageLog {
  private readonly failedByMethod = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly platform: ChatPlatformName,
    /** host[:port] of the API base the calls go to. */
    private readonly host: string,
  ) {}

  /** After every call: `error` undefined when it succeeded; a refusal (name_taken, 404, 429) is an answer too. */
  callEnded(method: string, error?: ChatApiError, cause?: unknown): void {
    if (error && isOutageFailure(error)) {
      if (this.failedByMethod.size === 0) {
        this.log.warn(
          { platform: this.platform, host: this.host, method, reason: failureReason(error, cause) },
          `${DISPLAY_NAME[this.platform]} API at ${this.host} is not answering (${method}: ${failureReason(error, cause)}); ` +
            'what the bot sends waits in its job queue and is retried. Logged once; a line follows when it answers again',
        );
      }
      this.failedByMethod.set(method, (this.failedByMethod.get(method) ?? 0) + 1);
      return;
    }
    if (this.failedByMethod.size === 0) return;
    const failedCalls = [...this.failedByMethod.values()].reduce((sum, count) => sum + count, 0);
    const byMethod = Object.fromEntries(this.failedByMethod);
    this.failedByMethod.clear();
    this.log.info(
      { platform: this.platform, host: this.host, failedCalls, byMethod },
      `${DISPLAY_NAME[this.platform]} API at ${this.host} answers again after ${failedCalls} failed call(s)`,
    );
  }
}

/** Retryable and not a rate limit: the platform did not answer, or answered with a server error. */
export function isOutageFailure(error: ChatApiError): boolean {
  return error.retryable && error.options.status !== 429 && !/^rate_?limited$/.test(error.platformCode);
}

/** "HTTP 503", or the innermost cause of a network failure ("connect ECONNREFUSED 10.0.0.7:443"), not just "fetch failed". */
export function failureReason(error: ChatApiError, cause: unknown): string {
  if (error.options.status !== undefined) return `HTTP ${error.options.status}`;
  let innermost: unknown = cause;
  for (let depth = 0; depth < 5; depth++) {
    const next = (innermost as { original?: unknown; cause?: unknown } | undefined)?.original ?? (innermost as { cause?: unknown } | undefined)?.cause;
    if (!(next instanceof Error)) break;
    innermost = next;
  }
  const message = innermost instanceof Error ? innermost.message : '';
  return message || error.platformCode;
}
