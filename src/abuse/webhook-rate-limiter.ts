import { hash } from 'node:crypto';
import { addressKey } from './client-address.js';
import { formatRateLimitSetting, type RateLimitSetting } from './rate-limit-setting.js';
import { TokenBuckets, type TakeResult } from './token-buckets.js';

export interface WebhookRateLimits {
  /** Per credential presented (webhook token or PagerDuty routing key). */
  perToken: RateLimitSetting;
  /** Per sender address, checked before anything else, authenticated or not. */
  perAddress: RateLimitSetting;
  maxKeys?: number;
}

export type RateLimitedBy = 'address' | 'token';

export type LimitCheck = { ok: true } | { ok: false; limitedBy: RateLimitedBy; retryAfterSeconds: number; limit: string };

const ALLOWED: LimitCheck = { ok: true };

/**
 * Every webhook request costs one token, whatever it carries: a sender that batches (an
 * Alertmanager notification of 1,000 alerts) does the bot a favour, the 1 MiB body limit
 * already bounds the work one request can cause, and charging per alert would refuse alerts
 * exactly during the storm they describe.
 */
export class WebhookRateLimiter {
  private readonly byToken?: TokenBuckets;
  private readonly byAddress?: TokenBuckets;

  constructor(private readonly limits: WebhookRateLimits) {
    const options = limits.maxKeys ? { maxKeys: limits.maxKeys } : {};
    if (limits.perToken !== 'off') this.byToken = new TokenBuckets(limits.perToken, options);
    if (limits.perAddress !== 'off') this.byAddress = new TokenBuckets(limits.perAddress, options);
  }

  checkAddress(ip: string, nowMs: number): LimitCheck {
    if (!this.byAddress) return ALLOWED;
    return outcome(this.byAddress.take(addressKey(ip), nowMs), 'address', this.limits.perAddress);
  }

  /** Only for a credential already accepted: unknown ones are limited by address alone, so guesses cannot fill memory. */
  checkToken(credential: string, nowMs: number): LimitCheck {
    if (!this.byToken) return ALLOWED;
    // Kept hashed: the buckets never hold a usable secret.
    const key = hash('sha256', credential, 'base64url');
    return outcome(this.byToken.take(key, nowMs), 'token', this.limits.perToken);
  }
}

function outcome(result: TakeResult, limitedBy: RateLimitedBy, setting: RateLimitSetting): LimitCheck {
  if (result.ok) return ALLOWED;
  return { ok: false, limitedBy, retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)), limit: formatRateLimitSetting(setting) };
}
