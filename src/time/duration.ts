import { invalid, valid, type Reading } from '../input-values.js';

// Durations as people write them in settings, YAML and flags: "90s", "15m", "1h30m", "2d".
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+)(ms|s|m|h|d|w)/g;

/**
 * Ten thousand years, more than the calendar the bot keeps (years 0001 to 9999): a longer
 * duration can only be a typo, and any instant plus or minus a shorter one is still a date that
 * JavaScript and PostgreSQL hold ("99999999w" would make an invalid Date).
 */
export const MAX_DURATION_MS = 10_000 * 365.25 * 86_400_000;

/** Whether the text is written as a duration at all, however long. */
export function isDurationText(text: string): boolean {
  return DURATION.test(text.trim());
}

/** Milliseconds in a duration such as "15m" or "1h30m", or what is wrong with it. */
export function readDuration(text: string): Reading<number> {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return invalid('must be a duration such as 90s, 15m, 1h30m or 7d');
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total <= MAX_DURATION_MS ? valid(total) : invalid('is longer than any span of dates the bot keeps (years 0001 to 9999)');
}

/** Milliseconds in a duration such as "15m" or "1h30m"; undefined when it is not one or is absurdly long. */
export function parseDuration(text: string): number | undefined {
  const reading = readDuration(text);
  return reading.ok ? reading.value : undefined;
}

/** A short human form: 45s, 12m, 3h 5m, 2d 4h. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}
