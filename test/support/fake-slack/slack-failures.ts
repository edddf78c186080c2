/** Failures a test arms for the next calls of a method, as Slack produces them. */
export type SlackFailure = (
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503; body?: string }
  | { ok: false; error: string }
  | { delayMs: number }
) & {
  /** How many of the next calls fail this way (default 1). */
  times?: number;
};

interface Armed {
  method: string;
  failure: SlackFailure;
  remaining: number;
}

export class SlackFailureQueue {
  private armed: Armed[] = [];

  /** `method` is a Web API method name such as `chat.postMessage`, or `*` for any call. */
  add(method: string, failure: SlackFailure): void {
    this.armed.push({ method, failure, remaining: failure.times ?? 1 });
  }

  take(method: string): SlackFailure | undefined {
    const entry = this.armed.find((a) => a.remaining > 0 && (a.method === method || a.method === '*'));
    if (!entry) return undefined;
    entry.remaining--;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return entry.failure;
  }

  clear(): void {
    this.armed = [];
  }
}
