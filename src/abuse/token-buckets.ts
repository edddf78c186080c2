/**
 * Token buckets keyed by whoever is being limited (a token hash, an address, a person).
 * Pure: the caller passes the time in. Memory is bounded: a bucket that has had time to
 * refill completely is indistinguishable from a missing one and is dropped, and the number
 * of keys is capped, so a flood of distinct keys cannot grow memory without bound.
 */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  lastMs: number;
}

const DEFAULT_MAX_KEYS = 10_000;
/** Float slack, in milliseconds of refill, so that waiting exactly retryAfterMs always succeeds. */
const SLACK_MS = 1e-6;

export class TokenBuckets {
  /** Insertion order is least recently touched first: every take re-inserts its key. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;
  private readonly refillMsPerToken: number;
  private readonly fullRefillMs: number;

  constructor(
    private readonly limit: RateLimit,
    options: { maxKeys?: number } = {},
  ) {
    if (!(Number.isFinite(limit.ratePerSecond) && limit.ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${limit.ratePerSecond}`);
    }
    if (!(Number.isFinite(limit.burst) && limit.burst >= 1)) {
      throw new RangeError(`burst must be at least 1, got ${limit.burst}`);
    }
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!(Number.isInteger(maxKeys) && maxKeys >= 1)) {
      throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    }
    this.maxKeys = maxKeys;
    this.refillMsPerToken = 1000 / limit.ratePerSecond;
    this.fullRefillMs = limit.burst * this.refillMsPerToken;
  }

  /** How many keys are held right now (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes `cost` tokens from `key`'s bucket at `nowMs`. A refused take takes nothing.
   * A cost above the burst could never be granted, so it is refused as a programming error:
   * callers that charge by size cap the cost at the burst.
   */
  take(key: string, nowMs: number, cost = 1): TakeResult {
    if (!(Number.isFinite(cost) && cost > 0 && cost <= this.limit.burst)) {
      throw new RangeError(`cost must be in (0, ${this.limit.burst}], got ${cost}`);
    }
    this.dropRefilled(nowMs);

    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, lastMs: nowMs };
    // Re-insert to mark the key most recently used.
    this.buckets.delete(key);
    // A clock that steps back refills nothing (and never un-refills).
    const elapsedMs = Math.max(0, nowMs - bucket.lastMs);
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + elapsedMs / this.refillMsPerToken);
    bucket.lastMs = Math.max(bucket.lastMs, nowMs);

    let result: TakeResult;
    if (bucket.tokens + SLACK_MS / this.refillMsPerToken >= cost) {
      bucket.tokens = Math.max(0, bucket.tokens - cost);
      result = { ok: true };
    } else {
      const missingMs = (cost - bucket.tokens) * this.refillMsPerToken;
      result = { ok: false, retryAfterMs: Math.max(1, Math.ceil(missingMs - SLACK_MS / 10)) };
    }

    this.buckets.set(key, bucket);
    // Over the cap the least recently used key loses its state (it starts full again next
    // time): the price of bounded memory, paid by the key that has been quiet the longest.
    while (this.buckets.size > this.maxKeys) this.dropOldest();
    return result;
  }

  /** Keys are in last-touch order, so the refilled ones sit at the front. Amortized O(1). */
  private dropRefilled(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (nowMs - bucket.lastMs < this.fullRefillMs) return;
      this.buckets.delete(key);
    }
  }

  private dropOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
