/**
 * What a failed send says about trying again, in words the engine understands: any provider's
 * error (chat, SMS, email, a webhook) carries one, so a 429's Retry-After is honoured for every
 * job without the engine knowing who answered.
 */
export interface RetryHint {
  /** Worth trying again: a rate limit, a server error, the network. */
  retryable: boolean;
  /** The provider said when (a 429's Retry-After): wait that long, and it costs no attempt. */
  retryAfterMs?: number;
}

export interface HintedError extends Error {
  readonly retryHint: RetryHint;
}

export function retryHintOf(error: unknown): RetryHint | undefined {
  if (!(error instanceof Error) || !('retryHint' in error)) return undefined;
  const hint = (error as HintedError).retryHint;
  return hint && typeof hint.retryable === 'boolean' ? hint : undefined;
}
