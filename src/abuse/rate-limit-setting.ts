import type { RateLimit } from './token-buckets.js';

/**
 * A rate limit as people write it in a setting: "100/s", "600/m", optionally followed by
 * "burst <n>" ("100/s burst 1000"), or "off". Without a burst, one period's worth may come
 * at once ("600/m" lets 600 through together, then 10 a second).
 */
export type RateLimitSetting = RateLimit | 'off';

const PATTERN = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m)(?:\s+burst\s+(\d+))?$/i;

export const RATE_LIMIT_FORMAT = 'a rate such as "100/s", "600/m" or "100/s burst 1000", or "off"';

export function parseRateLimitSetting(text: string): RateLimitSetting | undefined {
  const value = text.trim();
  if (value.toLowerCase() === 'off') return 'off';
  const match = PATTERN.exec(value);
  if (!match) return undefined;
  const perPeriod = Number(match[1]);
  const periodSeconds = match[2]!.toLowerCase() === 's' ? 1 : 60;
  if (!(perPeriod > 0)) return undefined;
  const burst = match[3] === undefined ? Math.max(1, Math.ceil(perPeriod)) : Number(match[3]);
  if (!(burst >= 1)) return undefined;
  return { ratePerSecond: perPeriod / periodSeconds, burst };
}

export function formatRateLimitSetting(setting: RateLimitSetting): string {
  if (setting === 'off') return 'off';
  const perSecond = setting.ratePerSecond;
  const rate = Number.isInteger(perSecond) ? `${perSecond}/s` : `${+(perSecond * 60).toFixed(3)}/m`;
  return `${rate} burst ${setting.burst}`;
}
