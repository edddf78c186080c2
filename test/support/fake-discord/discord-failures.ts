/** Failures a test arms for the next requests to a route, as Discord produces them. */
export type DiscordFailure = (
  | { status: 429; retryAfter?: number; global?: boolean }
  | { status: 500 | 502 | 503 }
  /** A Discord JSON error, e.g. `{ code: 50001 }` (403 Missing Access); status and message default per code. */
  | { code: number; status?: number; message?: string }
  | { delayMs: number }
) & {
  /** How many of the next requests fail this way (default 1). */
  times?: number;
};

interface Armed {
  route: string;
  failure: DiscordFailure;
  remaining: number;
}

export class DiscordFailureQueue {
  private armed: Armed[] = [];

  /** `route` is `METHOD /template` as the fake names its routes, e.g. `POST /channels/:channel/messages`, or `*`. */
  add(route: string, failure: DiscordFailure): void {
    this.armed.push({ route, failure, remaining: failure.times ?? 1 });
  }

  take(route: string): DiscordFailure | undefined {
    const entry = this.armed.find((a) => a.remaining > 0 && (a.route === route || a.route === '*'));
    if (!entry) return undefined;
    entry.remaining--;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return entry.failure;
  }
}
